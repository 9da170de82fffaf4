/** Workflow executions: start, close, describe, list, signal, cancel, terminate, history. @internal */
import type {
  CountClosedWorkflowExecutionsInput,
  DescribeWorkflowExecutionInput,
  GetWorkflowExecutionHistoryInput,
  ListClosedWorkflowExecutionsInput,
  RequestCancelWorkflowExecutionInput,
  SignalWorkflowExecutionInput,
  StartWorkflowExecutionInput,
  TerminateWorkflowExecutionInput,
} from '@aws-sdk/client-swf';
import { SwfFault, epochSeconds, parseDuration, parseEpochSeconds, unknownResource } from './protocol.js';
import { addEvent, compact, decodePageToken, historyPage, page, pageSize } from './history.js';
import { assertDomainRegistered, findType } from './domains.js';
import { closeActivityTask } from './activity-tasks.js';
import { closeDecisionTasks, requestDecision } from './decision-schedule.js';
import type { Checked } from './input.js';
import { retainClosed } from './retention.js';
import {
  executionRef,
  findExecution,
  type CloseStatus,
  type Domain,
  type Engine,
  type Execution,
  type ExecutionConfig,
  type TypeId,
} from './state.js';

/** The filters of List/Count Open/Closed WorkflowExecutions: the closed ones hold every member the open ones have. */
type CountQuery = Checked<CountClosedWorkflowExecutionsInput> & { reverseOrder?: boolean };
type ExecutionQuery = Checked<ListClosedWorkflowExecutionsInput>;

const EXCLUSIVE_FILTERS = ['executionFilter', 'typeFilter', 'tagFilter', 'closeStatusFilter'] as const;

/** What starting a run needs beyond its domain; defaults not yet applied. */
export interface StartRequest {
  workflowId: string;
  workflowType: TypeId;
  input?: string;
  tagList?: string[];
  taskList?: { name: string };
  taskPriority?: string;
  executionStartToCloseTimeout?: string;
  taskStartToCloseTimeout?: string;
  childPolicy?: string;
  lambdaRole?: string;
  parent?: { execution: Execution; initiatedEventId: number; startedEventId?: number };
  continuedExecutionRunId?: string;
}

/** Why a run cannot start, in the words of StartChildWorkflowExecutionFailed's causes. */
export type StartProblem =
  | 'WORKFLOW_TYPE_DOES_NOT_EXIST'
  | 'WORKFLOW_TYPE_DEPRECATED'
  | 'WORKFLOW_ALREADY_RUNNING'
  | 'DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED'
  | 'DEFAULT_TASK_LIST_UNDEFINED'
  | 'DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED'
  | 'DEFAULT_CHILD_POLICY_UNDEFINED';

/**
 * Applies the workflow type's defaults to `req`: the configuration the run would have, or the first
 * problem that stops it. `ignoreRunning` is for continue-as-new, whose own run still holds the id.
 */
export function resolveStart(engine: Engine, domain: Domain, req: StartRequest, ignoreRunning = false): ExecutionConfig | StartProblem {
  const type = domain.workflowTypes.get(`${req.workflowType.name}\u0000${req.workflowType.version}`);
  if (type === undefined) return 'WORKFLOW_TYPE_DOES_NOT_EXIST';
  if (type.status === 'DEPRECATED') return 'WORKFLOW_TYPE_DEPRECATED';
  if (!ignoreRunning && domain.open.has(req.workflowId)) return 'WORKFLOW_ALREADY_RUNNING';
  const d = type.defaults;
  const executionStartToCloseTimeout = req.executionStartToCloseTimeout ?? (d.defaultExecutionStartToCloseTimeout as string | undefined);
  if (executionStartToCloseTimeout === undefined) return 'DEFAULT_EXECUTION_START_TO_CLOSE_TIMEOUT_UNDEFINED';
  const taskList = req.taskList ?? (d.defaultTaskList as { name: string } | undefined);
  if (taskList === undefined) return 'DEFAULT_TASK_LIST_UNDEFINED';
  const taskStartToCloseTimeout = req.taskStartToCloseTimeout ?? (d.defaultTaskStartToCloseTimeout as string | undefined);
  if (taskStartToCloseTimeout === undefined) return 'DEFAULT_TASK_START_TO_CLOSE_TIMEOUT_UNDEFINED';
  const childPolicy = req.childPolicy ?? (d.defaultChildPolicy as string | undefined);
  if (childPolicy === undefined) return 'DEFAULT_CHILD_POLICY_UNDEFINED';
  parseDuration(executionStartToCloseTimeout, 'executionStartToCloseTimeout');
  parseDuration(taskStartToCloseTimeout, 'taskStartToCloseTimeout');
  return compact({
    taskList: { name: taskList.name },
    taskPriority: req.taskPriority ?? (d.defaultTaskPriority as string | undefined),
    executionStartToCloseTimeout,
    taskStartToCloseTimeout,
    childPolicy,
    lambdaRole: req.lambdaRole ?? (d.defaultLambdaRole as string | undefined),
  });
}

