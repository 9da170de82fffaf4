/** Decision tasks: at most one scheduled and one started per execution; polls, time-out, completion. @internal */
import type {
  CountPendingDecisionTasksInput,
  PollForDecisionTaskInput,
  RespondDecisionTaskCompletedInput,
} from '@aws-sdk/client-swf';
import { SwfFault, unknownResource } from './protocol.js';
import { addEvent, compact, decodePageToken, historyPage } from './history.js';
import { applyDecisions, checkDecisionAttributes } from './decisions.js';
import { closeDecisionTask, requestDecision, timeOutDecisionTask } from './decision-schedule.js';
import type { Checked } from './input.js';
import { executionRef, type DecisionTask, type Engine } from './state.js';

type PollInput = Checked<PollForDecisionTaskInput>;

function startDecisionTask(engine: Engine, task: DecisionTask, input: PollInput): Record<string, unknown> {
  const execution = task.execution;
  delete execution.decision.scheduled;
  execution.decision.started = task;
  task.state = 'STARTED';
  task.startedEventId = addEvent(execution, 'DecisionTaskStarted', { identity: input.identity, scheduledEventId: task.scheduledEventId }, engine.now());
  task.token = engine.newToken();
  engine.decisionTokens.set(task.token, task);
  if (task.startToCloseMs !== undefined) task.timer = engine.setTimer(task.startToCloseMs, () => timeOutDecisionTask(engine, task));
  return decisionTaskAnswer(engine, task, input);
}

function decisionTaskAnswer(engine: Engine, task: DecisionTask, input: PollInput): Record<string, unknown> {
  const execution = task.execution;
  const p = historyPage(engine, execution, input, 'decision-task', { t: task.token });
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

export async function pollForDecisionTask(engine: Engine, input: PollInput, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const domain = engine.domain(input.domain);
  const token = decodePageToken<{ t?: unknown }>(engine, input.nextPageToken, 'decision-task');
  if (token !== undefined) {
    // A further page of the history of a decision task this poller already holds.
    const task = typeof token.t === 'string' ? engine.decisionTokens.get(token.t) : undefined;
    if (task === undefined || task.execution.domain !== domain) throw new SwfFault('ValidationException', 'nextPageToken is of a decision task that is closed');
    return decisionTaskAnswer(engine, task, input);
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

export function respondDecisionTaskCompleted(engine: Engine, input: Checked<RespondDecisionTaskCompletedInput>): Record<string, never> {
  const task = engine.decisionTokens.get(input.taskToken);
  if (task === undefined || task.state !== 'STARTED') throw unknownResource('Unknown decision task: the task is closed, timed out or was never started');
  const execution = task.execution;
  const decisions = input.decisions ?? [];
  checkDecisionAttributes(decisions);
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
  let needsDecision = true;
  try {
    needsDecision = applyDecisions(engine, execution, decisions, completedEventId, unhandled);
  } finally {
    // Even if applying failed half-way, the execution gets a decision task: it is never left stuck.
    execution.decision.applying = false;
    if (needsDecision || unhandled || execution.decision.needsAnother) {
      execution.decision.needsAnother = false;
      requestDecision(engine, execution);
    }
  }
  return {};
}

export function countPendingDecisionTasks(engine: Engine, input: Checked<CountPendingDecisionTasksInput>): Record<string, unknown> {
  const domain = engine.domain(input.domain);
  return { count: domain.decisionQueues.get(input.taskList.name)?.pending ?? 0, truncated: false };
}
