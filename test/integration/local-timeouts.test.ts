import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DescribeWorkflowExecutionCommand,
  PollForActivityTaskCommand,
  RecordActivityTaskHeartbeatCommand,
  RespondActivityTaskCompletedCommand,
  RespondDecisionTaskCompletedCommand,
} from '@aws-sdk/client-swf';
import { createManualClock, type ManualClock } from '../../src/local/index.js';
import { decide, history, pollActivity, pollDecision, rejection, scheduleActivity, start, startHarness, until, type Harness } from './local-harness.js';

let h: Harness;
let clock: ManualClock;
beforeEach(async () => {
  clock = createManualClock(Date.UTC(2026, 0, 1));
  h = await startHarness({ clock });
});
afterEach(async () => {
  await h.close();
});

const last = async (run: { workflowId: string; runId: string }, eventType: string) => {
  const events = await history(h, run);
  return events.filter((e) => e.eventType === eventType).at(-1);
};

describe('local SWF: activity time-outs (manual clock)', () => {
  it('times out a task nobody polls: SCHEDULE_TO_START, and withdraws it from the task list', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a', { scheduleToStartTimeout: '5' })]);
    clock.advance(4_999);
    expect(await last(run, 'ActivityTaskTimedOut')).toBeUndefined();
    clock.advance(1);
    const timedOut = await last(run, 'ActivityTaskTimedOut');
    expect(timedOut?.activityTaskTimedOutEventAttributes).toMatchObject({ timeoutType: 'SCHEDULE_TO_START', scheduledEventId: 5, startedEventId: 0 });
    expect((await history(h, run)).at(-1)?.eventType).toBe('DecisionTaskScheduled');
    const empty = await h.client.send(new PollForActivityTaskCommand({ domain: h.domain, taskList: { name: 'activities' } }));
    expect(empty.taskToken ?? '').toBe('');
    expect(timedOut?.eventTimestamp?.getTime()).toBe(Date.UTC(2026, 0, 1) + 5_000);
  });

  it('times out a started task: START_TO_CLOSE, and its token goes stale', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a', { startToCloseTimeout: '10' })]);
    const task = await pollActivity(h);
    clock.advance(10_000);
    const timedOut = await last(run, 'ActivityTaskTimedOut');
    expect(timedOut?.activityTaskTimedOutEventAttributes).toMatchObject({ timeoutType: 'START_TO_CLOSE', scheduledEventId: 5, startedEventId: 6 });
    const error = await rejection(h.client.send(new RespondActivityTaskCompletedCommand({ taskToken: task.taskToken })));
    expect(error.name).toBe('UnknownResourceFault');
  });

  it('times out on the whole span: SCHEDULE_TO_CLOSE, with the last heartbeat details', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a', { scheduleToCloseTimeout: '20', startToCloseTimeout: '600', scheduleToStartTimeout: '600' })]);
    clock.advance(8_000);
    const task = await pollActivity(h);
    await h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken, details: 'progress 50%' }));
    clock.advance(12_000);
    const timedOut = await last(run, 'ActivityTaskTimedOut');
    expect(timedOut?.activityTaskTimedOutEventAttributes).toMatchObject({ timeoutType: 'SCHEDULE_TO_CLOSE', startedEventId: 6, details: 'progress 50%' });
  });

  it('times out on missed heartbeats: HEARTBEAT; every heartbeat resets the clock', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a', { heartbeatTimeout: '3' })]);
    clock.advance(100_000); // the heartbeat clock starts when the task starts, not when it is scheduled
    expect(await last(run, 'ActivityTaskTimedOut')).toBeUndefined();
    const task = await pollActivity(h);
    clock.advance(2_000);
    await h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken, details: 'd1' }));
    clock.advance(2_000);
    await h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken }));
    clock.advance(2_999);
    expect(await last(run, 'ActivityTaskTimedOut')).toBeUndefined();
    clock.advance(1);
    const timedOut = await last(run, 'ActivityTaskTimedOut');
    expect(timedOut?.activityTaskTimedOutEventAttributes).toMatchObject({ timeoutType: 'HEARTBEAT', startedEventId: 6, details: 'd1' });
    const error = await rejection(h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken })));
    expect(error.name).toBe('UnknownResourceFault');
  });

  it('stops every time-out of a task that completed in time', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a', { heartbeatTimeout: '3', startToCloseTimeout: '5' })]);
    const task = await pollActivity(h);
    await h.client.send(new RespondActivityTaskCompletedCommand({ taskToken: task.taskToken }));
    clock.advance(3_600_000);
    expect(await last(run, 'ActivityTaskTimedOut')).toBeUndefined();
  });
});

