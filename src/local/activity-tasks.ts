/** Activity tasks: scheduling, polls, heartbeats, responses and their four time-outs. @internal */
import type {
  CountPendingActivityTasksInput,
  PollForActivityTaskInput,
  RecordActivityTaskHeartbeatInput,
  RespondActivityTaskCanceledInput,
  RespondActivityTaskCompletedInput,
  RespondActivityTaskFailedInput,
  ScheduleActivityTaskDecisionAttributes,
} from '@aws-sdk/client-swf';
import { parseDuration, unknownResource } from './protocol.js';
import { addEvent, compact } from './history.js';
import { requestDecision } from './decision-schedule.js';
import type { Checked } from './input.js';
import { executionRef, typeKey, type ActivityTask, type Engine, type Execution, type TypeRecord } from './state.js';

/** Causes of ScheduleActivityTaskFailed this endpoint writes. */
export type ScheduleActivityProblem =
  | 'ACTIVITY_TYPE_DOES_NOT_EXIST'
  | 'ACTIVITY_TYPE_DEPRECATED'
  | 'ACTIVITY_ID_ALREADY_IN_USE'
  | 'OPEN_ACTIVITIES_LIMIT_EXCEEDED'
  | 'DEFAULT_TASK_LIST_UNDEFINED'
  | 'DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED'
  | 'DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED'
  | 'DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED';

type ScheduleAttributes = Checked<ScheduleActivityTaskDecisionAttributes>;

/** The settings of a task to schedule, the type's defaults applied; as written in ActivityTaskScheduled. */
interface ActivitySettings {
  type: TypeRecord;
  taskList: { name: string };
  taskPriority?: string;
  scheduleToStartTimeout: string;
  scheduleToCloseTimeout: string;
  startToCloseTimeout: string;
  heartbeatTimeout: string;
}

/** Applies the activity type's defaults to a decision's attributes, or returns the first problem that stops it. */
function resolveActivity(engine: Engine, execution: Execution, attrs: ScheduleAttributes): ActivitySettings | ScheduleActivityProblem {
  const type = execution.domain.activityTypes.get(typeKey(attrs.activityType));
  if (type === undefined) return 'ACTIVITY_TYPE_DOES_NOT_EXIST';
  if (type.status === 'DEPRECATED') return 'ACTIVITY_TYPE_DEPRECATED';
  if (execution.activities.has(attrs.activityId)) return 'ACTIVITY_ID_ALREADY_IN_USE';
  if (execution.activities.size >= engine.settings.maxOpenActivitiesPerExecution) return 'OPEN_ACTIVITIES_LIMIT_EXCEEDED';
  const d = type.defaults;
  const taskList = (attrs.taskList ?? d.defaultTaskList) as { name: string } | undefined;
  if (taskList === undefined) return 'DEFAULT_TASK_LIST_UNDEFINED';
  const scheduleToCloseTimeout = (attrs.scheduleToCloseTimeout ?? d.defaultTaskScheduleToCloseTimeout) as string | undefined;
  if (scheduleToCloseTimeout === undefined) return 'DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED';
  const scheduleToStartTimeout = (attrs.scheduleToStartTimeout ?? d.defaultTaskScheduleToStartTimeout) as string | undefined;
  if (scheduleToStartTimeout === undefined) return 'DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED';
  const startToCloseTimeout = (attrs.startToCloseTimeout ?? d.defaultTaskStartToCloseTimeout) as string | undefined;
  if (startToCloseTimeout === undefined) return 'DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED';
  // SWF lets the heartbeat time-out be absent everywhere: then there is none.
  const heartbeatTimeout = ((attrs.heartbeatTimeout ?? d.defaultTaskHeartbeatTimeout) as string | undefined) ?? 'NONE';
  const taskPriority = attrs.taskPriority ?? (d.defaultTaskPriority as string | undefined);
  return { type, taskList, taskPriority, scheduleToStartTimeout, scheduleToCloseTimeout, startToCloseTimeout, heartbeatTimeout };
}

/**
 * Schedules an activity task for a ScheduleActivityTask decision: writes ActivityTaskScheduled (defaults of
 * the type applied), starts its schedule time-outs and queues it; or returns why it cannot be scheduled.
 */
