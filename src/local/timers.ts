/** Workflow timers: StartTimer, CancelTimer and TimerFired. @internal */
import { parseDuration } from './protocol.js';
import { addEvent } from './history.js';
import { requestDecision } from './decision-tasks.js';
import type { Engine, Execution } from './state.js';

/** A request body, already checked against the SWF model by validate.ts before it gets here. */
type Input = Record<string, any>;

/** Starts a timer for a StartTimer decision, or returns why it cannot start. */
export function startTimer(engine: Engine, execution: Execution, attrs: Input, decisionTaskCompletedEventId: number): 'TIMER_ID_ALREADY_IN_USE' | undefined {
  const timerId = attrs.timerId as string;
  if (execution.timers.has(timerId)) return 'TIMER_ID_ALREADY_IN_USE';
  const ms = parseDuration(attrs.startToFireTimeout, 'startToFireTimeout') ?? 0;
  const startedEventId = addEvent(
    execution,
    'TimerStarted',
    { timerId, control: attrs.control, startToFireTimeout: attrs.startToFireTimeout, decisionTaskCompletedEventId },
    engine.now(),
  );
  const handle = engine.setTimer(ms, () => {
    if (execution.timers.get(timerId)?.handle !== handle || execution.status !== 'OPEN') return;
    execution.timers.delete(timerId);
    addEvent(execution, 'TimerFired', { timerId, startedEventId }, engine.now());
    requestDecision(engine, execution);
  });
  execution.timers.set(timerId, { timerId, startedEventId, handle });
  return undefined;
}

/** Cancels a timer for a CancelTimer decision; false when no open timer has that id. */
export function cancelTimer(engine: Engine, execution: Execution, timerId: string, decisionTaskCompletedEventId: number): boolean {
  const timer = execution.timers.get(timerId);
  if (timer === undefined) return false;
  engine.clearTimer(timer.handle);
  execution.timers.delete(timerId);
  addEvent(execution, 'TimerCanceled', { timerId, startedEventId: timer.startedEventId, decisionTaskCompletedEventId }, engine.now());
  return true;
}
