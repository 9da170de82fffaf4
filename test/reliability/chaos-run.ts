/**
 * The chaos runs of issue #4: many activities through four in-process workers, each with its own SWF
 * client, while the local endpoint injects faults; a decider drives several executions.
 */
import { expect } from 'vitest';
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
  RecordingLogger,
  registerActivityType,
  registerDomain,
  sleep,
  until,
  type TaskRecord,
} from './harness.js';

const ECHO = { name: 'reliability-echo', version: '1' } as const;
export const WORKERS = 4;
/** Slots of each worker. */
export const MAX_CONCURRENT_TASKS = 50;
/** Most items per execution: well under SWF's 1,000 open activities per execution. */
const ITEMS_PER_EXECUTION = 250;

/** How often each task of this process ran, by activity id: a task delivered twice would show here. */
export const runs = new Map<string, number>();

class Echo extends Activity {
  async run(item: string): Promise<string> {
    const { activityId } = this.info;
    runs.set(activityId, (runs.get(activityId) ?? 0) + 1);
    // Some tasks heartbeat, so heartbeats meet chaos too; a failed heartbeat must not fail the task.
    if (item.endsWith('3') || item.endsWith('7')) await this.heartbeat({ item });
    await sleep(Number(item.slice(item.lastIndexOf('-') + 1)) % 5);
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
  workers: { worker: Worker; run: Promise<void>; settled: () => string | undefined; metrics: CountingMetrics; logger: RecordingLogger }[];
  decider?: Decider;
}

let current: Running | undefined;

/** Stops what the last run left running (call from afterEach: a failed run leaves everything up). */
export async function cleanUpChaosRun(): Promise<void> {
  const r = current;
  current = undefined;
  if (!r) return;
  await r.decider?.stop();
  await Promise.allSettled(r.workers.map((w) => w.worker.shutdown({ force: true })));
  for (const c of r.clients) c.destroy();
  await r.swf.close();
}

/**
 * Runs `total` activities through four in-process workers, each with its own SWF client, on an
 * endpoint with `chaos`. Resolves once every execution has closed, with every task the histories hold.
 */
export async function runUnderChaos(chaos: ChaosOptions, total: number, startToCloseSeconds: number) {
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
    const logger = new RecordingLogger();
    const worker = new Worker({
      client,
      domain,
      taskList: 'reliability',
      registry: registry(),
      identity: `chaos-worker-${i}`,
      maxConcurrentTasks: MAX_CONCURRENT_TASKS,
      // Seeded jitter: the same seed gives the same delays; the default base and cap.
      backoff: fullJitterBackoff({ random }),
      metrics,
      logger,
    });
    let settled: string | undefined;
    const run = worker.run().then(
      () => void (settled = 'resolved'),
      (error: unknown) => void (settled = `rejected: ${String(error)}`),
    );
    r.workers.push({ worker, run, settled: () => settled, metrics, logger });
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
    closeWithinMs(total),
    100,
  );
  // Every worker still running, none crashed, before anything is shut down; none ever held more
  // tasks and polls than it has slots.
  for (const w of r.workers) {
    expect(w.settled(), `worker ${w.worker.identity}`).toBeUndefined();
    expect(w.worker.state).toBe('RUNNING');
    expect(w.metrics.maxSlotsInUse).toBeGreaterThan(0);
    expect(w.metrics.maxSlotsInUse).toBeLessThanOrEqual(MAX_CONCURRENT_TASKS);
  }
  await decider.stop();
  // Together: each waits for its open polls, held up to pollTimeoutMs.
  await Promise.all(r.workers.map((w) => w.worker.shutdown()));
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

/** How long a run may take to close: generous, for a CI machine shared with other test files. */
export function closeWithinMs(total: number): number {
  return Math.max(60_000, total * 60);
}

/** The tasks of a run by item, attempts in schedule order. */
export function byItem(tasks: readonly TaskRecord[]): Map<string, TaskRecord[]> {
  const out = new Map<string, TaskRecord[]>();
  for (const t of tasks) out.set(t.item, [...(out.get(t.item) ?? []), t]);
  return out;
}

/** Responses the workers logged as applied by an earlier attempt whose answer was lost. */
export function probablyApplied(workers: readonly { logger: RecordingLogger }[]): number {
  return workers.reduce((n, w) => n + w.logger.count('info', /an earlier attempt went through/), 0);
}

/** Tasks the workers of a run say ended so. */
export function sumOutcome(workers: readonly { metrics: CountingMetrics }[], outcome: 'completed' | 'failed' | 'timed-out'): number {
  return workers.reduce((n, w) => n + (w.metrics.outcomes.get(outcome) ?? 0), 0);
}
