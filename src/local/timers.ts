/** Workflow timers: StartTimer, CancelTimer and TimerFired. @internal */
import { parseDuration } from './protocol.js';
import { addEvent } from './history.js';
import type { StartTimerDecisionAttributes } from '@aws-sdk/client-swf';
import { requestDecision } from './decision-schedule.js';
import type { Checked } from './input.js';
import type { Engine, Execution } from './state.js';

/** Starts a timer for a StartTimer decision, or returns why it cannot start. */
export function startTimer(engine: Engine, execution: Execution, attrs: Checked<StartTimerDecisionAttributes>, decisionTaskCompletedEventId: number): 'TIMER_ID_ALREADY_IN_USE' | undefined {
  const timerId = attrs.timerId;
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
