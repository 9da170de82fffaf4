/** The decisions of RespondDecisionTaskCompleted, applied in order, one handler per decision type. @internal */
import type {
  ContinueAsNewWorkflowExecutionDecisionAttributes,
  Decision,
  DecisionType,
  RequestCancelExternalWorkflowExecutionDecisionAttributes,
  SignalExternalWorkflowExecutionDecisionAttributes,
  StartChildWorkflowExecutionDecisionAttributes,
} from '@aws-sdk/client-swf';
import { SwfFault } from './protocol.js';
import { addEvent } from './history.js';
import { requestCancelActivityTask, scheduleActivityTask } from './activity-tasks.js';
import { startTimer, cancelTimer } from './timers.js';
import { closeExecution, createExecution, requestCancel, resolveStart, signal, type StartRequest } from './executions.js';
import type { Checked } from './input.js';
import { executionRef, type Engine, type Execution } from './state.js';

type CheckedDecision = Checked<Decision>;

/** The attributes member of a decision type, e.g. `scheduleActivityTaskDecisionAttributes`. */
type AttributesKey = Exclude<keyof CheckedDecision, 'decisionType'>;

const attributesKey = (decisionType: string): AttributesKey =>
  `${decisionType.charAt(0).toLowerCase()}${decisionType.slice(1)}DecisionAttributes` as AttributesKey;