/** Creates a run with a resolved configuration: writes WorkflowExecutionStarted and schedules a decision task. */
export function createExecution(engine: Engine, domain: Domain, req: StartRequest, config: ExecutionConfig, runId: string = engine.newRunId()): Execution {
  const now = engine.now();
  const execution: Execution = {
    domain,
    workflowId: req.workflowId,
    runId,
    workflowType: { name: req.workflowType.name, version: req.workflowType.version },
    config,
    tagList: req.tagList ?? [],
    input: req.input,
    startMs: now,
    status: 'OPEN',
    cancelRequested: false,
    history: [],
    parent: req.parent,
    activities: new Map(),
    timers: new Map(),
    children: new Map(),
    decision: { needsAnother: false, applying: false, previousStartedEventId: 0 },
    eventLimit: engine.eventLimit,
  };
  domain.executions.set(execution.runId, execution);
  domain.open.set(execution.workflowId, execution);
  addEvent(
    execution,
    'WorkflowExecutionStarted',
    {
      input: req.input,
      executionStartToCloseTimeout: config.executionStartToCloseTimeout,
      taskStartToCloseTimeout: config.taskStartToCloseTimeout,
      childPolicy: config.childPolicy,
      taskList: { name: config.taskList.name },
      taskPriority: config.taskPriority,
      workflowType: { ...execution.workflowType },
      tagList: req.tagList,
      continuedExecutionRunId: req.continuedExecutionRunId,
      parentWorkflowExecution: req.parent ? executionRef(req.parent.execution) : undefined,
      parentInitiatedEventId: req.parent?.initiatedEventId,
      lambdaRole: config.lambdaRole,
    },
    now,
  );
  const limitMs = parseDuration(config.executionStartToCloseTimeout, 'executionStartToCloseTimeout');
  if (limitMs !== undefined) {
    execution.timeoutTimer = engine.setTimer(limitMs, () => {
      if (execution.status !== 'OPEN') return;
      addEvent(execution, 'WorkflowExecutionTimedOut', { timeoutType: 'START_TO_CLOSE', childPolicy: execution.config.childPolicy }, engine.now());
      closeExecution(engine, execution, 'TIMED_OUT');
    });
  }
  requestDecision(engine, execution);
  return execution;
}

export function startWorkflowExecution(engine: Engine, input: Checked<StartWorkflowExecutionInput>): Record<string, unknown> {
  const domain = engine.domain(input.domain);
  assertDomainRegistered(domain);
  const type = findType(engine, domain, 'workflow', input.workflowType);
  if (type.status === 'DEPRECATED') {
    throw new SwfFault('TypeDeprecatedFault', `WorkflowType=[name=${type.id.name}, version=${type.id.version}]`);
  }
  const req: StartRequest = { ...input, workflowType: input.workflowType } as StartRequest;
  const config = resolveStart(engine, domain, req);
  if (config === 'WORKFLOW_ALREADY_RUNNING') {
    throw new SwfFault('WorkflowExecutionAlreadyStartedFault', `Workflow execution already started: ${req.workflowId}`);
  }
  if (typeof config === 'string') {
    const what = config.replace(/^DEFAULT_|_UNDEFINED$/g, '').toLowerCase();
    throw new SwfFault('DefaultUndefinedFault', `No ${what} was given and the workflow type has no default (${config})`);
  }
  const execution = createExecution(engine, domain, req, config);
  return { runId: execution.runId };
}

/**
 * Closes an open run after its closing event was written: stops its time-outs, closes its tasks
 * (their tokens go stale), tells its parent, and applies its child policy to its children.
 */
export function closeExecution(engine: Engine, execution: Execution, closeStatus: CloseStatus): void {
  if (execution.status !== 'OPEN') return;
  execution.status = 'CLOSED';
  execution.closeStatus = closeStatus;
  execution.closeMs = engine.now();
  engine.clearTimer(execution.timeoutTimer);
  for (const task of [...execution.activities.values()]) closeActivityTask(engine, task);
  for (const timer of execution.timers.values()) engine.clearTimer(timer.handle);
  execution.timers.clear();
  closeDecisionTasks(engine, execution);
  if (execution.domain.open.get(execution.workflowId) === execution) execution.domain.open.delete(execution.workflowId);
  retainClosed(engine, execution);
  notifyParent(engine, execution, closeStatus);
  for (const child of [...execution.children.values()]) {
    if (execution.config.childPolicy === 'TERMINATE') {
      terminate(engine, child, { reason: undefined, details: undefined, cause: 'CHILD_POLICY_APPLIED' });
    } else if (execution.config.childPolicy === 'REQUEST_CANCEL') {
      requestCancel(engine, child, { cause: 'CHILD_POLICY_APPLIED' });
    }
  }
}

