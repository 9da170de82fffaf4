import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import {
  CountPendingActivityTasksCommand,
  CountPendingDecisionTasksCommand,
  DescribeWorkflowExecutionCommand,
  PollForActivityTaskCommand,
  PollForDecisionTaskCommand,
  RecordActivityTaskHeartbeatCommand,
  RespondActivityTaskCanceledCommand,
  RespondActivityTaskCompletedCommand,
  RespondActivityTaskFailedCommand,
  RespondDecisionTaskCompletedCommand,
  SignalWorkflowExecutionCommand,
  TerminateWorkflowExecutionCommand,
  UnknownResourceFault,
} from '@aws-sdk/client-swf';
import { decide, eventTypes, history, pollActivity, pollDecision, rejection, scheduleActivity, start, startHarness, until, type Harness } from './local-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('local SWF: activity and decision cycle', () => {
  it('runs a workflow through a decision, an activity and completion, with consistent event ids', async () => {
    const run = await start(h, { input: 'hello', tagList: ['t1'] });
    const first = await pollDecision(h);
    expect(first.workflowExecution).toEqual(run);
    expect(first.workflowType).toEqual({ name: 'wf', version: '1' });
    expect(first.previousStartedEventId).toBe(0);
    expect(first.events?.map((e) => e.eventType)).toEqual(['WorkflowExecutionStarted', 'DecisionTaskScheduled', 'DecisionTaskStarted']);
    expect(first.startedEventId).toBe(3);
    expect(first.events?.[0]?.eventTimestamp).toBeInstanceOf(Date);
    expect(first.events?.[0]?.workflowExecutionStartedEventAttributes?.input).toBe('hello');
    await h.client.send(new RespondDecisionTaskCompletedCommand({ taskToken: first.taskToken, decisions: [scheduleActivity('a1')] }));

    const task = await pollActivity(h);
    expect(task.activityId).toBe('a1');
    expect(task.input).toBe('in-a1');
    expect(task.activityType).toEqual({ name: 'act', version: '1' });
    expect(task.workflowExecution).toEqual(run);
    expect(task.taskToken!.length).toBeLessThan(1024);
    await h.client.send(new RespondActivityTaskCompletedCommand({ taskToken: task.taskToken, result: 'done' }));

    const second = await pollDecision(h);
    expect(second.previousStartedEventId).toBe(3);
    await h.client.send(
      new RespondDecisionTaskCompletedCommand({
        taskToken: second.taskToken,
        decisions: [{ decisionType: 'CompleteWorkflowExecution', completeWorkflowExecutionDecisionAttributes: { result: 'ok' } }],
        executionContext: 'ctx',
      }),
    );

    const events = await history(h, run);
    expect(events.map((e) => e.eventType)).toEqual([
      'WorkflowExecutionStarted',
      'DecisionTaskScheduled',
      'DecisionTaskStarted',
      'DecisionTaskCompleted',
      'ActivityTaskScheduled',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'DecisionTaskScheduled',
      'DecisionTaskStarted',
      'DecisionTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
    expect(events.map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(events[2]?.decisionTaskStartedEventAttributes).toMatchObject({ scheduledEventId: 2, identity: 'decider' });
    expect(events[3]?.decisionTaskCompletedEventAttributes).toMatchObject({ scheduledEventId: 2, startedEventId: 3 });
    expect(events[4]?.activityTaskScheduledEventAttributes).toMatchObject({
      activityId: 'a1',
      decisionTaskCompletedEventId: 4,
      taskList: { name: 'activities' },
      scheduleToStartTimeout: '600',
      scheduleToCloseTimeout: '1200',
      startToCloseTimeout: '600',
      heartbeatTimeout: 'NONE',
    });
    expect(events[5]?.activityTaskStartedEventAttributes).toMatchObject({ scheduledEventId: 5, identity: 'worker' });
    expect(events[6]?.activityTaskCompletedEventAttributes).toEqual({ result: 'done', scheduledEventId: 5, startedEventId: 6 });
    expect(events[10]?.workflowExecutionCompletedEventAttributes).toEqual({ result: 'ok', decisionTaskCompletedEventId: 10 });

    const described = await h.client.send(new DescribeWorkflowExecutionCommand({ domain: h.domain, execution: run }));
    expect(described.executionInfo?.executionStatus).toBe('CLOSED');
    expect(described.executionInfo?.closeStatus).toBe('COMPLETED');
    expect(described.latestExecutionContext).toBe('ctx');
    expect(described.executionInfo?.tagList).toEqual(['t1']);
  });

  it('records failures and cancellations with their details and ids', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('f'), scheduleActivity('c')]);
    const f = await pollActivity(h);
    const c = await pollActivity(h);
    expect([f.activityId, c.activityId]).toEqual(['f', 'c']);
    await h.client.send(new RespondActivityTaskFailedCommand({ taskToken: f.taskToken, reason: 'boom', details: 'stack' }));
    await decide(h, [{ decisionType: 'RequestCancelActivityTask', requestCancelActivityTaskDecisionAttributes: { activityId: 'c' } }]);
    const beat = await h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: c.taskToken, details: 'half' }));
    expect(beat.cancelRequested).toBe(true);
    await h.client.send(new RespondActivityTaskCanceledCommand({ taskToken: c.taskToken, details: 'undone' }));
    const events = await history(h, run);
    const failed = events.find((e) => e.eventType === 'ActivityTaskFailed');
    expect(failed?.activityTaskFailedEventAttributes).toMatchObject({ reason: 'boom', details: 'stack', scheduledEventId: 5, startedEventId: 7 });
    const requested = events.find((e) => e.eventType === 'ActivityTaskCancelRequested');
    expect(requested?.activityTaskCancelRequestedEventAttributes?.activityId).toBe('c');
    const canceled = events.find((e) => e.eventType === 'ActivityTaskCanceled');
    expect(canceled?.activityTaskCanceledEventAttributes).toMatchObject({
      details: 'undone',
      scheduledEventId: 6,
      startedEventId: 8,
      latestCancelRequestedEventId: requested?.eventId,
    });
  });

  it('answers heartbeats with cancelRequested false until a cancel is requested', async () => {
    await start(h);
    await decide(h, [scheduleActivity('a')]);
    const task = await pollActivity(h);
    const beat = await h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken, details: 'x' }));
    expect(beat.cancelRequested).toBe(false);
  });

  it('cancels a task that was not started yet at once, so no worker receives it', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a')]);
    await h.client.send(new SignalWorkflowExecutionCommand({ domain: h.domain, ...run, signalName: 'cancel-it' }));
    await decide(h, [{ decisionType: 'RequestCancelActivityTask', requestCancelActivityTaskDecisionAttributes: { activityId: 'a' } }]);
    const types = await eventTypes(h, run);
    expect(types.slice(-3)).toEqual(['ActivityTaskCancelRequested', 'ActivityTaskCanceled', 'DecisionTaskScheduled']);
    const empty = await h.client.send(new PollForActivityTaskCommand({ domain: h.domain, taskList: { name: 'activities' } }));
    expect(empty.taskToken ?? '').toBe('');
  });
});

