/**
 * Scheduling and closing decision tasks: the leaf every part of the state machine calls when something
 * happened that a decider must see. It imports no other part of it, so the parts form no circle. @internal
 */
import { parseDuration } from './protocol.js';
import { addEvent } from './history.js';
import type { DecisionTask, Engine, Execution } from './state.js';

/**
 * Something happened that the decider must see: schedule a decision task unless one is already
 * scheduled; while one is started, schedule the next as soon as it ends.
 */
export function requestDecision(engine: Engine, execution: Execution): void {
  if (execution.status !== 'OPEN') return;
  if (execution.decision.scheduled !== undefined) return;
  if (execution.decision.started !== undefined || execution.decision.applying) {
    execution.decision.needsAnother = true;
    return;
  }
  scheduleDecisionTask(engine, execution);
}

function scheduleDecisionTask(engine: Engine, execution: Execution): void {
  const { taskList, taskStartToCloseTimeout, taskPriority } = execution.config;
  const scheduledEventId = addEvent(
    execution,
    'DecisionTaskScheduled',
    { taskList: { name: taskList.name }, startToCloseTimeout: taskStartToCloseTimeout, taskPriority },
    engine.now(),
  );
  const task: DecisionTask = {
    queued: false,
    state: 'SCHEDULED',
    execution,
    taskList: taskList.name,
    startToCloseMs: parseDuration(taskStartToCloseTimeout, 'taskStartToCloseTimeout'),
    scheduledEventId,
    startedEventId: 0,
  };
  execution.decision.scheduled = task;
  engine.decisionQueue(execution.domain, task.taskList).offer(task);
}

/** Ends a decision task however it ended: timer stopped, token stale, out of its queue. */
export function closeDecisionTask(engine: Engine, task: DecisionTask): void {
  if (task.state === 'CLOSED') return;
  const d = task.execution.decision;
  if (d.scheduled === task) delete d.scheduled;
  if (d.started === task) delete d.started;
  task.state = 'CLOSED';
  engine.clearTimer(task.timer);
  if (task.token !== undefined) engine.decisionTokens.delete(task.token);
  if (task.queued) task.execution.domain.decisionQueues.get(task.taskList)?.remove(task);
}

/** Closes the decision tasks of a closing execution; their tokens go stale. */
export function closeDecisionTasks(engine: Engine, execution: Execution): void {
  const { scheduled, started } = execution.decision;
  if (scheduled) closeDecisionTask(engine, scheduled);
  if (started) closeDecisionTask(engine, started);
  execution.decision.needsAnother = false;
}

/** A started decision task ran past its start-to-close time-out: DecisionTaskTimedOut, and a new one. */
export function timeOutDecisionTask(engine: Engine, task: DecisionTask): void {
  if (task.state !== 'STARTED') return;
  const execution = task.execution;
  addEvent(
    execution,
    'DecisionTaskTimedOut',
    { timeoutType: 'START_TO_CLOSE', scheduledEventId: task.scheduledEventId, startedEventId: task.startedEventId },
    engine.now(),
  );
  closeDecisionTask(engine, task);
  execution.decision.needsAnother = false;
  requestDecision(engine, execution);
}
