/**
 * Issue #4: many activities through four workers while the local endpoint injects faults.
 * Sizes and seed come from the environment; see docs/reliability.md.
 */
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import type { SWFClient } from '@aws-sdk/client-swf';
import { Activity, ActivityRegistry, Worker, createSwfClient, encodeFlowyInput, fullJitterBackoff } from 'flowy-swf';
import { startLocalSwf, type LocalSwf } from 'flowy-swf/local';
import type { ChaosOptions } from '../../src/local/chaos.js';
import { mulberry32 } from '../../src/local/chaos.js';
import {
  activityTasks,
  CountingMetrics,
  Decider,
  fullHistory,
  registerActivityType,
  registerDomain,
  reliabilityConfig,
  sleep,
  until,
  type TaskRecord,
} from './harness.js';

const config = reliabilityConfig();
const ECHO = { name: 'reliability-echo', version: '1' } as const;
const WORKERS = 4;
/** Most items per execution: well under SWF's 1,000 open activities per execution. */
const ITEMS_PER_EXECUTION = 250;

/** How often each task of this process ran, by activity id: a task delivered twice would show here. */
const runs = new Map<string, number>();

class Echo extends Activity {
  async run(item: string): Promise<string> {
    const { activityId } = this.info;
    runs.set(activityId, (runs.get(activityId) ?? 0) + 1);
    // Some tasks heartbeat, so heartbeats meet chaos too; a failed heartbeat must not fail the task.
    if (item.endsWith('3') || item.endsWith('7')) await this.heartbeat({ item });
    await sleep(item.length % 5);
    return `done:${item}`;
  }
}

function registry(): ActivityRegistry {
  const r = new ActivityRegistry();
  r.register({
    ...ECHO,
    taskList: 'reliability',
    defaults: { heartbeatTimeout: 'NONE', scheduleToCloseTimeout: 'NONE', scheduleToStartTimeout: 'NONE', startToCloseTimeout: '60' },
    activityClass: Echo,
  });
  return r;
}

interface Running {
  swf: LocalSwf;
  clients: SWFClient[];
  workers: { worker: Worker; run: Promise<void>; settled: () => string | undefined; metrics: CountingMetrics }[];
  decider?: Decider;
}

let current: Running | undefined;

afterEach(async () => {
  const r = current;
  current = undefined;
  if (!r) return;
  await r.decider?.stop();
  await Promise.allSettled(r.workers.map((w) => w.worker.shutdown({ force: true })));
  for (const c of r.clients) c.destroy();
  await r.swf.close();
});

/**
 * Runs `total` activities through four in-process workers, each with its own SWF client, on an
 * endpoint with `chaos`. Resolves once every execution has closed, with every task the histories hold.
 */
async function runUnderChaos(chaos: ChaosOptions, total: number, startToCloseSeconds: number) {
  const swf = await startLocalSwf({ pollTimeoutMs: 2000, chaos });
  const setup = createSwfClient({ endpoint: swf.endpoint });
  const r: Running = { swf, clients: [setup], workers: [] };
  current = r;
  const domain = 'reliability-chaos';
  await registerDomain(setup, domain, { taskStartToClose: 5 });
  await registerActivityType(setup, domain, ECHO, startToCloseSeconds);

  const random = mulberry32(chaos.seed ^ 0x5eed);
  for (let i = 0; i < WORKERS; i++) {
    const client = createSwfClient({ endpoint: swf.endpoint });
    r.clients.push(client);
    const metrics = new CountingMetrics();
    const worker = new Worker({
      client,
      domain,
      taskList: 'reliability',
      registry: registry(),
      identity: `chaos-worker-${i}`,
      maxConcurrentTasks: 50,
      // Seeded jitter: the same seed gives the same delays; the default base and cap.
      backoff: fullJitterBackoff({ random }),
      metrics,
    });
    let settled: string | undefined;
    const run = worker.run().then(
      () => void (settled = 'resolved'),
      (error: unknown) => void (settled = `rejected: ${String(error)}`),
    );
    r.workers.push({ worker, run, settled: () => settled, metrics });
  }

  const decider = new Decider({
    client: setup,
    domain,
    activityType: ECHO,
    input: (item) => encodeFlowyInput([item]),
    pollers: 3,
  });
  r.decider = decider;
  decider.start();
  const executions = Math.ceil(total / ITEMS_PER_EXECUTION);
  const plans = new Map<string, string[]>();
  for (let e = 0; e < executions; e++) {
    const items: string[] = [];
    for (let i = e * ITEMS_PER_EXECUTION; i < Math.min(total, (e + 1) * ITEMS_PER_EXECUTION); i++) items.push(`item-${i}`);
    plans.set(`reliability-${e}`, items);
  }
  for (const [workflowId, items] of plans) await decider.startExecution(workflowId, items);

  // The decider learns each run id from its first decision task; then wait for every run to close.
  await until(
    'every execution to close',
    () => decider.runIds.size === executions && swf.stats().openExecutions === 0,
    60_000 * Math.max(1, config.scale),
    100,
  );
  // Every worker still running, none crashed, before anything is shut down.
  for (const w of r.workers) {
    expect(w.settled(), `worker ${w.worker.identity}`).toBeUndefined();
    expect(w.worker.state).toBe('RUNNING');
  }
  await decider.stop();
  for (const w of r.workers) await w.worker.shutdown();
  for (const w of r.workers) {
    await w.run;
    expect(w.settled(), `worker ${w.worker.identity}`).toBe('resolved');
  }
  expect(decider.errors, 'decider errors (neither transient nor a closed decision task)').toEqual([]);

  const tasks: TaskRecord[] = [];
  for (const [workflowId] of plans) {
    const runId = decider.runIds.get(workflowId);
    expect(runId, `run id of ${workflowId}`).toBeDefined();
    const events = await fullHistory(setup, domain, { workflowId, runId: runId as string });
    expect(events.at(-1)?.eventType).toBe('WorkflowExecutionCompleted');
    tasks.push(...activityTasks(events));
  }
  return { swf, workers: r.workers, decider, plans, tasks };
}