describe('local SWF: polls', () => {
  it('answers an empty activity poll without a token and an empty decision poll with zero ids', async () => {
    const a = await h.client.send(new PollForActivityTaskCommand({ domain: h.domain, taskList: { name: 'nothing' } }));
    expect(a.taskToken).toBeUndefined();
    expect(a.activityId).toBeUndefined();
    expect(a.startedEventId).toBe(0);
    const d = await h.client.send(new PollForDecisionTaskCommand({ domain: h.domain, taskList: { name: 'nothing' } }));
    expect(d.taskToken ?? '').toBe('');
    expect(d.startedEventId).toBe(0);
    expect(d.previousStartedEventId).toBe(0);
  });

  it('wakes a waiting poll the moment a task is scheduled', async () => {
    const slow = await startHarness({ pollTimeoutMs: 20_000 });
    try {
      const run = await start(slow);
      await decide(slow, []);
      const waiting = slow.client.send(new PollForActivityTaskCommand({ domain: slow.domain, taskList: { name: 'activities' } }));
      await until(() => slow.swf.stats().waitingPolls === 1);
      await slow.client.send(new SignalWorkflowExecutionCommand({ domain: slow.domain, ...run, signalName: 'go' }));
      await decide(slow, [scheduleActivity('b')]);
      const woken = await waiting;
      expect(woken.activityId).toBe('b');
    } finally {
      await slow.close();
    }
  });

  it('hands each task to exactly one of many concurrent pollers', async () => {
    const many = await startHarness({ pollTimeoutMs: 1_000 });
    try {
      await start(many);
      const polls = Array.from({ length: 30 }, () =>
        many.client.send(new PollForActivityTaskCommand({ domain: many.domain, taskList: { name: 'activities' } })),
      );
      await until(() => many.swf.stats().waitingPolls === 30);
      await decide(many, Array.from({ length: 20 }, (_, i) => scheduleActivity(`a${i}`)));
      const answers = await Promise.all(polls);
      const got = answers.map((a) => a.activityId).filter((id): id is string => id !== undefined);
      expect(got).toHaveLength(20);
      expect(new Set(got).size).toBe(20);
      expect(new Set(answers.map((a) => a.taskToken).filter(Boolean)).size).toBe(20);
      expect(answers.filter((a) => !a.taskToken)).toHaveLength(10);
    } finally {
      await many.close();
    }
  });

  it('hands tasks out first in, first out', async () => {
    await start(h);
    await decide(h, ['x', 'y', 'z'].map((id) => scheduleActivity(id)));
    const count = await h.client.send(new CountPendingActivityTasksCommand({ domain: h.domain, taskList: { name: 'activities' } }));
    expect(count).toMatchObject({ count: 3, truncated: false });
    const order = [(await pollActivity(h)).activityId, (await pollActivity(h)).activityId, (await pollActivity(h)).activityId];
    expect(order).toEqual(['x', 'y', 'z']);
    const after = await h.client.send(new CountPendingActivityTasksCommand({ domain: h.domain, taskList: { name: 'activities' } }));
    expect(after.count).toBe(0);
  });

  it('counts pending decision tasks', async () => {
    await start(h);
    await start(h);
    const count = await h.client.send(new CountPendingDecisionTasksCommand({ domain: h.domain, taskList: { name: 'decisions' } }));
    expect(count.count).toBe(2);
  });

  it('does not hand a task to a poll whose client went away', async () => {
    const slow = await startHarness({ pollTimeoutMs: 20_000 });
    try {
      const run = await start(slow);
      await decide(slow, []);
      const { hostname, port } = new URL(slow.swf.endpoint);
      const body = JSON.stringify({ domain: slow.domain, taskList: { name: 'activities' } });
      const req = request({
        hostname,
        port,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'SimpleWorkflowService.PollForActivityTask', 'content-length': Buffer.byteLength(body) },
      });
      req.on('error', () => undefined);
      req.end(body);
      await until(() => slow.swf.stats().waitingPolls === 1);
      req.destroy();
      await until(() => slow.swf.stats().waitingPolls === 0);
      await slow.client.send(new SignalWorkflowExecutionCommand({ domain: slow.domain, ...run, signalName: 'go' }));
      await decide(slow, [scheduleActivity('kept')]);
      const task = await pollActivity(slow);
      expect(task.activityId).toBe('kept');
    } finally {
      await slow.close();
    }
  });

  it('ends waiting polls and exits promptly on close', async () => {
    const slow = await startHarness({ pollTimeoutMs: 60_000 });
    await start(slow);
    await decide(slow, [
      scheduleActivity('elsewhere', { taskList: { name: 'elsewhere' } }),
      { decisionType: 'StartTimer', startTimerDecisionAttributes: { timerId: 't', startToFireTimeout: '600' } },
    ]);
    expect(slow.swf.stats().timers).toBeGreaterThanOrEqual(4); // execution, schedule-to-start, schedule-to-close, timer
    const waiting = slow.client.send(new PollForActivityTaskCommand({ domain: slow.domain, taskList: { name: 'activities' } }));
    await until(() => slow.swf.stats().waitingPolls === 1);
    await slow.close();
    const settled = await waiting.then(
      (v) => v.taskToken ?? '',
      () => 'rejected',
    );
    expect(['', 'rejected']).toContain(settled);
    expect(slow.swf.stats().timers).toBe(0);
    expect(slow.swf.stats().waitingPolls).toBe(0);
  });
});

