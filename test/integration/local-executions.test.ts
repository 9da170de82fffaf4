import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CountClosedWorkflowExecutionsCommand,
  CountOpenWorkflowExecutionsCommand,
  DescribeWorkflowExecutionCommand,
  GetWorkflowExecutionHistoryCommand,
  ListClosedWorkflowExecutionsCommand,
  ListOpenWorkflowExecutionsCommand,
  PollForDecisionTaskCommand,
  RequestCancelWorkflowExecutionCommand,
  SignalWorkflowExecutionCommand,
  TerminateWorkflowExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-swf';
import { createManualClock, type ManualClock } from '../../src/local/index.js';
import { decide, history, pollActivity, rejection, scheduleActivity, start, startHarness, type Harness } from './local-harness.js';

let h: Harness;
let clock: ManualClock;
const T0 = Date.UTC(2026, 5, 1);
beforeEach(async () => {
  clock = createManualClock(T0);
  h = await startHarness({ clock });
});
afterEach(async () => {
  await h.close();
});

/** A run with a long history: started, one decision, then `signals` signals. */
async function longRun(signals: number) {
  const run = await start(h);
  await decide(h, []);
  for (let i = 0; i < signals; i++) await h.client.send(new SignalWorkflowExecutionCommand({ domain: h.domain, ...run, signalName: `s${i}` }));
  return run;
}

describe('local SWF: history paging', () => {
  it('pages forwards with maximumPageSize and nextPageToken, losing and repeating nothing', async () => {
    const run = await longRun(10); // 4 + 10 signals + 1 DecisionTaskScheduled = 15 events
    const all = await history(h, run);
    expect(all).toHaveLength(15);
    const seen: HistoryEvent[] = [];
    let nextPageToken: string | undefined;
    let pages = 0;
    do {
      const page = await h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run, maximumPageSize: 4, nextPageToken }));
      expect(page.events!.length).toBeLessThanOrEqual(4);
      seen.push(...page.events!);
      nextPageToken = page.nextPageToken;
      pages++;
    } while (nextPageToken);
    expect(pages).toBe(4);
    expect(seen.map((e) => e.eventId)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('reads newest first with reverseOrder, across pages', async () => {
    const run = await longRun(6);
    const first = await h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run, maximumPageSize: 5, reverseOrder: true }));
    expect(first.events!.map((e) => e.eventId)).toEqual([11, 10, 9, 8, 7]);
    // New events after the first page do not shift the pages still to read.
    await h.client.send(new SignalWorkflowExecutionCommand({ domain: h.domain, ...run, signalName: 'late' }));
    const second = await h.client.send(
      new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run, maximumPageSize: 5, reverseOrder: true, nextPageToken: first.nextPageToken }),
    );
    expect(second.events!.map((e) => e.eventId)).toEqual([6, 5, 4, 3, 2]);
    const third = await h.client.send(
      new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run, maximumPageSize: 5, reverseOrder: true, nextPageToken: second.nextPageToken }),
    );
    expect(third.events!.map((e) => e.eventId)).toEqual([1]);
    expect(third.nextPageToken).toBeUndefined();
  });

  it('pages the history of a decision task, the next pages fetched with the same task', async () => {
    const run = await longRun(8);
    const first = await h.client.send(new PollForDecisionTaskCommand({ domain: h.domain, taskList: { name: 'decisions' }, maximumPageSize: 10 }));
    expect(first.events!.map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.nextPageToken).toBeDefined();
    const second = await h.client.send(
      new PollForDecisionTaskCommand({ domain: h.domain, taskList: { name: 'decisions' }, maximumPageSize: 10, nextPageToken: first.nextPageToken }),
    );
    expect(second.taskToken).toBe(first.taskToken);
    expect(second.events!.map((e) => e.eventId)).toEqual([11, 12, 13, 14]);
    expect(second.nextPageToken).toBeUndefined();
    expect(second.workflowExecution).toEqual(run);
  });

  it('refuses a page token it did not issue', async () => {
    const run = await start(h);
    const error = await rejection(h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run, nextPageToken: 'garbage' })));
    expect(error.name).toBe('ValidationException');
  });

  it('answers UnknownResourceFault for an unknown execution', async () => {
    const error = await rejection(h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: { workflowId: 'x', runId: 'y' } })));
    expect(error.name).toBe('UnknownResourceFault');
  });
});

