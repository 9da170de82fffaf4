import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DeprecateActivityTypeCommand,
  DescribeWorkflowExecutionCommand,
  RespondDecisionTaskCompletedCommand,
  SignalWorkflowExecutionCommand,
  TerminateWorkflowExecutionCommand,
  type Decision,
  type HistoryEvent,
} from '@aws-sdk/client-swf';
import { decide, eventTypes, history, pollDecision, registerActivity, scheduleActivity, start, startHarness, type Harness } from './local-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ maxOpenActivitiesPerExecution: 3 });
});
afterEach(async () => {
  await h.close();
});

/** Runs one decision task with `decisions` and returns the events it wrote (after DecisionTaskCompleted). */
async function decideAndRead(run: { workflowId: string; runId: string }, decisions: Decision[], taskList = 'decisions'): Promise<HistoryEvent[]> {
  const before = (await history(h, run)).length;
  await decide(h, decisions, taskList);
  return (await history(h, run)).slice(before + 2); // after DecisionTaskStarted and DecisionTaskCompleted
}

const kick = (run: { workflowId: string; runId: string }) =>
  h.client.send(new SignalWorkflowExecutionCommand({ domain: h.domain, ...run, signalName: 'kick' }));

describe('local SWF: ScheduleActivityTask failures', () => {
  it('fails with ACTIVITY_TYPE_DOES_NOT_EXIST, ACTIVITY_TYPE_DEPRECATED, ACTIVITY_ID_ALREADY_IN_USE, OPEN_ACTIVITIES_LIMIT_EXCEEDED', async () => {
    await registerActivity(h.client, h.domain, 'old', {});
    await h.client.send(new DeprecateActivityTypeCommand({ domain: h.domain, activityType: { name: 'old', version: '1' } }));
    const run = await start(h);
    const events = await decideAndRead(run, [
      scheduleActivity('missing', { activityType: { name: 'nope', version: '1' } }),
      scheduleActivity('deprecated', { activityType: { name: 'old', version: '1' } }),
      scheduleActivity('a'),
      scheduleActivity('a'),
      scheduleActivity('b'),
      scheduleActivity('c'),
      scheduleActivity('d'),
    ]);
    const failures = events.filter((e) => e.eventType === 'ScheduleActivityTaskFailed').map((e) => e.scheduleActivityTaskFailedEventAttributes);
    expect(failures.map((f) => [f?.activityId, f?.cause])).toEqual([
      ['missing', 'ACTIVITY_TYPE_DOES_NOT_EXIST'],
      ['deprecated', 'ACTIVITY_TYPE_DEPRECATED'],
      ['a', 'ACTIVITY_ID_ALREADY_IN_USE'],
      ['d', 'OPEN_ACTIVITIES_LIMIT_EXCEEDED'],
    ]);
    expect(failures[0]).toMatchObject({ activityType: { name: 'nope', version: '1' }, decisionTaskCompletedEventId: 4 });
    // A failed decision is news for the decider: a new decision task follows the batch.
    expect(events.at(-1)?.eventType).toBe('DecisionTaskScheduled');
    expect(events.filter((e) => e.eventType === 'DecisionTaskScheduled')).toHaveLength(1);
  });

  it('fails with each DEFAULT_*_UNDEFINED in turn, then takes the type defaults it has', async () => {
    await h.client.send(
      new (await import('@aws-sdk/client-swf')).RegisterActivityTypeCommand({ domain: h.domain, name: 'bare', version: '1' }),
    );
    const run = await start(h);
    const bare = { activityType: { name: 'bare', version: '1' } };
    const events = await decideAndRead(run, [
      scheduleActivity('x1', bare),
      scheduleActivity('x2', { ...bare, taskList: { name: 'tl' } }),
      scheduleActivity('x3', { ...bare, taskList: { name: 'tl' }, scheduleToCloseTimeout: '60' }),
      scheduleActivity('x4', { ...bare, taskList: { name: 'tl' }, scheduleToCloseTimeout: '60', scheduleToStartTimeout: '30' }),
      scheduleActivity('ok', { ...bare, taskList: { name: 'tl' }, scheduleToCloseTimeout: '60', scheduleToStartTimeout: '30', startToCloseTimeout: '30' }),
      scheduleActivity('defaults'),
    ]);
    const causes = events.filter((e) => e.eventType === 'ScheduleActivityTaskFailed').map((e) => e.scheduleActivityTaskFailedEventAttributes?.cause);
    expect(causes).toEqual([
      'DEFAULT_TASK_LIST_UNDEFINED',
      'DEFAULT_SCHEDULE_TO_CLOSE_TIMEOUT_UNDEFINED',
      'DEFAULT_SCHEDULE_TO_START_TIMEOUT_UNDEFINED',
      'DEFAULT_START_TO_CLOSE_TIMEOUT_UNDEFINED',
    ]);
    const scheduled = events.filter((e) => e.eventType === 'ActivityTaskScheduled').map((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled[0]).toMatchObject({ activityId: 'ok', taskList: { name: 'tl' }, heartbeatTimeout: 'NONE' });
    expect(scheduled[1]).toMatchObject({
      activityId: 'defaults',
      taskList: { name: 'activities' },
      scheduleToStartTimeout: '600',
      scheduleToCloseTimeout: '1200',
      startToCloseTimeout: '600',
    });
  });
});

describe('local SWF: timers, markers and activity cancellation', () => {
  it('writes TIMER_ID_ALREADY_IN_USE, TIMER_ID_UNKNOWN, ACTIVITY_ID_UNKNOWN, TimerCanceled and MarkerRecorded', async () => {
    const run = await start(h);
    const events = await decideAndRead(run, [
      { decisionType: 'StartTimer', startTimerDecisionAttributes: { timerId: 't1', startToFireTimeout: '100' } },
      { decisionType: 'StartTimer', startTimerDecisionAttributes: { timerId: 't1', startToFireTimeout: '100' } },
      { decisionType: 'CancelTimer', cancelTimerDecisionAttributes: { timerId: 'nope' } },
      { decisionType: 'CancelTimer', cancelTimerDecisionAttributes: { timerId: 't1' } },
      { decisionType: 'RequestCancelActivityTask', requestCancelActivityTaskDecisionAttributes: { activityId: 'ghost' } },
      { decisionType: 'RecordMarker', recordMarkerDecisionAttributes: { markerName: 'm', details: 'v' } },
    ]);
    expect(events.map((e) => e.eventType)).toEqual([
      'TimerStarted',
      'StartTimerFailed',
      'CancelTimerFailed',
      'TimerCanceled',
      'RequestCancelActivityTaskFailed',
      'MarkerRecorded',
      'DecisionTaskScheduled',
    ]);
    expect(events[1]?.startTimerFailedEventAttributes).toEqual({ timerId: 't1', cause: 'TIMER_ID_ALREADY_IN_USE', decisionTaskCompletedEventId: 4 });
    expect(events[2]?.cancelTimerFailedEventAttributes).toEqual({ timerId: 'nope', cause: 'TIMER_ID_UNKNOWN', decisionTaskCompletedEventId: 4 });
    expect(events[3]?.timerCanceledEventAttributes).toEqual({ timerId: 't1', startedEventId: 5, decisionTaskCompletedEventId: 4 });
    expect(events[4]?.requestCancelActivityTaskFailedEventAttributes).toEqual({ activityId: 'ghost', cause: 'ACTIVITY_ID_UNKNOWN', decisionTaskCompletedEventId: 4 });
    expect(events[5]?.markerRecordedEventAttributes).toEqual({ markerName: 'm', details: 'v', decisionTaskCompletedEventId: 4 });
  });

  it('writes no new decision task for decisions that all succeed', async () => {
    const run = await start(h);
    const events = await decideAndRead(run, [scheduleActivity('a'), { decisionType: 'RecordMarker', recordMarkerDecisionAttributes: { markerName: 'm' } }]);
    expect(events.map((e) => e.eventType)).toEqual(['ActivityTaskScheduled', 'MarkerRecorded']);
  });
});

describe('local SWF: closing decisions', () => {
  it.each([
    ['CompleteWorkflowExecution', 'COMPLETED', 'WorkflowExecutionCompleted', 'CompleteWorkflowExecutionFailed'],
    ['FailWorkflowExecution', 'FAILED', 'WorkflowExecutionFailed', 'FailWorkflowExecutionFailed'],
    ['CancelWorkflowExecution', 'CANCELED', 'WorkflowExecutionCanceled', 'CancelWorkflowExecutionFailed'],
    ['ContinueAsNewWorkflowExecution', 'CONTINUED_AS_NEW', 'WorkflowExecutionContinuedAsNew', 'ContinueAsNewWorkflowExecutionFailed'],
  ])('%s fails with UNHANDLED_DECISION when an event came in, then closes the run %s', async (decisionType, closeStatus, closedEvent, failedEvent) => {
    const run = await start(h);
    const task = await pollDecision(h);
    await kick(run);
    await h.client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions: [{ decisionType: decisionType as 'CompleteWorkflowExecution' }] }));
    const types = await eventTypes(h, run);
    expect(types.slice(-4)).toEqual(['WorkflowExecutionSignaled', 'DecisionTaskCompleted', failedEvent, 'DecisionTaskScheduled']);
    const failed = (await history(h, run)).at(-2) as Record<string, any>;
    const key = `${failedEvent.charAt(0).toLowerCase()}${failedEvent.slice(1)}EventAttributes`;
    expect(failed[key]).toEqual({ cause: 'UNHANDLED_DECISION', decisionTaskCompletedEventId: types.length - 2 });
    await decide(h, [{ decisionType: decisionType as 'CompleteWorkflowExecution' }]);
    expect((await eventTypes(h, run)).at(-1)).toBe(closedEvent);
    const described = await h.client.send(new DescribeWorkflowExecutionCommand({ domain: h.domain, execution: run }));
    expect(described.executionInfo?.closeStatus).toBe(closeStatus);
  });

  it('ignores decisions after a closing one and closes open activities', async () => {
    const run = await start(h);
    await decide(h, [scheduleActivity('a'), { decisionType: 'FailWorkflowExecution', failWorkflowExecutionDecisionAttributes: { reason: 'r', details: 'd' } }, scheduleActivity('b')]);
    const events = await history(h, run);
    expect(events.at(-1)?.workflowExecutionFailedEventAttributes).toEqual({ reason: 'r', details: 'd', decisionTaskCompletedEventId: 4 });
    expect(events.filter((e) => e.eventType === 'ActivityTaskScheduled')).toHaveLength(1);
    expect(h.swf.stats().openExecutions).toBe(0);
  });

  it('continues as new: a new run with the same workflow id, linked both ways', async () => {
    const run = await start(h, { input: 'one' });
    await decide(h, [{ decisionType: 'ContinueAsNewWorkflowExecution', continueAsNewWorkflowExecutionDecisionAttributes: { input: 'two', tagList: ['again'] } }]);
    const old = await history(h, run);
    const cont = old.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(cont).toMatchObject({ input: 'two', decisionTaskCompletedEventId: 4, workflowType: { name: 'wf', version: '1' }, taskList: { name: 'decisions' }, childPolicy: 'TERMINATE' });
    const next = { workflowId: run.workflowId, runId: cont?.newExecutionRunId as string };
    const started = (await history(h, next))[0]?.workflowExecutionStartedEventAttributes;
    expect(started).toMatchObject({ input: 'two', continuedExecutionRunId: run.runId, tagList: ['again'] });
    const task = await pollDecision(h);
    expect(task.workflowExecution).toEqual(next);
  });

  it('fails to continue as new to a workflow type that does not exist', async () => {
    const run = await start(h);
    const events = await decideAndRead(run, [
      { decisionType: 'ContinueAsNewWorkflowExecution', continueAsNewWorkflowExecutionDecisionAttributes: { workflowTypeVersion: '99' } },
    ]);
    expect(events[0]?.continueAsNewWorkflowExecutionFailedEventAttributes?.cause).toBe('WORKFLOW_TYPE_DOES_NOT_EXIST');
  });
});