const CHILD_EVENTS: Record<CloseStatus, string | undefined> = {
  COMPLETED: 'ChildWorkflowExecutionCompleted',
  FAILED: 'ChildWorkflowExecutionFailed',
  CANCELED: 'ChildWorkflowExecutionCanceled',
  TERMINATED: 'ChildWorkflowExecutionTerminated',
  TIMED_OUT: 'ChildWorkflowExecutionTimedOut',
  CONTINUED_AS_NEW: undefined,
};

function notifyParent(engine: Engine, child: Execution, closeStatus: CloseStatus): void {
  const link = child.parent;
  if (link === undefined) return;
  const parent = link.execution;
  parent.children.delete(child.runId);
  if (parent.status !== 'OPEN') return;
  const eventType = CHILD_EVENTS[closeStatus];
  if (eventType === undefined) return; // the next run carries the link on
  const closing = child.history[child.history.length - 1]?.attributes ?? {};
  addEvent(
    parent,
    eventType,
    {
      workflowExecution: executionRef(child),
      workflowType: { ...child.workflowType },
      initiatedEventId: link.initiatedEventId,
      startedEventId: link.startedEventId ?? 0,
      result: closeStatus === 'COMPLETED' ? closing.result : undefined,
      reason: closeStatus === 'FAILED' ? closing.reason : undefined,
      details: closeStatus === 'FAILED' || closeStatus === 'CANCELED' ? closing.details : undefined,
      timeoutType: closeStatus === 'TIMED_OUT' ? 'START_TO_CLOSE' : undefined,
    },
    engine.now(),
  );
  requestDecision(engine, parent);
}

/** Writes WorkflowExecutionTerminated and closes the run. */
export function terminate(engine: Engine, execution: Execution, opts: { reason?: string; details?: string; childPolicy?: string; cause?: string }): void {
  if (execution.status !== 'OPEN') return;
  if (opts.childPolicy) execution.config.childPolicy = opts.childPolicy;
  addEvent(
    execution,
    'WorkflowExecutionTerminated',
    { reason: opts.reason, details: opts.details, childPolicy: execution.config.childPolicy, cause: opts.cause },
    engine.now(),
  );
  closeExecution(engine, execution, 'TERMINATED');
}

/** Writes WorkflowExecutionCancelRequested (once) and schedules a decision task. */
export function requestCancel(engine: Engine, execution: Execution, external: { initiatedEventId?: number; by?: Execution; cause?: string }): void {
  if (execution.status !== 'OPEN' || execution.cancelRequested) return;
  execution.cancelRequested = true;
  addEvent(
    execution,
    'WorkflowExecutionCancelRequested',
    {
      externalInitiatedEventId: external.initiatedEventId,
      externalWorkflowExecution: external.by ? executionRef(external.by) : undefined,
      cause: external.cause,
    },
    engine.now(),
  );
  requestDecision(engine, execution);
}

/** Writes WorkflowExecutionSignaled and schedules a decision task. */
export function signal(engine: Engine, execution: Execution, s: { signalName: string; input?: string; initiatedEventId?: number; by?: Execution }): void {
  addEvent(
    execution,
    'WorkflowExecutionSignaled',
    {
      signalName: s.signalName,
      input: s.input,
      externalInitiatedEventId: s.initiatedEventId,
      externalWorkflowExecution: s.by ? executionRef(s.by) : undefined,
    },
    engine.now(),
  );
  requestDecision(engine, execution);
}

function openExecution(engine: Engine, input: { domain: string; workflowId: string; runId?: string }): Execution {
  const execution = findExecution(engine, input.domain, { workflowId: input.workflowId, runId: input.runId });
  if (execution.status !== 'OPEN') {
    throw unknownResource(`Unknown execution: WorkflowExecution=[workflowId=${execution.workflowId}, runId=${execution.runId}]`);
  }
  return execution;
}

export function signalWorkflowExecution(engine: Engine, input: Checked<SignalWorkflowExecutionInput>): Record<string, never> {
  signal(engine, openExecution(engine, input), { signalName: input.signalName, input: input.input });
  return {};
}

export function requestCancelWorkflowExecution(engine: Engine, input: Checked<RequestCancelWorkflowExecutionInput>): Record<string, never> {
  requestCancel(engine, openExecution(engine, input), {});
  return {};
}

export function terminateWorkflowExecution(engine: Engine, input: Checked<TerminateWorkflowExecutionInput>): Record<string, never> {
  terminate(engine, openExecution(engine, input), { reason: input.reason, details: input.details, childPolicy: input.childPolicy });
  return {};
}