export function scheduleActivityTask(engine: Engine, execution: Execution, attrs: ScheduleAttributes, decisionTaskCompletedEventId: number): ScheduleActivityProblem | undefined {
  const settings = resolveActivity(engine, execution, attrs);
  if (typeof settings === 'string') return settings;
  const { type, taskList, ...written } = settings;
  const timeouts = {
    scheduleToStart: parseDuration(written.scheduleToStartTimeout, 'scheduleToStartTimeout'),
    scheduleToClose: parseDuration(written.scheduleToCloseTimeout, 'scheduleToCloseTimeout'),
    startToClose: parseDuration(written.startToCloseTimeout, 'startToCloseTimeout'),
    heartbeat: parseDuration(written.heartbeatTimeout, 'heartbeatTimeout'),
  };
  const scheduledEventId = addEvent(
    execution,
    'ActivityTaskScheduled',
    {
      activityType: { name: type.id.name, version: type.id.version },
      activityId: attrs.activityId,
      input: attrs.input,
      control: attrs.control,
      ...written,
      taskList: { name: taskList.name },
      decisionTaskCompletedEventId,
    },
    engine.now(),
  );
  const task: ActivityTask = {
    queued: false,
    state: 'SCHEDULED',
    execution,
    activityId: attrs.activityId,
    activityType: { ...type.id },
    input: attrs.input,
    taskList: taskList.name,
    timeouts,
    scheduledEventId,
    startedEventId: 0,
    cancelRequested: false,
    timers: {},
  };
  execution.activities.set(task.activityId, task);
  if (timeouts.scheduleToStart !== undefined) {
    task.timers.scheduleToStart = engine.setTimer(timeouts.scheduleToStart, () => timeOut(engine, task, 'SCHEDULE_TO_START'));
  }
  if (timeouts.scheduleToClose !== undefined) {
    task.timers.scheduleToClose = engine.setTimer(timeouts.scheduleToClose, () => timeOut(engine, task, 'SCHEDULE_TO_CLOSE'));
  }
  engine.activityQueue(execution.domain, task.taskList).offer(task);
  return undefined;
}

/** Ends a task however it ended: timers stopped, token stale, out of its queue and its execution. */
export function closeActivityTask(engine: Engine, task: ActivityTask): void {
  if (task.state === 'CLOSED') return;
  task.state = 'CLOSED';
  for (const handle of Object.values(task.timers)) engine.clearTimer(handle);
  task.timers = {};
  if (task.token !== undefined) engine.activityTokens.delete(task.token);
  if (task.queued) task.execution.domain.activityQueues.get(task.taskList)?.remove(task);
  task.execution.activities.delete(task.activityId);
}

type TimeoutType = 'START_TO_CLOSE' | 'SCHEDULE_TO_START' | 'SCHEDULE_TO_CLOSE' | 'HEARTBEAT';

function timeOut(engine: Engine, task: ActivityTask, timeoutType: TimeoutType): void {
  if (task.state === 'CLOSED') return;
  if (timeoutType === 'SCHEDULE_TO_START' && task.state !== 'SCHEDULED') return;
  addEvent(
    task.execution,
    'ActivityTaskTimedOut',
    { timeoutType, scheduledEventId: task.scheduledEventId, startedEventId: task.startedEventId, details: task.heartbeatDetails },
    engine.now(),
  );
  closeActivityTask(engine, task);
  requestDecision(engine, task.execution);
}

function armHeartbeat(engine: Engine, task: ActivityTask): void {
  if (task.timeouts.heartbeat === undefined) return;
  engine.clearTimer(task.timers.heartbeat);
  task.timers.heartbeat = engine.setTimer(task.timeouts.heartbeat, () => timeOut(engine, task, 'HEARTBEAT'));
}

/** Hands a scheduled task to a worker: ActivityTaskStarted, a token, the start-to-close and heartbeat clocks. */
function startTask(engine: Engine, task: ActivityTask, identity: string | undefined): Record<string, unknown> {
  const now = engine.now();
  task.state = 'STARTED';
  engine.clearTimer(task.timers.scheduleToStart);
  delete task.timers.scheduleToStart;
  task.startedEventId = addEvent(task.execution, 'ActivityTaskStarted', { identity, scheduledEventId: task.scheduledEventId }, now);
  task.execution.latestActivityTaskMs = now;
  task.token = engine.newToken();
  engine.activityTokens.set(task.token, task);
  if (task.timeouts.startToClose !== undefined) {
    task.timers.startToClose = engine.setTimer(task.timeouts.startToClose, () => timeOut(engine, task, 'START_TO_CLOSE'));
  }
  armHeartbeat(engine, task);
  return compact({
    taskToken: task.token,
    activityId: task.activityId,
    startedEventId: task.startedEventId,
    workflowExecution: executionRef(task.execution),
    activityType: { ...task.activityType },
    input: task.input,
  });
}

