/** The local endpoint forgets what SWF forgets: closed runs after retention, the oldest past a cap, and long histories. */
import {
  DescribeWorkflowExecutionCommand,
  GetWorkflowExecutionHistoryCommand,
  ListClosedWorkflowExecutionsCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  SignalWorkflowExecutionCommand,
} from '@aws-sdk/client-swf';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCall } from '../../src/local/apply.js';
import { createManualClock, type ManualClock } from '../../src/local/index.js';
import { createEngine } from '../../src/local/engine.js';
import { decide, rejection, start, startHarness, type Harness } from './local-harness.js';

const DAY = 24 * 3600 * 1000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function closedRun(harness: Harness, domain = harness.domain): Promise<{ workflowId: string; runId: string }> {
  const other = { ...harness, domain };
  const run = await start(other, { taskList: { name: `d-${domain}` } });
  await decide(other, [{ decisionType: 'CompleteWorkflowExecution' }], `d-${domain}`);
  return run;
}

const describeRun = (harness: Harness, execution: { workflowId: string; runId: string }, domain = harness.domain) =>
  harness.client.send(new DescribeWorkflowExecutionCommand({ domain, execution }));

describe('local SWF: retention', () => {
  it("keeps a closed run for its domain's retention period on the endpoint's clock, then drops it", async () => {
    const clock: ManualClock = createManualClock();
    h = await startHarness({ clock }); // the harness domain keeps closed runs 1 day
    const run = await closedRun(h);
    expect(h.swf.stats().closedExecutions).toBe(1);
    clock.advance(DAY - 1);
    expect((await describeRun(h, run)).executionInfo?.closeStatus).toBe('COMPLETED');
    clock.advance(1);
    expect((await rejection(describeRun(h, run))).name).toBe('UnknownResourceFault');
    expect((await rejection(h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run })))).name).toBe('UnknownResourceFault');
    const listed = await h.client.send(new ListClosedWorkflowExecutionsCommand({ domain: h.domain, startTimeFilter: { oldestDate: new Date(0) } }));
    expect(listed.executionInfos ?? []).toEqual([]);
    expect(h.swf.stats().closedExecutions).toBe(0);
  });

  it('drops runs of domains with different retention periods each on time, and at once with NONE or 0', async () => {
    const clock = createManualClock();
    h = await startHarness({ clock });
    for (const [name, days] of [['three', '3'], ['none', 'NONE'], ['zero', '0']] as const) {
      await h.client.send(new RegisterDomainCommand({ name, workflowExecutionRetentionPeriodInDays: days }));
      await h.client.send(new RegisterWorkflowTypeCommand({ domain: name, name: 'wf', version: '1', defaultExecutionStartToCloseTimeout: '600', defaultTaskStartToCloseTimeout: '60', defaultChildPolicy: 'TERMINATE' }));
    }
    const oneDay = await closedRun(h);
    const threeDays = await closedRun(h, 'three');
    const none = await closedRun(h, 'none');
    const zero = await closedRun(h, 'zero');
    expect((await rejection(describeRun(h, none, 'none'))).name).toBe('UnknownResourceFault');
    expect((await rejection(describeRun(h, zero, 'zero'))).name).toBe('UnknownResourceFault');
    clock.advance(DAY);
    expect((await rejection(describeRun(h, oneDay))).name).toBe('UnknownResourceFault');
    expect((await describeRun(h, threeDays, 'three')).executionInfo?.executionStatus).toBe('CLOSED');
    clock.advance(2 * DAY);
    expect((await rejection(describeRun(h, threeDays, 'three'))).name).toBe('UnknownResourceFault');
    expect(h.swf.stats().closedExecutions).toBe(0);
  });

  it('keeps at most maxClosedExecutions closed runs, dropping the oldest first; open runs are never dropped', async () => {
    h = await startHarness({ maxClosedExecutions: 2 });
    const open = await start(h, { taskList: { name: 'open-one' } });
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await closedRun(h));
    expect(h.swf.stats().closedExecutions).toBe(2);
    expect((await rejection(describeRun(h, runs[0] as { workflowId: string; runId: string }))).name).toBe('UnknownResourceFault');
    for (const run of runs.slice(1)) expect((await describeRun(h, run)).executionInfo?.closeStatus).toBe('COMPLETED');
    expect((await describeRun(h, open)).executionInfo?.executionStatus).toBe('OPEN');
  });

  it('refuses a cap that is not a whole number', async () => {
    await expect(startHarness({ maxClosedExecutions: -1 })).rejects.toThrow(/maxClosedExecutions is -1/);
  });
});

describe('local SWF: history limit', () => {
  it("terminates a run that reaches SWF's 25,000 events: WorkflowExecutionTerminated, cause EVENT_LIMIT_EXCEEDED", async () => {
    const engine = createEngine(createManualClock(), { pollTimeoutMs: 1, maxOpenActivitiesPerExecution: 1000, maxDomains: 10, maxHistoryEvents: 25_000, accountId: '0', region: 'us-east-1' });
    const ok = async (op: string, input: unknown): Promise<Record<string, unknown>> => {
      const result = await applyCall(engine, op, input);
      if ('fault' in result) throw new Error(`${op}: ${result.fault.message}`);
      return result.ok;
    };
    await ok('RegisterDomain', { name: 'd', workflowExecutionRetentionPeriodInDays: '1' });
    await ok('RegisterWorkflowType', { domain: 'd', name: 'wf', version: '1', defaultTaskList: { name: 't' }, defaultExecutionStartToCloseTimeout: '600', defaultTaskStartToCloseTimeout: 'NONE', defaultChildPolicy: 'TERMINATE' });
    const { runId } = await ok('StartWorkflowExecution', { domain: 'd', workflowId: 'w', workflowType: { name: 'wf', version: '1' } });
    // Started and DecisionTaskScheduled, then one event per signal.
    for (let i = 0; i < 24_997; i++) await ok('SignalWorkflowExecution', { domain: 'd', workflowId: 'w', signalName: 's' });
    const execution = engine.domains.get('d')?.executions.get(runId as string);
    expect(execution?.history.length).toBe(25_000);
    expect(execution?.status).toBe('CLOSED');
    expect(execution?.closeStatus).toBe('TERMINATED');
    const last = execution?.history.at(-1);
    expect(last?.eventType).toBe('WorkflowExecutionTerminated');
    expect(last?.attributes).toMatchObject({ cause: 'EVENT_LIMIT_EXCEEDED', childPolicy: 'TERMINATE' });
    const refused = await applyCall(engine, 'SignalWorkflowExecution', { domain: 'd', workflowId: 'w', signalName: 's' });
    expect('fault' in refused && refused.fault.type).toBe('UnknownResourceFault');
    engine.close();
  });

  it('shows the termination over the wire, with a lowered limit', async () => {
    h = await startHarness({ maxHistoryEvents: 20 });
    const run = await start(h, { taskList: { name: 'limit' } });
    for (let i = 0; i < 30; i++) {
      const sent = await h.client.send(new SignalWorkflowExecutionCommand({ domain: h.domain, ...run, signalName: 'tick' })).catch((e: Error) => e);
      if (sent instanceof Error) {
        expect(sent.name).toBe('UnknownResourceFault');
        break;
      }
    }
    const events = (await h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run }))).events ?? [];
    expect(events).toHaveLength(20);
    expect(events.at(-1)?.workflowExecutionTerminatedEventAttributes?.cause).toBe('EVENT_LIMIT_EXCEEDED');
  });
});