describe('local SWF: signal, cancel, terminate, describe', () => {
  it('describes open counts and configuration', async () => {
    const run = await start(h, { tagList: ['a', 'b'] });
    await decide(h, [scheduleActivity('x'), scheduleActivity('y'), { decisionType: 'StartTimer', startTimerDecisionAttributes: { timerId: 't', startToFireTimeout: '99' } }]);
    await pollActivity(h);
    const d = await h.client.send(new DescribeWorkflowExecutionCommand({ domain: h.domain, execution: run }));
    expect(d.openCounts).toEqual({ openActivityTasks: 2, openDecisionTasks: 0, openTimers: 1, openChildWorkflowExecutions: 0, openLambdaFunctions: 0 });
    expect(d.executionConfiguration).toMatchObject({ taskList: { name: 'decisions' }, childPolicy: 'TERMINATE', executionStartToCloseTimeout: '3600', taskStartToCloseTimeout: '60' });
    expect(d.executionInfo).toMatchObject({ execution: run, executionStatus: 'OPEN', cancelRequested: false, tagList: ['a', 'b'] });
    expect(d.executionInfo?.startTimestamp?.getTime()).toBe(T0);
    expect(d.latestActivityTaskTimestamp?.getTime()).toBe(T0);
  });

  it('signals, requests cancel and terminates, each writing its event', async () => {
    const run = await start(h);
    await decide(h, []);
    await h.client.send(new SignalWorkflowExecutionCommand({ domain: h.domain, workflowId: run.workflowId, signalName: 'hey', input: 'payload' }));
    await h.client.send(new RequestCancelWorkflowExecutionCommand({ domain: h.domain, workflowId: run.workflowId }));
    await h.client.send(new TerminateWorkflowExecutionCommand({ domain: h.domain, ...run, reason: 'why', details: 'how', childPolicy: 'ABANDON' }));
    const events = await history(h, run);
    expect(events.map((e) => e.eventType).slice(4)).toEqual(['WorkflowExecutionSignaled', 'DecisionTaskScheduled', 'WorkflowExecutionCancelRequested', 'WorkflowExecutionTerminated']);
    expect(events[4]?.workflowExecutionSignaledEventAttributes).toEqual({ signalName: 'hey', input: 'payload' });
    expect(events[7]?.workflowExecutionTerminatedEventAttributes).toEqual({ reason: 'why', details: 'how', childPolicy: 'ABANDON' });
    const error = await rejection(h.client.send(new SignalWorkflowExecutionCommand({ domain: h.domain, workflowId: run.workflowId, signalName: 'late' })));
    expect(error.name).toBe('UnknownResourceFault');
    const pending = await h.client.send(new PollForDecisionTaskCommand({ domain: h.domain, taskList: { name: 'decisions' } }));
    expect(pending.taskToken ?? '').toBe('');
  });
});

describe('local SWF: listing and counting executions', () => {
  const window = (fromMs: number, toMs: number) => ({ oldestDate: new Date(fromMs), latestDate: new Date(toMs) });
  const ALL = window(T0 - 1, T0 + 1_000_000);

  async function fixture() {
    const a = await start(h, { workflowId: 'a', tagList: ['red'] });
    clock.advance(1_000);
    const b = await start(h, { workflowId: 'b', tagList: ['blue'] });
    clock.advance(1_000);
    const c = await start(h, { workflowId: 'c' });
    clock.advance(1_000);
    await h.client.send(new TerminateWorkflowExecutionCommand({ domain: h.domain, workflowId: 'c' }));
    clock.advance(1_000);
    return { a, b, c };
  }

  it('lists open runs newest first, with reverseOrder, paging and filters', async () => {
    await fixture();
    const open = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL }));
    expect(open.executionInfos!.map((e) => e.execution?.workflowId)).toEqual(['b', 'a']);
    const reversed = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, reverseOrder: true }));
    expect(reversed.executionInfos!.map((e) => e.execution?.workflowId)).toEqual(['a', 'b']);
    const page1 = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, maximumPageSize: 1 }));
    const page2 = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, maximumPageSize: 1, nextPageToken: page1.nextPageToken }));
    expect([page1.executionInfos![0]?.execution?.workflowId, page2.executionInfos![0]?.execution?.workflowId]).toEqual(['b', 'a']);
    expect(page2.nextPageToken).toBeUndefined();
    const byTag = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, tagFilter: { tag: 'red' } }));
    expect(byTag.executionInfos!.map((e) => e.execution?.workflowId)).toEqual(['a']);
    const byId = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, executionFilter: { workflowId: 'b' } }));
    expect(byId.executionInfos!.map((e) => e.execution?.workflowId)).toEqual(['b']);
    const byType = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, typeFilter: { name: 'wf', version: '2' } }));
    expect(byType.executionInfos).toEqual([]);
    const early = await h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: window(T0, T0 + 500) }));
    expect(early.executionInfos!.map((e) => e.execution?.workflowId)).toEqual(['a']);
    const count = await h.client.send(new CountOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL }));
    expect(count).toMatchObject({ count: 2, truncated: false });
  });

  it('lists and counts closed runs by start or close time and by close status', async () => {
    await fixture();
    const closed = await h.client.send(new ListClosedWorkflowExecutionsCommand({ domain: h.domain, closeTimeFilter: window(T0 + 2_500, T0 + 3_500) }));
    expect(closed.executionInfos!.map((e) => [e.execution?.workflowId, e.closeStatus, e.executionStatus])).toEqual([['c', 'TERMINATED', 'CLOSED']]);
    expect(closed.executionInfos![0]?.closeTimestamp?.getTime()).toBe(T0 + 3_000);
    const none = await h.client.send(new ListClosedWorkflowExecutionsCommand({ domain: h.domain, closeTimeFilter: window(T0, T0 + 2_000) }));
    expect(none.executionInfos).toEqual([]);
    const byStatus = await h.client.send(new CountClosedWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, closeStatusFilter: { status: 'COMPLETED' } }));
    expect(byStatus.count).toBe(0);
    const terminated = await h.client.send(new CountClosedWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, closeStatusFilter: { status: 'TERMINATED' } }));
    expect(terminated.count).toBe(1);
  });

  it('refuses two exclusive filters, and a closed list with both or neither time filter', async () => {
    const both = await rejection(
      h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: ALL, tagFilter: { tag: 'x' }, executionFilter: { workflowId: 'y' } })),
    );
    expect(both.name).toBe('ValidationException');
    const neither = await rejection(h.client.send(new ListClosedWorkflowExecutionsCommand({ domain: h.domain })));
    expect(neither.name).toBe('ValidationException');
    const missing = await rejection(h.client.send(new ListOpenWorkflowExecutionsCommand({ domain: h.domain } as never)));
    expect(missing.message).toMatch(/Value null at 'startTimeFilter'/);
  });
});