describe('local SWF: other executions', () => {
  it('signals another run, and fails with UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION for one that is not open', async () => {
    const target = await start(h, { taskList: { name: 'target' } });
    const source = await start(h, { taskList: { name: 'source' } });
    const events = await decideAndRead(
      source,
      [
        { decisionType: 'SignalExternalWorkflowExecution', signalExternalWorkflowExecutionDecisionAttributes: { workflowId: target.workflowId, signalName: 's', input: 'i', control: 'c' } },
        { decisionType: 'SignalExternalWorkflowExecution', signalExternalWorkflowExecutionDecisionAttributes: { workflowId: 'nobody', signalName: 's' } },
      ],
      'source',
    );
    expect(events.map((e) => e.eventType)).toEqual([
      'SignalExternalWorkflowExecutionInitiated',
      'ExternalWorkflowExecutionSignaled',
      'SignalExternalWorkflowExecutionInitiated',
      'SignalExternalWorkflowExecutionFailed',
      'DecisionTaskScheduled',
    ]);
    expect(events[1]?.externalWorkflowExecutionSignaledEventAttributes).toEqual({ initiatedEventId: events[0]?.eventId, workflowExecution: target });
    expect(events[3]?.signalExternalWorkflowExecutionFailedEventAttributes).toMatchObject({ cause: 'UNKNOWN_EXTERNAL_WORKFLOW_EXECUTION', workflowId: 'nobody', initiatedEventId: events[2]?.eventId });
    const signaled = (await history(h, target)).find((e) => e.eventType === 'WorkflowExecutionSignaled');
    expect(signaled?.workflowExecutionSignaledEventAttributes).toEqual({ signalName: 's', input: 'i', externalInitiatedEventId: events[0]?.eventId, externalWorkflowExecution: source });
  });

  it('requests cancellation of another run, and fails for an unknown one', async () => {
    const target = await start(h, { taskList: { name: 'target' } });
    const source = await start(h, { taskList: { name: 'source' } });
    const events = await decideAndRead(
      source,
      [
        { decisionType: 'RequestCancelExternalWorkflowExecution', requestCancelExternalWorkflowExecutionDecisionAttributes: { workflowId: target.workflowId, runId: target.runId } },
        { decisionType: 'RequestCancelExternalWorkflowExecution', requestCancelExternalWorkflowExecutionDecisionAttributes: { workflowId: target.workflowId, runId: 'other' } },
      ],
      'source',
    );
    expect(events.map((e) => e.eventType).slice(0, 4)).toEqual([
      'RequestCancelExternalWorkflowExecutionInitiated',
      'ExternalWorkflowExecutionCancelRequested',
      'RequestCancelExternalWorkflowExecutionInitiated',
      'RequestCancelExternalWorkflowExecutionFailed',
    ]);
    const requested = (await history(h, target)).find((e) => e.eventType === 'WorkflowExecutionCancelRequested');
    expect(requested?.workflowExecutionCancelRequestedEventAttributes).toEqual({ externalInitiatedEventId: events[0]?.eventId, externalWorkflowExecution: source });
    const described = await h.client.send(new DescribeWorkflowExecutionCommand({ domain: h.domain, execution: target }));
    expect(described.executionInfo?.cancelRequested).toBe(true);
  });

  it('starts a child, reports its completion to the parent, and refuses a second child with the same id', async () => {
    const parent = await start(h, { taskList: { name: 'parent' } });
    const child = { decisionType: 'StartChildWorkflowExecution', startChildWorkflowExecutionDecisionAttributes: { workflowId: 'kid', workflowType: { name: 'wf', version: '1' }, taskList: { name: 'child' }, input: 'ci' } } as Decision;
    const events = await decideAndRead(parent, [child, child], 'parent');
    expect(events.map((e) => e.eventType)).toEqual([
      'StartChildWorkflowExecutionInitiated',
      'ChildWorkflowExecutionStarted',
      'StartChildWorkflowExecutionFailed',
      'DecisionTaskScheduled',
    ]);
    expect(events[2]?.startChildWorkflowExecutionFailedEventAttributes?.cause).toBe('WORKFLOW_ALREADY_RUNNING');
    const kid = events[1]?.childWorkflowExecutionStartedEventAttributes?.workflowExecution as { workflowId: string; runId: string };
    expect(kid.workflowId).toBe('kid');
    const kidStarted = (await history(h, kid))[0]?.workflowExecutionStartedEventAttributes;
    expect(kidStarted).toMatchObject({ input: 'ci', parentWorkflowExecution: parent, parentInitiatedEventId: events[0]?.eventId });
    await decide(h, [{ decisionType: 'CompleteWorkflowExecution', completeWorkflowExecutionDecisionAttributes: { result: 'kid done' } }], 'child');
    const done = (await history(h, parent)).find((e) => e.eventType === 'ChildWorkflowExecutionCompleted');
    expect(done?.childWorkflowExecutionCompletedEventAttributes).toEqual({
      workflowExecution: kid,
      workflowType: { name: 'wf', version: '1' },
      initiatedEventId: events[0]?.eventId,
      startedEventId: events[1]?.eventId,
      result: 'kid done',
    });
  });

  it('terminates children with the TERMINATE child policy when the parent is terminated', async () => {
    const parent = await start(h, { taskList: { name: 'parent' } });
    await decide(
      h,
      [{ decisionType: 'StartChildWorkflowExecution', startChildWorkflowExecutionDecisionAttributes: { workflowId: 'kid2', workflowType: { name: 'wf', version: '1' }, taskList: { name: 'child' } } }],
      'parent',
    );
    const kidRun = (await history(h, parent)).find((e) => e.eventType === 'ChildWorkflowExecutionStarted')?.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    await h.client.send(new TerminateWorkflowExecutionCommand({ domain: h.domain, workflowId: parent.workflowId }));
    const kidEvents = await history(h, kidRun as { workflowId: string; runId: string });
    expect(kidEvents.at(-1)?.workflowExecutionTerminatedEventAttributes).toMatchObject({ cause: 'CHILD_POLICY_APPLIED', childPolicy: 'TERMINATE' });
  });

  it('fails a child of an unknown type with WORKFLOW_TYPE_DOES_NOT_EXIST', async () => {
    const run = await start(h);
    const events = await decideAndRead(run, [
      { decisionType: 'StartChildWorkflowExecution', startChildWorkflowExecutionDecisionAttributes: { workflowId: 'k', workflowType: { name: 'nope', version: '1' } } },
    ]);
    expect(events[0]?.startChildWorkflowExecutionFailedEventAttributes).toMatchObject({ cause: 'WORKFLOW_TYPE_DOES_NOT_EXIST', workflowId: 'k', decisionTaskCompletedEventId: 4 });
  });
});