function executionInfo(e: Execution): Record<string, unknown> {
  return compact({
    execution: executionRef(e),
    workflowType: { ...e.workflowType },
    startTimestamp: epochSeconds(e.startMs),
    closeTimestamp: e.closeMs === undefined ? undefined : epochSeconds(e.closeMs),
    executionStatus: e.status,
    closeStatus: e.closeStatus,
    parent: e.parent ? executionRef(e.parent.execution) : undefined,
    tagList: e.tagList.length > 0 ? [...e.tagList] : undefined,
    cancelRequested: e.cancelRequested,
  });
}

export function describeWorkflowExecution(engine: Engine, input: Checked<DescribeWorkflowExecutionInput>): Record<string, unknown> {
  const e = findExecution(engine, input.domain, input.execution ?? {});
  return compact({
    executionInfo: executionInfo(e),
    executionConfiguration: compact({ ...e.config, taskList: { ...e.config.taskList } }),
    openCounts: {
      openActivityTasks: e.activities.size,
      openDecisionTasks: e.decision.scheduled || e.decision.started ? 1 : 0,
      openTimers: e.timers.size,
      openChildWorkflowExecutions: e.children.size,
      openLambdaFunctions: 0,
    },
    latestActivityTaskTimestamp: e.latestActivityTaskMs === undefined ? undefined : epochSeconds(e.latestActivityTaskMs),
    latestExecutionContext: e.latestExecutionContext,
  });
}

export function getWorkflowExecutionHistory(engine: Engine, input: Checked<GetWorkflowExecutionHistoryInput>): Record<string, unknown> {
  const e = findExecution(engine, input.domain, input.execution ?? {});
  return compact(historyPage(engine, e, input, 'history'));
}

function timeWindow(filter: { oldestDate?: unknown; latestDate?: unknown } | undefined): (ms: number | undefined) => boolean {
  if (filter === undefined) return () => true;
  const oldest = parseEpochSeconds(filter.oldestDate) ?? -Infinity;
  const latest = parseEpochSeconds(filter.latestDate) ?? Infinity;
  return (ms) => ms !== undefined && ms >= oldest && ms <= latest;
}

/** The runs a List/Count call selects, newest first (or oldest first with reverseOrder). */
function select(engine: Engine, input: ExecutionQuery | CountQuery, open: boolean): Execution[] {
  const domain = engine.domain(input.domain);
  const exclusive = EXCLUSIVE_FILTERS.filter((k) => input[k] !== undefined);
  if (exclusive.length > 1) {
    throw new SwfFault('ValidationException', `Only one of executionFilter, typeFilter, tagFilter${open ? '' : ', closeStatusFilter'} can be given; got ${exclusive.join(', ')}`);
  }
  if (!open && (input.startTimeFilter === undefined) === (input.closeTimeFilter === undefined)) {
    throw new SwfFault('ValidationException', 'Exactly one of startTimeFilter or closeTimeFilter must be given');
  }
  const byClose = !open && input.closeTimeFilter !== undefined;
  const inWindow = timeWindow(byClose ? input.closeTimeFilter : input.startTimeFilter);
  const source = open ? domain.open.values() : domain.executions.values();
  const out: Execution[] = [];
  for (const e of source) {
    if (!open && e.status !== 'CLOSED') continue;
    if (!inWindow(byClose ? e.closeMs : e.startMs)) continue;
    if (input.executionFilter && e.workflowId !== input.executionFilter.workflowId) continue;
    if (input.typeFilter && (e.workflowType.name !== input.typeFilter.name || (input.typeFilter.version !== undefined && e.workflowType.version !== input.typeFilter.version))) continue;
    if (input.tagFilter && !e.tagList.includes(input.tagFilter.tag)) continue;
    if (input.closeStatusFilter && e.closeStatus !== input.closeStatusFilter.status) continue;
    out.push(e);
  }
  const key = (e: Execution): number => (byClose ? (e.closeMs ?? 0) : e.startMs);
  out.sort((a, b) => key(b) - key(a));
  if (input.reverseOrder) out.reverse();
  return out;
}

export function listExecutions(engine: Engine, input: ExecutionQuery, open: boolean): Record<string, unknown> {
  const all = select(engine, input, open);
  const kind = open ? 'open-executions' : 'closed-executions';
  const token = decodePageToken(engine, input.nextPageToken, kind);
  const p = page(engine, all, token?.o ?? 0, pageSize(input.maximumPageSize), kind);
  return compact({ executionInfos: p.items.map(executionInfo), nextPageToken: p.nextPageToken });
}

export function countExecutions(engine: Engine, input: CountQuery, open: boolean): Record<string, unknown> {
  return { count: select(engine, input, open).length, truncated: false };
}
