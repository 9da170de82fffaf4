/**
 * Issue #4: workers as child processes (the built CLI), killed with SIGKILL or stopped with SIGTERM
 * while they run tasks. The activities (fixtures/activities/sleep.js) heartbeat every 200 ms and have
 * a 2 s heartbeat timeout.
 */
import { describe, expect, it } from 'vitest';
import { CountPendingActivityTasksCommand } from '@aws-sdk/client-swf';
import { encodeFlowyInput } from 'flowy-swf';
import { startCliWorker, useCliEnv, type CliEnv } from './cli-env.js';
import { activityTasks, Decider, fullHistory, sleep, until, type ChildWorker, type TaskRecord } from './harness.js';

const SLEEP = { name: 'reliability-sleep', version: '1' } as const;
/** The CLI's default shutdown grace period (WORKER_DEFAULTS.shutdownGraceMs; `--shutdown-grace` changes it). */
const CLI_GRACE_MS = 25_000;
/** How long the endpoint holds an empty poll: a draining worker waits for its open polls up to this. */
const POLL_TIMEOUT_MS = 1000;

type Env = CliEnv;

const setUp = useCliEnv(POLL_TIMEOUT_MS);

/** A CLI worker; resolves once it has registered its types and polls. */
function startWorker(e: Env, identity: string, extra: string[] = []): Promise<ChildWorker> {
  return startCliWorker(e, identity, extra, (before) => e.swf.stats().waitingPolls > before);
}

/** Starts a decider running `items` in executions of `perExecution` items; `ms` is how long an attempt works. */
async function startDecider(e: Env, items: number, perExecution: number, ms: (attempt: number, index: number) => number): Promise<Map<string, string[]>> {
  const decider = new Decider({
    client: e.client,
    domain: e.domain,
    activityType: SLEEP,
    input: (item, attempt) => encodeFlowyInput([ms(attempt, Number(item.split('-').at(-1)))]),
  });
  e.decider = decider;
  decider.start();
  const plans = new Map<string, string[]>();
  for (let i = 0; i < items; i++) {
    const workflowId = `${e.domain}-${Math.floor(i / perExecution)}`;
    plans.set(workflowId, [...(plans.get(workflowId) ?? []), `item-${i}`]);
  }
  for (const [workflowId, plan] of plans) await decider.startExecution(workflowId, plan);
  return plans;
}

async function tasksOf(e: Env, plans: Map<string, string[]>): Promise<TaskRecord[]> {
  const tasks: TaskRecord[] = [];
  for (const workflowId of plans.keys()) {
    const runId = e.decider?.runIds.get(workflowId);
    if (runId === undefined) throw new Error(`the decider never saw ${workflowId}`);
    tasks.push(...activityTasks(await fullHistory(e.client, e.domain, { workflowId, runId })));
  }
  return tasks;
}

async function allClosed(e: Env, plans: Map<string, string[]>, ms: number): Promise<void> {
  await until('every execution to close', () => e.decider?.runIds.size === plans.size && e.swf.stats().openExecutions === 0, ms, 100);
}

async function pendingActivityTasks(e: Env): Promise<number> {
  const out = await e.client.send(new CountPendingActivityTasksCommand({ domain: e.domain, taskList: { name: 'reliability' } }));
  return out.count ?? -1;
}

function resultPid(task: TaskRecord): number | undefined {
  return task.result === undefined ? undefined : (JSON.parse(task.result) as { pid?: number }).pid;
}

