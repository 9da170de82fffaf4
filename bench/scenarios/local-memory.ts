/**
 * Local endpoint memory: what an open and a closed execution cost, and that the memory comes back when
 * the domain's retention ends. In-process (engine and calls, no HTTP), on a manual clock, in a fresh process
 * with `--expose-gc`: N executions of one activity each are started and left open, then all closed, then the
 * clock passes the retention period (1 day) and they are dropped; a second batch shows nothing piles up.
 */
import { applyCall } from '../../src/local/apply.js';
import { createManualClock } from '../../src/local/clock.js';
import { createEngine } from '../../src/local/engine.js';
import type { Engine } from '../../src/local/state.js';
import { collectGarbage } from '../fixtures.js';
import type { Sample, Scenario } from '../scenario.js';
import { round } from '../stats.js';

const DAY_MS = 24 * 3600 * 1000;

async function ok(engine: Engine, operation: string, input: unknown): Promise<Record<string, unknown>> {
  const result = await applyCall(engine, operation, input);
  if ('fault' in result) throw new Error(`localMemory: ${operation}: ${result.fault.message}`);
  return result.ok;
}

/** Heap and RSS in bytes after a full collection. */
function memory(): { heap: number; rss: number } {
  collectGarbage();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/** Starts `n` runs, each with its activity task started (open), and returns their task tokens. */
async function openRuns(engine: Engine, n: number, batch: number): Promise<{ activity: string[] }> {
  const activity: string[] = [];
  for (let i = 0; i < n; i++) {
    await ok(engine, 'StartWorkflowExecution', { domain: 'm', workflowId: `w${batch}-${i}`, workflowType: { name: 'wf', version: '1' }, input: 'x'.repeat(100) });
    const decision = await ok(engine, 'PollForDecisionTask', { domain: 'm', taskList: { name: 'd' } });
    const decisions = [{ decisionType: 'ScheduleActivityTask', scheduleActivityTaskDecisionAttributes: { activityId: 'a', activityType: { name: 'act', version: '1' }, input: 'y'.repeat(100) } }];
    await ok(engine, 'RespondDecisionTaskCompleted', { taskToken: decision.taskToken, decisions });
    activity.push((await ok(engine, 'PollForActivityTask', { domain: 'm', taskList: { name: 'a' } })).taskToken as string);
  }
  return { activity };
}

/** Completes every activity, then every run. */
async function closeRuns(engine: Engine, tokens: string[]): Promise<void> {
  for (const taskToken of tokens) await ok(engine, 'RespondActivityTaskCompleted', { taskToken, result: 'z'.repeat(100) });
  for (let i = 0; i < tokens.length; i++) {
    const decision = await ok(engine, 'PollForDecisionTask', { domain: 'm', taskList: { name: 'd' } });
    await ok(engine, 'RespondDecisionTaskCompleted', { taskToken: decision.taskToken, decisions: [{ decisionType: 'CompleteWorkflowExecution' }] });
  }
}

export const localMemory: Scenario = {
  name: 'localMemory',
  title: 'local endpoint bytes per open and per closed execution, and memory back after retention',
  runs: (quick) => (quick ? 1 : 3),
  async measure({ quick }) {
    const n = quick ? 5_000 : 20_000;
    const clock = createManualClock(1_700_000_000_000);
    const engine = createEngine(clock, { pollTimeoutMs: 1, maxOpenActivitiesPerExecution: 1000, maxDomains: 10, maxHistoryEvents: 25_000, accountId: '0', region: 'us-east-1' });
    await ok(engine, 'RegisterDomain', { name: 'm', workflowExecutionRetentionPeriodInDays: '1' });
    await ok(engine, 'RegisterWorkflowType', { domain: 'm', name: 'wf', version: '1', defaultTaskList: { name: 'd' }, defaultExecutionStartToCloseTimeout: '3600', defaultTaskStartToCloseTimeout: '60', defaultChildPolicy: 'TERMINATE' });
    await ok(engine, 'RegisterActivityType', { domain: 'm', name: 'act', version: '1', defaultTaskList: { name: 'a' }, defaultTaskScheduleToStartTimeout: '600', defaultTaskScheduleToCloseTimeout: '1200', defaultTaskStartToCloseTimeout: '600' });
    await closeRuns(engine, (await openRuns(engine, 100, 0)).activity); // warm-up
    clock.advance(DAY_MS);
    const base = memory();
    const first = await openRuns(engine, n, 1);
    const open = memory();
    await closeRuns(engine, first.activity);
    const closed = memory();
    clock.advance(DAY_MS);
    const retained = memory();
    const second = await openRuns(engine, n, 2);
    await closeRuns(engine, second.activity);
    clock.advance(DAY_MS);
    const again = memory();
    engine.close();
    return {
      executions: n,
      'open.heapBytesPerExecution': (open.heap - base.heap) / n,
      'open.rssBytesPerExecution': (open.rss - base.rss) / n,
      'closed.heapBytesPerExecution': (closed.heap - base.heap) / n,
      'closed.rssBytesPerExecution': (closed.rss - base.rss) / n,
      'afterRetention.heapBytesPerExecution': (retained.heap - base.heap) / n,
      'afterSecondBatch.heapBytesPerExecution': (again.heap - base.heap) / n,
      'rssMB.base': base.rss / 2 ** 20,
      'rssMB.closed': closed.rss / 2 ** 20,
      'rssMB.afterRetention': retained.rss / 2 ** 20,
      'rssMB.afterSecondBatch': again.rss / 2 ** 20,
      heapKeptAfterRetention: (retained.heap - base.heap) / Math.max(1, closed.heap - base.heap),
    } satisfies Sample;
  },
  finish(json, get) {
    const kept = get('heapKeptAfterRetention')?.median ?? Number.NaN;
    const second = get('afterSecondBatch.heapBytesPerExecution')?.median ?? Number.NaN;
    const closed = get('closed.heapBytesPerExecution')?.median ?? Number.NaN;
    json.heapKeptAfterRetention = round(kept);
    return [
      { figure: 'heap kept after retention / heap of the closed executions', value: kept, target: '≤ 0.05', met: kept <= 0.05 },
      { figure: 'heap per execution after a second batch / per closed execution', value: second / closed, target: '≤ 0.10', met: second / closed <= 0.1 },
    ];
  },
};