describe('local SWF: stale tokens', () => {
  it('answers UnknownResourceFault for a token whose task already closed, for every call', async () => {
    await start(h);
    await decide(h, [scheduleActivity('a')]);
    const task = await pollActivity(h);
    await h.client.send(new RespondActivityTaskCompletedCommand({ taskToken: task.taskToken }));
    for (const call of [
      () => h.client.send(new RespondActivityTaskCompletedCommand({ taskToken: task.taskToken })),
      () => h.client.send(new RespondActivityTaskFailedCommand({ taskToken: task.taskToken })),
      () => h.client.send(new RespondActivityTaskCanceledCommand({ taskToken: task.taskToken })),
      () => h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken })),
    ]) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(UnknownResourceFault);
      expect(error.name).toBe('UnknownResourceFault');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
  });

  it('answers UnknownResourceFault for a made-up token and for a used decision token', async () => {
    expect((await rejection(h.client.send(new RespondActivityTaskCompletedCommand({ taskToken: 'made-up' })))).name).toBe('UnknownResourceFault');
    await start(h);
    const d = await pollDecision(h);
    await h.client.send(new RespondDecisionTaskCompletedCommand({ taskToken: d.taskToken, decisions: [] }));
    const again = await rejection(h.client.send(new RespondDecisionTaskCompletedCommand({ taskToken: d.taskToken, decisions: [] })));
    expect(again).toBeInstanceOf(UnknownResourceFault);
  });

  it('closes the open tasks of an execution that closes: their tokens go stale', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a'), scheduleActivity('b')]);
    const task = await pollActivity(h);
    await h.client.send(new TerminateWorkflowExecutionCommand({ domain: h.domain, workflowId: run.workflowId, reason: 'stop' }));
    expect((await rejection(h.client.send(new RecordActivityTaskHeartbeatCommand({ taskToken: task.taskToken })))).name).toBe('UnknownResourceFault');
    const pending = await h.client.send(new CountPendingActivityTasksCommand({ domain: h.domain, taskList: { name: 'activities' } }));
    expect(pending.count).toBe(0);
    expect(h.swf.stats().startedActivityTasks).toBe(0);
  });
});
