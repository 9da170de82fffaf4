/** Decision tasks: at most one scheduled and one started per execution; polls, time-out, completion. @internal */
import { SwfFault, parseDuration, unknownResource } from './protocol.js';
import { addEvent, compact, decodePageToken, historyPage } from './history.js';
import { applyDecisions, checkDecisionAttributes } from './decisions.js';
import { executionRef, type DecisionTask, type Engine, type Execution } from './state.js';

/** A request body, already checked against the SWF model by validate.ts before it gets here. */
type Input = Record<string, any>;

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

function closeDecisionTask(engine: Engine, task: DecisionTask): void {
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

function startDecisionTask(engine: Engine, task: DecisionTask, input: Input): Record<string, unknown> {
  const execution = task.execution;
  delete execution.decision.scheduled;
  execution.decision.started = task;
  task.state = 'STARTED';
  task.startedEventId = addEvent(execution, 'DecisionTaskStarted', { identity: input.identity, scheduledEventId: task.scheduledEventId }, engine.now());
  task.token = engine.newToken();
  engine.decisionTokens.set(task.token, task);
  if (task.startToCloseMs !== undefined) {
    task.timer = engine.setTimer(task.startToCloseMs, () => {
      if (task.state !== 'STARTED') return;
      addEvent(
        execution,
        'DecisionTaskTimedOut',
        { timeoutType: 'START_TO_CLOSE', scheduledEventId: task.scheduledEventId, startedEventId: task.startedEventId },
        engine.now(),
      );
      closeDecisionTask(engine, task);
      execution.decision.needsAnother = false;
      requestDecision(engine, execution);
    });
  }
  return decisionTaskAnswer(task, input);
}

function decisionTaskAnswer(task: DecisionTask, input: Input): Record<string, unknown> {
  const execution = task.execution;
  const p = historyPage(execution, input, 'decision-task', { t: task.token });
  return compact({
    taskToken: task.token,
    startedEventId: task.startedEventId,
    workflowExecution: executionRef(execution),
    workflowType: { ...execution.workflowType },
    events: p.events,
    nextPageToken: p.nextPageToken,
    previousStartedEventId: execution.decision.previousStartedEventId,
  });
}

/** What SWF answers to a decision poll that got no task. */
const EMPTY_DECISION_POLL = { startedEventId: 0, previousStartedEventId: 0 };

export async function pollForDecisionTask(engine: Engine, input: Input, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const domain = engine.domain(input.domain);
  const token = decodePageToken<{ t?: string }>(input.nextPageToken, 'decision-task');
  if (token !== undefined) {
    // A further page of the history of a decision task this poller already holds.
    const task = token.t === undefined ? undefined : engine.decisionTokens.get(token.t);
    if (task === undefined || task.execution.domain !== domain) throw new SwfFault('ValidationException', 'nextPageToken is of a decision task that is closed');
    return decisionTaskAnswer(task, input);
  }
  const queue = engine.decisionQueue(domain, input.taskList.name);
  for (;;) {
    const task = await engine.waitForTask(queue, signal);
    if (task === undefined) return { ...EMPTY_DECISION_POLL };
    if (task.state !== 'SCHEDULED' || task.execution.status !== 'OPEN') continue;
    // The caller left between hand-over and now: the task goes back to the list rather than be lost.
    if (signal?.aborted) {
      queue.offer(task);
      return { ...EMPTY_DECISION_POLL };
    }
    return startDecisionTask(engine, task, input);
  }
}

export function respondDecisionTaskCompleted(engine: Engine, input: Input): Record<string, never> {
  const task = engine.decisionTokens.get(input.taskToken);
  if (task === undefined || task.state !== 'STARTED') throw unknownResource('Unknown decision task: the task is closed, timed out or was never started');
  const execution = task.execution;
  checkDecisionAttributes(input.decisions ?? []);
  const completedEventId = addEvent(
    execution,
    'DecisionTaskCompleted',
    { executionContext: input.executionContext, scheduledEventId: task.scheduledEventId, startedEventId: task.startedEventId },
    engine.now(),
  );
  if (input.executionContext !== undefined) execution.latestExecutionContext = input.executionContext;
  execution.decision.previousStartedEventId = task.startedEventId;
  closeDecisionTask(engine, task);
  // Events that came while the task was started are still unhandled: close decisions must fail.
  const unhandled = execution.decision.needsAnother;
  execution.decision.needsAnother = false;
  execution.decision.applying = true;
  let needsDecision: boolean;
  try {
    needsDecision = applyDecisions(engine, execution, input.decisions ?? [], completedEventId, unhandled);
  } finally {
    execution.decision.applying = false;
  }
  if (needsDecision || unhandled || execution.decision.needsAnother) {
    execution.decision.needsAnother = false;
    requestDecision(engine, execution);
  }
  return {};
}

export function countPendingDecisionTasks(engine: Engine, input: Input): Record<string, unknown> {
  const domain = engine.domain(input.domain);
  return { count: domain.decisionQueues.get(input.taskList.name)?.pending ?? 0, truncated: false };
}