function byItem(tasks: readonly TaskRecord[]): Map<string, TaskRecord[]> {
  const out = new Map<string, TaskRecord[]>();
  for (const t of tasks) out.set(t.item, [...(out.get(t.item) ?? []), t]);
  return out;
}

function sumOutcome(workers: readonly { metrics: CountingMetrics }[], outcome: 'completed' | 'failed' | 'timed-out'): number {
  return workers.reduce((n, w) => n + (w.metrics.outcomes.get(outcome) ?? 0), 0);
}

describe(`reliability: ${WORKERS} workers under chaos`, () => {
  it(
    `${config.activities} activities, faults before the call is applied: every activity completes exactly once; none times out, fails or runs twice`,
    async () => {
      onTestFailed(() => {
        console.error(`reliability chaos seed: ${config.seed} (rerun with FLOWY_RELIABILITY_SEED=${config.seed})`);
      });
      runs.clear();
      const chaos: ChaosOptions = { seed: config.seed, errorRate: 0.04, throttleRate: 0.04, resetRate: 0.02, latencyMs: 1, when: 'before' };
      const { workers, plans, tasks } = await runUnderChaos(chaos, config.activities, 60);

      const items = byItem(tasks);
      const planned = [...plans.values()].flat();
      expect(items.size).toBe(planned.length);
      for (const item of planned) {
        const attempts = items.get(item) ?? [];
        // Nothing is lost before it is applied, so one task per item, completed with its own result.
        expect(attempts.map((t) => t.closedAs), item).toEqual(['ActivityTaskCompleted']);
        expect(attempts[0]?.result).toBe(JSON.stringify(`done:${item}`));
      }
      expect(tasks.filter((t) => t.closedAs === 'ActivityTaskTimedOut')).toEqual([]);
      // At most once: each task ran once, in exactly one worker.
      expect(runs.size).toBe(planned.length);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      // What the workers say they reported is what history holds.
      expect(sumOutcome(workers, 'completed')).toBe(planned.length);
      expect(sumOutcome(workers, 'failed')).toBe(0);
      expect(sumOutcome(workers, 'timed-out')).toBe(0);
      // Chaos did strike the workers, and they retried: otherwise this test proves nothing.
      const retried = workers.reduce((n, w) => n + w.metrics.totalRetries(), 0);
      expect(retried).toBeGreaterThan(0);
      expect(workers.reduce((n, w) => n + (w.metrics.retries.get('RespondActivityTaskCompleted') ?? 0), 0)).toBeGreaterThan(0);
      // Every worker got work.
      for (const w of workers) expect(w.metrics.outcomes.get('completed') ?? 0, w.worker.identity).toBeGreaterThan(0);
    },
    180_000 * Math.max(1, config.scale),
  );

  it(
    `${config.lossyActivities} activities, faults before or after the call is applied: every activity completes exactly once; a lost answer is not a lost result`,
    async () => {
      onTestFailed(() => {
        console.error(`reliability chaos seed: ${config.seed} (rerun with FLOWY_RELIABILITY_SEED=${config.seed})`);
      });
      runs.clear();
      const total = config.lossyActivities;
      // 'after' faults lose answers of applied calls: a poll's task is then handed out and never seen,
      // so it times out (start-to-close, 8 s here) and the decider schedules it again.
      const chaos: ChaosOptions = { seed: config.seed + 1, errorRate: 0.03, throttleRate: 0.03, resetRate: 0.02, latencyMs: 1, when: 'both' };
      const { workers, plans, tasks } = await runUnderChaos(chaos, total, 8);

      const items = byItem(tasks);
      const planned = [...plans.values()].flat();
      expect(items.size).toBe(planned.length);
      for (const item of planned) {
        const attempts = items.get(item) ?? [];
        const completed = attempts.filter((t) => t.closedAs === 'ActivityTaskCompleted');
        expect(completed.length, `completions of ${item}`).toBe(1);
        expect(completed[0]?.result).toBe(JSON.stringify(`done:${item}`));
        // Only the last attempt completes; any earlier one timed out because its poll's answer was lost.
        expect(attempts.at(-1)?.closedAs, item).toBe('ActivityTaskCompleted');
        for (const t of attempts.slice(0, -1)) expect([t.closedAs, t.timeoutType], t.activityId).toEqual(['ActivityTaskTimedOut', 'START_TO_CLOSE']);
      }
      // A task that timed out was never run here: it was lost on the way to the worker, not dropped by it.
      for (const t of tasks) {
        if (t.closedAs === 'ActivityTaskTimedOut') expect(runs.get(t.activityId), t.activityId).toBeUndefined();
        else expect(runs.get(t.activityId), t.activityId).toBe(1);
      }
      // A respond applied whose answer was lost is counted completed (logged as already done), not lost or failed.
      expect(sumOutcome(workers, 'completed')).toBe(planned.length);
      expect(sumOutcome(workers, 'failed')).toBe(0);
      expect(sumOutcome(workers, 'timed-out')).toBe(0);
      expect(workers.reduce((n, w) => n + w.metrics.totalRetries(), 0)).toBeGreaterThan(0);
    },
    180_000 * Math.max(1, config.scale),
  );
});