describe('reliability: worker processes', () => {
  it(
    'a worker killed with SIGKILL mid-task: its tasks time out by heartbeat, are scheduled again and another worker completes them',
    async () => {
      const e = await setUp('reliability-kill');
      const a = await startWorker(e, 'worker-a', ['--max-concurrent', '10']);
      // A's attempts would work for a minute; the attempts after the time-out take 300 ms.
      const plans = await startDecider(e, 6, 3, (attempt) => (attempt === 1 ? 60_000 : 300));
      await until('worker A to start all 6 tasks', () => e.swf.stats().startedActivityTasks === 6, 20_000);
      await sleep(500); // heartbeats are flowing
      a.process.kill('SIGKILL');
      expect((await a.exited).signal).toBe('SIGKILL');

      const b = await startWorker(e, 'worker-b');
      await allClosed(e, plans, 30_000);

      const tasks = await tasksOf(e, plans);
      for (const item of [...plans.values()].flat()) {
        const attempts = tasks.filter((t) => t.item === item);
        expect(
          attempts.map((t) => [t.startedBy, t.closedAs, t.timeoutType]),
          item,
        ).toEqual([
          ['worker-a', 'ActivityTaskTimedOut', 'HEARTBEAT'],
          ['worker-b', 'ActivityTaskCompleted', undefined],
        ]);
        expect(resultPid(attempts[1] as TaskRecord)).toBe(b.process.pid);
      }
      // Nothing is left open.
      expect(e.swf.stats().startedActivityTasks).toBe(0);
      expect(await pendingActivityTasks(e)).toBe(0);
      expect(b.alive()).toBe(true);
      b.process.kill('SIGTERM');
      expect((await b.exited).code).toBe(0);
    },
    90_000,
  );

  it(
    'SIGTERM to a CLI worker under load: it reports every task it started and exits 0 within the grace period',
    async () => {
      const e = await setUp('reliability-term');
      const a = await startWorker(e, 'worker-a', ['--max-concurrent', '3']);
      // 9 tasks of 1.5 to 2.5 s for 3 slots: A is full and has a backlog when the signal comes.
      const plans = await startDecider(e, 9, 9, (_attempt, i) => 1500 + (i % 3) * 500);
      await until('worker A to fill its 3 slots', () => e.swf.stats().startedActivityTasks === 3, 20_000);
      await sleep(300);
      const sentAt = Date.now();
      a.process.kill('SIGTERM');
      const exit = await a.exited;
      expect([exit.code, exit.signal]).toEqual([0, null]);
      expect(exit.at - sentAt).toBeLessThan(CLI_GRACE_MS);
      // The moment it is gone, nothing it started is still open in SWF: no task is left to time out.
      expect(e.swf.stats().startedActivityTasks).toBe(0);
      const startedByA = (await tasksOf(e, plans)).filter((t) => t.startedBy === 'worker-a');
      expect(startedByA.length).toBeGreaterThanOrEqual(3);
      for (const t of startedByA) expect(t.closedAs, t.activityId).toBe('ActivityTaskCompleted');

      // The backlog is still there, and another worker finishes it.
      await startWorker(e, 'worker-b', ['--max-concurrent', '10']);
      await allClosed(e, plans, 30_000);
      const tasks = await tasksOf(e, plans);
      expect(tasks.filter((t) => t.closedAs !== 'ActivityTaskCompleted')).toEqual([]);
      expect(tasks.length).toBe(9);
      expect(await pendingActivityTasks(e)).toBe(0);
    },
    90_000,
  );

  it(
    'SIGTERM when tasks outlast the grace period (--shutdown-grace 1): they are aborted (kind shutdown) and failed so the decider retries them; exit 0',
    async () => {
      const e = await setUp('reliability-grace');
      const graceMs = 1000;
      const a = await startWorker(e, 'worker-a', ['--max-concurrent', '4', '--shutdown-grace', String(graceMs / 1000)]);
      // First attempts would work for a minute, the retries take 200 ms.
      const plans = await startDecider(e, 4, 4, (attempt) => (attempt === 1 ? 60_000 : 200));
      await until('worker A to start all 4 tasks', () => e.swf.stats().startedActivityTasks === 4, 20_000);
      await sleep(300);
      const sentAt = Date.now();
      a.process.kill('SIGTERM');
      const exit = await a.exited;
      expect([exit.code, exit.signal]).toEqual([0, null]);
      // Grace, then one respond each, then the open polls (held up to POLL_TIMEOUT_MS): a few seconds at most.
      expect(exit.at - sentAt).toBeGreaterThanOrEqual(graceMs - 50);
      expect(exit.at - sentAt).toBeLessThan(graceMs + POLL_TIMEOUT_MS + 5000);
      expect(e.swf.stats().startedActivityTasks).toBe(0);

      await startWorker(e, 'worker-b');
      await allClosed(e, plans, 30_000);
      const tasks = await tasksOf(e, plans);
      for (const item of [...plans.values()].flat()) {
        const attempts = tasks.filter((t) => t.item === item);
        expect(attempts.map((t) => [t.startedBy, t.closedAs]), item).toEqual([
          ['worker-a', 'ActivityTaskFailed'],
          ['worker-b', 'ActivityTaskCompleted'],
        ]);
        expect(attempts[0]?.reason).toMatch(/^worker worker-a shut down before the task finished; retry it elsewhere/);
      }
      expect(await pendingActivityTasks(e)).toBe(0);
    },
    90_000,
  );

  it(
    'a second SIGTERM stops at once: no grace period, exit 1',
    async () => {
      const e = await setUp('reliability-second-signal');
      const a = await startWorker(e, 'worker-a', ['--max-concurrent', '2']);
      await startDecider(e, 2, 2, () => 60_000);
      await until('worker A to start both tasks', () => e.swf.stats().startedActivityTasks === 2, 20_000);
      a.process.kill('SIGTERM');
      await sleep(200);
      const sentAt = Date.now();
      a.process.kill('SIGTERM');
      const exit = await a.exited;
      expect([exit.code, exit.signal]).toEqual([1, null]);
      // Far inside the 25 s grace period the first signal started.
      expect(exit.at - sentAt).toBeLessThan(CLI_GRACE_MS / 3);
    },
    60_000,
  );
});
