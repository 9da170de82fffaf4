/** The decisions of RespondDecisionTaskCompleted, applied in order. @internal */
import { SwfFault } from './protocol.js';
import { addEvent } from './history.js';
import { requestCancelActivityTask, scheduleActivityTask } from './activity-tasks.js';
import { startTimer, cancelTimer } from './timers.js';
import { closeExecution, createExecution, requestCancel, resolveStart, signal, type StartRequest } from './executions.js';
import { executionRef, type Engine, type Execution } from './state.js';

/** Decision attributes, already checked against the SWF model by validate.ts. */
type Attrs = Record<string, any>;

/** A decision as the decider sends it. */
interface Decision {
  decisionType: string;
  [attributes: string]: unknown;
}

const attributesKey = (decisionType: string): string => `${decisionType.charAt(0).toLowerCase()}${decisionType.slice(1)}DecisionAttributes`;

/** Decisions whose attributes are required by SWF. */
const NEEDS_ATTRIBUTES = new Set([
  'ScheduleActivityTask',
  'RequestCancelActivityTask',
  'StartTimer',
  'CancelTimer',
  'RecordMarker',
  'SignalExternalWorkflowExecution',
  'RequestCancelExternalWorkflowExecution',
  'StartChildWorkflowExecution',
  'ScheduleLambdaFunction',
]);

/** Answers ValidationException, before anything is written, when a decision lacks the attributes its type needs. */
export function checkDecisionAttributes(decisions: readonly Decision[]): void {
  decisions.forEach((d, i) => {
    if (NEEDS_ATTRIBUTES.has(d.decisionType) && d[attributesKey(d.decisionType)] === undefined) {
      throw new SwfFault(
        'ValidationException',
        `1 validation error detected: Value null at 'decisions.${i + 1}.member.${attributesKey(d.decisionType)}' failed to satisfy constraint: Member must not be null`,
      );
    }
  });
}

/**
 * Applies `decisions` for the decision task completed as event `completedEventId`. A close decision
 * fails with UNHANDLED_DECISION when events came in while the task was out (`unhandled`); decisions
 * after a close are ignored. Returns true when a written event needs a new decision task.
 */