/** What SWF answers to an activity poll that got no task: no token (SDKs read a missing or empty one alike). */
const EMPTY_ACTIVITY_POLL = { startedEventId: 0 };

export async function pollForActivityTask(engine: Engine, input: Checked<PollForActivityTaskInput>, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const domain = engine.domain(input.domain);
  const queue = engine.activityQueue(domain, input.taskList.name);
  for (;;) {
    const task = await engine.waitForTask(queue, signal);
    if (task === undefined) return { ...EMPTY_ACTIVITY_POLL };
    // A task whose execution closed while it was being handed over is skipped.
    if (task.state !== 'SCHEDULED' || task.execution.status !== 'OPEN') continue;
    // The caller left between hand-over and now: the task goes back to the list rather than be lost.
    if (signal?.aborted) {
      queue.offer(task);
      return { ...EMPTY_ACTIVITY_POLL };
    }
    return startTask(engine, task, input.identity);
  }
}

function startedTask(engine: Engine, token: string): ActivityTask {
  const task = engine.activityTokens.get(token);
  if (task === undefined || task.state !== 'STARTED') throw unknownResource('Unknown activity task: the task is closed, timed out or was never started');
  return task;
}

export function recordActivityTaskHeartbeat(engine: Engine, input: Checked<RecordActivityTaskHeartbeatInput>): Record<string, unknown> {
  const task = startedTask(engine, input.taskToken);
  task.heartbeatDetails = input.details ?? task.heartbeatDetails;
  armHeartbeat(engine, task);
  return { cancelRequested: task.cancelRequested };
}

function respond(engine: Engine, input: { taskToken: string }, eventType: string, attributes: (task: ActivityTask) => Record<string, unknown>): Record<string, never> {
  const task = startedTask(engine, input.taskToken);
  addEvent(task.execution, eventType, { ...attributes(task), scheduledEventId: task.scheduledEventId, startedEventId: task.startedEventId }, engine.now());
  closeActivityTask(engine, task);
  requestDecision(engine, task.execution);
  return {};
}

export function respondActivityTaskCompleted(engine: Engine, input: Checked<RespondActivityTaskCompletedInput>): Record<string, never> {
  return respond(engine, input, 'ActivityTaskCompleted', () => ({ result: input.result }));
}

export function respondActivityTaskFailed(engine: Engine, input: Checked<RespondActivityTaskFailedInput>): Record<string, never> {
  return respond(engine, input, 'ActivityTaskFailed', () => ({ reason: input.reason, details: input.details }));
}

export function respondActivityTaskCanceled(engine: Engine, input: Checked<RespondActivityTaskCanceledInput>): Record<string, never> {
  return respond(engine, input, 'ActivityTaskCanceled', (task) => ({
    details: input.details,
    latestCancelRequestedEventId: task.latestCancelRequestedEventId,
  }));
}

/**
 * RequestCancelActivityTask: ActivityTaskCancelRequested; a task not yet started is canceled at once,
 * a started one learns it from its next heartbeat. Returns false when the activity id is not open.
 */
export function requestCancelActivityTask(engine: Engine, execution: Execution, activityId: string, decisionTaskCompletedEventId: number): boolean {
  const task = execution.activities.get(activityId);
  if (task === undefined) return false;
  const id = addEvent(execution, 'ActivityTaskCancelRequested', { activityId, decisionTaskCompletedEventId }, engine.now());
  task.cancelRequested = true;
  task.latestCancelRequestedEventId = id;
  if (task.state === 'SCHEDULED') {
    addEvent(
      execution,
      'ActivityTaskCanceled',
      { scheduledEventId: task.scheduledEventId, startedEventId: 0, latestCancelRequestedEventId: id },
      engine.now(),
    );
    closeActivityTask(engine, task);
    requestDecision(engine, execution);
  }
  return true;
}

export function countPendingActivityTasks(engine: Engine, input: Checked<CountPendingActivityTasksInput>): Record<string, unknown> {
  const domain = engine.domain(input.domain);
  return { count: domain.activityQueues.get(input.taskList.name)?.pending ?? 0, truncated: false };
}