describe('local SWF: decision, execution and timer time-outs (manual clock)', () => {
  it('times out a decision task: DecisionTaskTimedOut, a new decision task, stale token', async () => {
    const run = await start(h, { taskStartToCloseTimeout: '7' });
    const task = await pollDecision(h);
    clock.advance(7_000);
    const events = await history(h, run);
    expect(events.slice(-2).map((e) => e.eventType)).toEqual(['DecisionTaskTimedOut', 'DecisionTaskScheduled']);
    expect(events.at(-2)?.decisionTaskTimedOutEventAttributes).toEqual({ timeoutType: 'START_TO_CLOSE', scheduledEventId: 2, startedEventId: 3 });
    const error = await rejection(h.client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions: [] })));
    expect(error.name).toBe('UnknownResourceFault');
    const next = await pollDecision(h);
    expect(next.startedEventId).toBe(6);
  });

  it('times out an execution: WorkflowExecutionTimedOut, closed TIMED_OUT, its tasks closed', async () => {
    const run = await start(h, { executionStartToCloseTimeout: '30' });
    await decide(h, [scheduleActivity('a')]);
    const task = await pollActivity(h);
    clock.advance(30_000);
    const events = await history(h, run);
    expect(events.at(-1)?.eventType).toBe('WorkflowExecutionTimedOut');
    expect(events.at(-1)?.workflowExecutionTimedOutEventAttributes).toEqual({ timeoutType: 'START_TO_CLOSE', childPolicy: 'TERMINATE' });
    const described = await h.client.send(new DescribeWorkflowExecutionCommand({ domain: h.domain, execution: run }));
    expect(described.executionInfo?.closeStatus).toBe('TIMED_OUT');
    expect(described.openCounts?.openActivityTasks).toBe(0);
    expect((await rejection(h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken })))).name).toBe('UnknownResourceFault');
    expect(h.swf.stats().timers).toBe(0);
  });

  it('fires a timer: TimerFired with its startedEventId, then a decision task', async () => {
    const run = await start(h);
    await decide(h, [{ decisionType: 'StartTimer', startTimerDecisionAttributes: { timerId: 't', startToFireTimeout: '60', control: 'c' } }]);
    clock.advance(59_999);
    expect(await last(run, 'TimerFired')).toBeUndefined();
    clock.advance(1);
    const events = await history(h, run);
    const started = events.find((e) => e.eventType === 'TimerStarted');
    expect(started?.timerStartedEventAttributes).toEqual({ timerId: 't', control: 'c', startToFireTimeout: '60', decisionTaskCompletedEventId: 4 });
    expect(events.slice(-2).map((e) => e.eventType)).toEqual(['TimerFired', 'DecisionTaskScheduled']);
    expect(events.at(-2)?.timerFiredEventAttributes).toEqual({ timerId: 't', startedEventId: started?.eventId });
  });
});

describe('local SWF: time-outs on real timers', () => {
  it('runs heartbeat and schedule-to-start time-outs of one second on the system clock', async () => {
    const real = await startHarness();
    try {
      const run = await start(real);
      await decide(real, [scheduleActivity('hb', { heartbeatTimeout: '1' }), scheduleActivity('s2s', { scheduleToStartTimeout: '1', taskList: { name: 'nobody' } })]);
      await pollActivity(real);
      await until(async () => (await history(real, run)).filter((e) => e.eventType === 'ActivityTaskTimedOut').length === 2, 5_000);
      const timeouts = (await history(real, run))
        .filter((e) => e.eventType === 'ActivityTaskTimedOut')
        .map((e) => e.activityTaskTimedOutEventAttributes?.timeoutType)
        .sort();
      expect(timeouts).toEqual(['HEARTBEAT', 'SCHEDULE_TO_START']);
    } finally {
      await real.close();
    }
  });

  it('keeps a run with a one-year time-out open (durations past setTimeout range do not fire at once)', async () => {
    const real = await startHarness();
    try {
      const run = await start(real, { executionStartToCloseTimeout: '31536000' });
      await new Promise((r) => setTimeout(r, 50));
      const d = await real.client.send(new DescribeWorkflowExecutionCommand({ domain: real.domain, execution: run }));
      expect(d.executionInfo?.executionStatus).toBe('OPEN');
    } finally {
      await real.close();
    }
  });
});