/** Decisions whose attributes are required by SWF. */
const NEEDS_ATTRIBUTES: ReadonlySet<string> = new Set<DecisionType>([
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
export function checkDecisionAttributes(decisions: readonly CheckedDecision[]): void {
  decisions.forEach((d, i) => {
    if (NEEDS_ATTRIBUTES.has(d.decisionType) && d[attributesKey(d.decisionType)] === undefined) {
      throw new SwfFault(
        'ValidationException',
        `1 validation error detected: Value null at 'decisions.${i + 1}.member.${attributesKey(d.decisionType)}' failed to satisfy constraint: Member must not be null`,
      );
    }
  });
}

/** What every decision handler works on: the execution, the completing task's event, and what it leaves to do. */
interface DecisionRun {
  engine: Engine;
  execution: Execution;
  completedEventId: number;
  /** Events came in while the task was out: close decisions fail with UNHANDLED_DECISION. */
  unhandled: boolean;
  /** A written event needs a new decision task. */
  needsDecision: boolean;
}

function write(run: DecisionRun, eventType: string, attrs: Record<string, unknown>): number {
  return addEvent(run.execution, eventType, { ...attrs, decisionTaskCompletedEventId: run.completedEventId }, run.engine.now());
}

/** A decision failed: its `*Failed` event, and a decision task so the decider sees it. */
function failed(run: DecisionRun, eventType: string, attrs: Record<string, unknown>): void {
  write(run, eventType, attrs);
  run.needsDecision = true;
}

/** A close decision: fails with UNHANDLED_DECISION when news came in, else writes its event and closes the run. */
function closeWith(run: DecisionRun, decisionType: string, eventType: string, attrs: Record<string, unknown>, status: 'COMPLETED' | 'FAILED' | 'CANCELED'): void {
  if (run.unhandled) return failed(run, `${decisionType}Failed`, { cause: 'UNHANDLED_DECISION' });
  write(run, eventType, attrs);
  closeExecution(run.engine, run.execution, status);
}

/** The open execution a signal or cancel decision names, if any. */
function external(run: DecisionRun, a: { workflowId: string; runId?: string }): Execution | undefined {
  const domain = run.execution.domain;
  const target = a.runId ? domain.executions.get(a.runId) : domain.open.get(a.workflowId);
  return target !== undefined && target.workflowId === a.workflowId && target.status === 'OPEN' ? target : undefined;
}

function signalExternal(run: DecisionRun, a: Checked<SignalExternalWorkflowExecutionDecisionAttributes>): void {
  const { workflowId, runId, signalName, input, control } = a;
  const initiatedEventId = write(run, 'SignalExternalWorkflowExecutionInitiated', { workflowId, runId, signalName, input, control });
  const target = external(run, a);
  if (target === undefined) {
    return failed(run, 'SignalExternalWorkflowExecutionFailed', { workflowId, runId, cause: 'UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION', initiatedEventId, control });
  }
  signal(run.engine, target, { signalName, input, initiatedEventId, by: run.execution });
  addEvent(run.execution, 'ExternalWorkflowExecutionSignaled', { initiatedEventId, workflowExecution: executionRef(target) }, run.engine.now());
  run.needsDecision = true;
}

function cancelExternal(run: DecisionRun, a: Checked<RequestCancelExternalWorkflowExecutionDecisionAttributes>): void {
  const { workflowId, runId, control } = a;
  const initiatedEventId = write(run, 'RequestCancelExternalWorkflowExecutionInitiated', { workflowId, runId, control });
  const target = external(run, a);
  if (target === undefined) {
    return failed(run, 'RequestCancelExternalWorkflowExecutionFailed', { workflowId, runId, cause: 'UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION', initiatedEventId, control });
  }
  requestCancel(run.engine, target, { initiatedEventId, by: run.execution });
  addEvent(run.execution, 'ExternalWorkflowExecutionCancelRequested', { initiatedEventId, workflowExecution: executionRef(target) }, run.engine.now());
  run.needsDecision = true;
}

/** What ContinueAsNew and StartChildWorkflowExecution both pass on to the run they start. */
function startFields(a: Checked<ContinueAsNewWorkflowExecutionDecisionAttributes>): Omit<StartRequest, 'workflowId' | 'workflowType'> {
  const { input, tagList, taskList, taskPriority, executionStartToCloseTimeout, taskStartToCloseTimeout, childPolicy, lambdaRole } = a;
  return { input, tagList, taskList, taskPriority, executionStartToCloseTimeout, taskStartToCloseTimeout, childPolicy, lambdaRole };
}

function continueAsNew(run: DecisionRun, a: Checked<ContinueAsNewWorkflowExecutionDecisionAttributes>): void {
  const { engine, execution } = run;
  if (run.unhandled) return failed(run, 'ContinueAsNewWorkflowExecutionFailed', { cause: 'UNHANDLED_DECISION' });
  const req: StartRequest = {
    workflowId: execution.workflowId,
    workflowType: { name: execution.workflowType.name, version: a.workflowTypeVersion ?? execution.workflowType.version },
    ...startFields(a),
    parent: execution.parent,
    continuedExecutionRunId: execution.runId,
  };
  const config = resolveStart(engine, execution.domain, req, true);
  if (typeof config === 'string') return failed(run, 'ContinueAsNewWorkflowExecutionFailed', { cause: config });
  const newExecutionRunId = engine.newRunId();
  write(run, 'WorkflowExecutionContinuedAsNew', {
    input: a.input,
    newExecutionRunId,
    ...config,
    taskList: { name: config.taskList.name },
    tagList: a.tagList,
    workflowType: { ...req.workflowType },
  });
  closeExecution(engine, execution, 'CONTINUED_AS_NEW');
  const next = createExecution(engine, execution.domain, req, config, newExecutionRunId);
  if (next.parent) next.parent.execution.children.set(next.runId, next);
}

function startChild(run: DecisionRun, a: Checked<StartChildWorkflowExecutionDecisionAttributes>): void {
  const { engine, execution } = run;
  const { workflowId, control } = a;
  const workflowType = { name: a.workflowType.name, version: a.workflowType.version };
  const req: StartRequest = { workflowId, workflowType, ...startFields(a) };
  const config = resolveStart(engine, execution.domain, req);
  if (typeof config === 'string') {
    return failed(run, 'StartChildWorkflowExecutionFailed', { workflowId, workflowType, cause: config, initiatedEventId: 0, control });
  }
  const initiatedEventId = write(run, 'StartChildWorkflowExecutionInitiated', {
    workflowId,
    workflowType,
    control,
    input: a.input,
    ...config,
    taskList: { name: config.taskList.name },
    tagList: a.tagList,
  });
  req.parent = { execution, initiatedEventId };
  const child = createExecution(engine, execution.domain, req, config);
  execution.children.set(child.runId, child);
  const startedEventId = addEvent(
    execution,
    'ChildWorkflowExecutionStarted',
    { initiatedEventId, workflowExecution: executionRef(child), workflowType: { ...child.workflowType } },
    engine.now(),
  );
  if (child.parent) child.parent.startedEventId = startedEventId;
  run.needsDecision = true;
}

/** One handler per decision type; each gets the decision's attributes (present: checkDecisionAttributes saw to it). */
const HANDLERS: { readonly [T in DecisionType]: (run: DecisionRun, d: CheckedDecision) => void } = {
  ScheduleActivityTask(run, d) {
    const a = d.scheduleActivityTaskDecisionAttributes!;
    const cause = scheduleActivityTask(run.engine, run.execution, a, run.completedEventId);
    if (cause) failed(run, 'ScheduleActivityTaskFailed', { activityType: { ...a.activityType }, activityId: a.activityId, cause });
  },
  RequestCancelActivityTask(run, d) {
    const { activityId } = d.requestCancelActivityTaskDecisionAttributes!;
    if (!requestCancelActivityTask(run.engine, run.execution, activityId, run.completedEventId)) {
      failed(run, 'RequestCancelActivityTaskFailed', { activityId, cause: 'ACTIVITY_ID_UNKNOWN' });
    }
  },
  StartTimer(run, d) {
    const a = d.startTimerDecisionAttributes!;
    const cause = startTimer(run.engine, run.execution, a, run.completedEventId);
    if (cause) failed(run, 'StartTimerFailed', { timerId: a.timerId, cause });
  },
  CancelTimer(run, d) {
    const { timerId } = d.cancelTimerDecisionAttributes!;
    if (!cancelTimer(run.engine, run.execution, timerId, run.completedEventId)) failed(run, 'CancelTimerFailed', { timerId, cause: 'TIMER_ID_UNKNOWN' });
  },
  RecordMarker(run, d) {
    const { markerName, details } = d.recordMarkerDecisionAttributes!;
    write(run, 'MarkerRecorded', { markerName, details });
  },
  CompleteWorkflowExecution(run, d) {
    closeWith(run, 'CompleteWorkflowExecution', 'WorkflowExecutionCompleted', { result: d.completeWorkflowExecutionDecisionAttributes?.result }, 'COMPLETED');
  },
  FailWorkflowExecution(run, d) {
    const { reason, details } = d.failWorkflowExecutionDecisionAttributes ?? {};
    closeWith(run, 'FailWorkflowExecution', 'WorkflowExecutionFailed', { reason, details }, 'FAILED');
  },
  CancelWorkflowExecution(run, d) {
    closeWith(run, 'CancelWorkflowExecution', 'WorkflowExecutionCanceled', { details: d.cancelWorkflowExecutionDecisionAttributes?.details }, 'CANCELED');
  },
  ContinueAsNewWorkflowExecution: (run, d) => continueAsNew(run, d.continueAsNewWorkflowExecutionDecisionAttributes ?? {}),
  SignalExternalWorkflowExecution: (run, d) => signalExternal(run, d.signalExternalWorkflowExecutionDecisionAttributes!),
  RequestCancelExternalWorkflowExecution: (run, d) => cancelExternal(run, d.requestCancelExternalWorkflowExecutionDecisionAttributes!),
  StartChildWorkflowExecution: (run, d) => startChild(run, d.startChildWorkflowExecutionDecisionAttributes!),
  ScheduleLambdaFunction(run, d) {
    const { id, name } = d.scheduleLambdaFunctionDecisionAttributes!;
    failed(run, 'ScheduleLambdaFunctionFailed', { id, name, cause: 'LAMBDA_SERVICE_NOT_AVAILABLE_IN_REGION' });
  },
};

/**
 * Applies `decisions` for the decision task completed as event `completedEventId`. A close decision
 * fails with UNHANDLED_DECISION when events came in while the task was out (`unhandled`); decisions
 * after a close are ignored. Returns true when a written event needs a new decision task.
 */
export function applyDecisions(engine: Engine, execution: Execution, decisions: readonly CheckedDecision[], completedEventId: number, unhandled: boolean): boolean {
  const run: DecisionRun = { engine, execution, completedEventId, unhandled, needsDecision: false };
  for (const decision of decisions) {
    if (execution.status !== 'OPEN') break;
    const handler = HANDLERS[decision.decisionType] as ((run: DecisionRun, d: CheckedDecision) => void) | undefined;
    if (handler === undefined) throw new SwfFault('ValidationException', `Unknown decisionType: ${decision.decisionType}`);
    handler(run, decision);
  }
  return run.needsDecision;
}