export function applyDecisions(engine: Engine, execution: Execution, decisions: readonly Decision[], completedEventId: number, unhandled: boolean): boolean {
  let needsDecision = false;
  const now = (): number => engine.now();
  const failed = (eventType: string, attrs: Attrs): void => {
    addEvent(execution, eventType, { ...attrs, decisionTaskCompletedEventId: completedEventId }, now());
    needsDecision = true;
  };
  for (const decision of decisions) {
    if (execution.status !== 'OPEN') break;
    const a = (decision[attributesKey(decision.decisionType)] ?? {}) as Attrs;
    switch (decision.decisionType) {
      case 'ScheduleActivityTask': {
        const problem = scheduleActivityTask(engine, execution, a, completedEventId);
        if (problem) failed('ScheduleActivityTaskFailed', { activityType: a.activityType, activityId: a.activityId, cause: problem });
        break;
      }
      case 'RequestCancelActivityTask':
        if (!requestCancelActivityTask(engine, execution, a.activityId, completedEventId)) {
          failed('RequestCancelActivityTaskFailed', { activityId: a.activityId, cause: 'ACTIVITY_ID_UNKNOWN' });
        }
        break;
      case 'StartTimer': {
        const problem = startTimer(engine, execution, a, completedEventId);
        if (problem) failed('StartTimerFailed', { timerId: a.timerId, cause: problem });
        break;
      }
      case 'CancelTimer':
        if (!cancelTimer(engine, execution, a.timerId, completedEventId)) failed('CancelTimerFailed', { timerId: a.timerId, cause: 'TIMER_ID_UNKNOWN' });
        break;
      case 'RecordMarker':
        addEvent(execution, 'MarkerRecorded', { markerName: a.markerName, details: a.details, decisionTaskCompletedEventId: completedEventId }, now());
        break;
      case 'CompleteWorkflowExecution':
        if (unhandled) failed('CompleteWorkflowExecutionFailed', { cause: 'UNHANDLED_DECISION' });
        else close('WorkflowExecutionCompleted', { result: a.result }, 'COMPLETED');
        break;
      case 'FailWorkflowExecution':
        if (unhandled) failed('FailWorkflowExecutionFailed', { cause: 'UNHANDLED_DECISION' });
        else close('WorkflowExecutionFailed', { reason: a.reason, details: a.details }, 'FAILED');
        break;
      case 'CancelWorkflowExecution':
        if (unhandled) failed('CancelWorkflowExecutionFailed', { cause: 'UNHANDLED_DECISION' });
        else close('WorkflowExecutionCanceled', { details: a.details }, 'CANCELED');
        break;
      case 'ContinueAsNewWorkflowExecution':
        if (unhandled) failed('ContinueAsNewWorkflowExecutionFailed', { cause: 'UNHANDLED_DECISION' });
        else continueAsNew(a);
        break;
      case 'SignalExternalWorkflowExecution': {
        const initiatedEventId = addEvent(
          execution,
          'SignalExternalWorkflowExecutionInitiated',
          { workflowId: a.workflowId, runId: a.runId, signalName: a.signalName, input: a.input, control: a.control, decisionTaskCompletedEventId: completedEventId },
          now(),
        );
        const target = external(a);
        if (target === undefined) {
          failed('SignalExternalWorkflowExecutionFailed', { workflowId: a.workflowId, runId: a.runId, cause: 'UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION', initiatedEventId, control: a.control });
        } else {
          signal(engine, target, { signalName: a.signalName, input: a.input, initiatedEventId, by: execution });
          addEvent(execution, 'ExternalWorkflowExecutionSignaled', { initiatedEventId, workflowExecution: executionRef(target) }, now());
          needsDecision = true;
        }
        break;
      }
      case 'RequestCancelExternalWorkflowExecution': {
        const initiatedEventId = addEvent(
          execution,
          'RequestCancelExternalWorkflowExecutionInitiated',
          { workflowId: a.workflowId, runId: a.runId, control: a.control, decisionTaskCompletedEventId: completedEventId },
          now(),
        );
        const target = external(a);
        if (target === undefined) {
          failed('RequestCancelExternalWorkflowExecutionFailed', { workflowId: a.workflowId, runId: a.runId, cause: 'UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION', initiatedEventId, control: a.control });
        } else {
          requestCancel(engine, target, { initiatedEventId, by: execution });
          addEvent(execution, 'ExternalWorkflowExecutionCancelRequested', { initiatedEventId, workflowExecution: executionRef(target) }, now());
          needsDecision = true;
        }
        break;
      }
      case 'StartChildWorkflowExecution':
        startChild(a);
        break;
      case 'ScheduleLambdaFunction':
        failed('ScheduleLambdaFunctionFailed', { id: a.id, name: a.name, cause: 'LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION' });
        break;
      default:
        throw new SwfFault('ValidationException', `Unknown decisionType: ${decision.decisionType}`);
    }
  }
  return needsDecision;

  function close(eventType: string, attrs: Attrs, status: 'COMPLETED' | 'FAILED' | 'CANCELED'): void {
    addEvent(execution, eventType, { ...attrs, decisionTaskCompletedEventId: completedEventId }, now());
    closeExecution(engine, execution, status);
  }

  function external(a: Attrs): Execution | undefined {
    const domain = execution.domain;
    const target = a.runId ? domain.executions.get(a.runId) : domain.open.get(a.workflowId);
    return target !== undefined && target.workflowId === a.workflowId && target.status === 'OPEN' ? target : undefined;
  }

  /** What ContinueAsNew and StartChildWorkflowExecution both pass on to the run they start. */
  function startFields(a: Attrs): Omit<StartRequest, 'workflowId' | 'workflowType'> {
    return {
      input: a.input,
      tagList: a.tagList,
      taskList: a.taskList,
      taskPriority: a.taskPriority,
      executionStartToCloseTimeout: a.executionStartToCloseTimeout,
      taskStartToCloseTimeout: a.taskStartToCloseTimeout,
      childPolicy: a.childPolicy,
      lambdaRole: a.lambdaRole,
    };
  }

  function continueAsNew(a: Attrs): void {
    const req: StartRequest = {
      workflowId: execution.workflowId,
      workflowType: { name: execution.workflowType.name, version: a.workflowTypeVersion ?? execution.workflowType.version },
      ...startFields(a),
      parent: execution.parent,
      continuedExecutionRunId: execution.runId,
    };
    const config = resolveStart(engine, execution.domain, req, true);
    if (typeof config === 'string') {
      failed('ContinueAsNewWorkflowExecutionFailed', { cause: config });
      return;
    }
    const newRunId = engine.newRunId();
    addEvent(
      execution,
      'WorkflowExecutionContinuedAsNew',
      {
        input: a.input,
        decisionTaskCompletedEventId: completedEventId,
        newExecutionRunId: newRunId,
        executionStartToCloseTimeout: config.executionStartToCloseTimeout,
        taskList: { name: config.taskList.name },
        taskPriority: config.taskPriority,
        taskStartToCloseTimeout: config.taskStartToCloseTimeout,
        childPolicy: config.childPolicy,
        tagList: a.tagList,
        workflowType: { ...req.workflowType },
        lambdaRole: config.lambdaRole,
      },
      now(),
    );
    closeExecution(engine, execution, 'CONTINUED_AS_NEW');
    const next = createExecution(engine, execution.domain, req, config, newRunId);
    if (next.parent) next.parent.execution.children.set(next.runId, next);
  }

  function startChild(a: Attrs): void {
    const req: StartRequest = {
      workflowId: a.workflowId,
      workflowType: a.workflowType,
      ...startFields(a),
    };
    const config = resolveStart(engine, execution.domain, req);
    if (typeof config === 'string') {
      failed('StartChildWorkflowExecutionFailed', { workflowId: a.workflowId, workflowType: a.workflowType, cause: config, initiatedEventId: 0, control: a.control });
      return;
    }
    const initiatedEventId = addEvent(
      execution,
      'StartChildWorkflowExecutionInitiated',
      {
        workflowId: a.workflowId,
        workflowType: { name: a.workflowType.name, version: a.workflowType.version },
        control: a.control,
        input: a.input,
        executionStartToCloseTimeout: config.executionStartToCloseTimeout,
        taskList: { name: config.taskList.name },
        taskPriority: config.taskPriority,
        decisionTaskCompletedEventId: completedEventId,
        childPolicy: config.childPolicy,
        taskStartToCloseTimeout: config.taskStartToCloseTimeout,
        tagList: a.tagList,
        lambdaRole: config.lambdaRole,
      },
      now(),
    );
    req.parent = { execution, initiatedEventId };
    const child = createExecution(engine, execution.domain, req, config);
    execution.children.set(child.runId, child);
    const startedEventId = addEvent(
      execution,
      'ChildWorkflowExecutionStarted',
      { initiatedEventId, workflowExecution: executionRef(child), workflowType: { ...child.workflowType } },
      now(),
    );
    if (child.parent) child.parent.startedEventId = startedEventId;
    needsDecision = true;
  }
}
