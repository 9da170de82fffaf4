/**
 * The process executor's failures, exactly: a child that dies, runs out of memory, hangs or is
 * cancelled; worker shutdown; and no process of the tree left behind.
 */
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProcessExecutorOptions } from 'flowy-swf';
import { isRunning, readStat } from '../../src/executor/process-tree.js';
import { outcomeOf, requestCancel, scheduleActivities, startWorker, until, useEndpoint, type RunningWorker } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/executor/activities.ts', import.meta.url));
const NO_ACK_HOOK = fileURLToPath(new URL('../fixtures/executor/no-ack-hook.mjs', import.meta.url));
const suite = useEndpoint();

async function workerFor(processExecutor: ProcessExecutorOptions = {}, extra: { shutdownGraceMs?: number; autoHeartbeat?: boolean; maxConcurrentTasks?: number } = {}): Promise<{ domain: string; w: RunningWorker }> {
  const domain = await suite.env.newDomain();
  const w = await startWorker({
    client: suite.env.client,
    domain,
    taskList: 'exec',
    packages: [FIXTURES],
    processExecutor: { startTimeoutMs: 30_000, cancelGraceMs: 500, killGraceMs: 500, ...processExecutor },
    ...extra,
  });
  return { domain, w };
}

async function run(domain: string, activityId: string, name: string, args: unknown[] = []) {
  const execution = await scheduleActivities(suite.env.client, domain, [{ activityId, name, args, taskList: 'exec' }]);
  return { execution, outcome: () => outcomeOf(suite.env.client, execution, activityId) };
}

/** Child processes of this test process that run the executor's child entry, and their descendants. */
function executorChildren(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('child-main') && readStat(Number(name))?.ppid === process.pid) out.push(Number(name));
  }
  return out;
}

/** Processes that are zombies or still running among `pids`. */
function survivors(pids: number[]): string[] {
  return pids.flatMap((pid) => {
    const stat = readStat(pid);
    if (!stat) return [];
    return [`${pid} (state ${stat.state}, ppid ${stat.ppid})`];
  });
}

describe('process executor failures', () => {
  it('a child that exits or is killed mid-task fails it naming the code or signal and stderr; the pool replaces it', { timeout: 120_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const exit = await (await run(domain, 'exit', 'exec-crash', ['exit'])).outcome();
      expect(exit.eventType).toBe('ActivityTaskFailed');
      expect(exit.reason).toMatch(/^ChildProcessError: child process \d+ exited with code 3 while running the task/);
      expect(exit.details).toContain('about to crash: last words on stderr');
      const kill = await (await run(domain, 'kill', 'exec-crash', ['kill'])).outcome();
      expect(kill.reason).toMatch(/child process \d+ was killed by signal SIGKILL while running the task/);
      const after = await (await run(domain, 'after', 'exec-stream', [1])).outcome();
      expect(after.eventType).toBe('ActivityTaskCompleted');
    } finally {
      await w.stop();
    }
  });

  it('a child over its memory limit fails the task naming the limit: heap (V8) and resident memory (watch)', { timeout: 120_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const heap = await (await run(domain, 'heap', 'exec-heap-hog')).outcome();
      expect(heap.eventType).toBe('ActivityTaskFailed');
      expect(heap.reason).toMatch(/ran out of memory: its JavaScript heap reached the memory limit of 64 MB \(memoryLimitMb\)/);
      const rss = await (await run(domain, 'rss', 'exec-rss-hog')).outcome();
      expect(rss.eventType).toBe('ActivityTaskFailed');
      expect(rss.reason).toMatch(/grew by \d+ MB of resident memory since it started, over its memory limit of 96 MB \(memoryLimitMb, plus 64 MB of headroom\)/);
    } finally {
      await w.stop();
    }
  });

  it('a child that answers no ping fails its task as hung and is replaced', { timeout: 120_000 }, async () => {
    const { domain, w } = await workerFor({ unresponsiveTimeoutMs: 2_000, pingIntervalMs: 200 });
    try {
      const busy = await (await run(domain, 'busy', 'exec-busy', [120_000])).outcome();
      expect(busy.eventType).toBe('ActivityTaskFailed');
      expect(busy.reason).toMatch(/answered no ping for 2 s \(unresponsiveTimeoutMs\): it is hung/);
      expect((await (await run(domain, 'after', 'exec-stream', [1])).outcome()).eventType).toBe('ActivityTaskCompleted');
    } finally {
      await w.stop();
    }
  });

  it('auto-heartbeats cover a child only while it answers pings: a blocked child times out by heartbeat, a waiting one does not', { timeout: 120_000 }, async () => {
    const { domain, w } = await workerFor({ pingIntervalMs: 200, unresponsiveTimeoutMs: 60_000 }, { autoHeartbeat: true });
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [
        { activityId: 'blocked', name: 'exec-busy-hb', args: [14_000], taskList: 'exec' },
        { activityId: 'waiting', name: 'exec-quiet-hb', args: [10_000], taskList: 'exec' },
      ]);
      const waiting = await outcomeOf(suite.env.client, execution, 'waiting');
      expect(waiting).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '"quiet"' });
      const blocked = await outcomeOf(suite.env.client, execution, 'blocked');
      expect(blocked).toMatchObject({ eventType: 'ActivityTaskTimedOut', timeoutType: 'HEARTBEAT' });
    } finally {
      await w.stop();
    }
  });

  it('a child that hangs at start fails the task with the start timeout', { timeout: 120_000 }, async () => {
    const hang = 'data:text/javascript,Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)';
    const { domain, w } = await workerFor({ startTimeoutMs: 3_000, nodeArgs: ['--import', hang] });
    try {
      const o = await (await run(domain, 'never', 'exec-where', [1])).outcome();
      expect(o.eventType).toBe('ActivityTaskFailed');
      expect(o.reason).toMatch(/no child process to run the task: ChildStartError: child process did not become ready within 3000 ms \(startTimeoutMs\)/);
      expect(executorChildren()).toEqual([]);
    } finally {
      await w.stop();
    }
  });

  it('a child that never acknowledges its task fails it naming ackTimeoutMs; its tree is killed and the next task runs in a new child', { timeout: 120_000 }, async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'flowy-exec-test-')), 'no-ack.pid');
    const hook = `${pathToFileURL(NO_ACK_HOOK).href}?marker=${encodeURIComponent(marker)}`;
    const { domain, w } = await workerFor({ ackTimeoutMs: 3_000, nodeArgs: ['--import', hook] });
    try {
      const o = await (await run(domain, 'silent', 'exec-where', [1])).outcome();
      const silent = Number(readFileSync(marker, 'utf8'));
      expect(o.eventType).toBe('ActivityTaskFailed');
      expect(o.reason).toBe(`ChildProcessError: child process ${silent} did not acknowledge the task within 3 s (ackTimeoutMs)`);
      await until('the silent child to be killed', async () => !isRunning(silent), 10_000);
      const after = await (await run(domain, 'after', 'exec-heavy-loaded')).outcome();
      expect(after.eventType).toBe('ActivityTaskCompleted');
      expect((JSON.parse(after.result ?? '') as { pid: number }).pid).not.toBe(silent);
    } finally {
      await w.stop();
    }
  });

  it.each([false, true])(
    'cancel: the signal aborts, after the grace the tree gets SIGTERM (then SIGKILL when ignored: %s); reported canceled, no process left',
    { timeout: 120_000 },
    async (ignoreTerm) => {
      const dir = mkdtempSync(join(tmpdir(), 'flowy-exec-test-'));
      const pidFile = join(dir, 'pids.json');
      const { domain, w } = await workerFor();
      try {
        const { execution, outcome } = await run(domain, 'stubborn', 'exec-stubborn', [pidFile, ignoreTerm]);
        await until('the stubborn activity started', async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 60_000);
        const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { child: number; grandchild: number };
        expect(isRunning(pids.grandchild)).toBe(true);
        await requestCancel(suite.env.client, execution, 'stubborn');
        const o = await outcome();
        expect(o.eventType).toBe('ActivityTaskCanceled');
        await until('the tree is gone', async () => !isRunning(pids.child) && !isRunning(pids.grandchild), 10_000);
      } finally {
        await w.stop();
      }
    },
  );

  it('concurrencyPerChild 2: a task that ignores its cancel gets the shared child stopped; its sibling fails naming it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowy-exec-test-'));
    const files = { stubborn: join(dir, 'stubborn.json'), sibling: join(dir, 'sibling.json') };
    const { domain, w } = await workerFor({ concurrencyPerChild: 2 }, { maxConcurrentTasks: 2 });
    try {
      const execution = await scheduleActivities(
        suite.env.client,
        domain,
        (['stubborn', 'sibling'] as const).map((activityId) => ({ activityId, name: 'exec-stubborn', args: [files[activityId], false], taskList: 'exec' })),
      );
      const started = (f: string): boolean => existsSync(f) && readFileSync(f, 'utf8').length > 0;
      await until('both tasks started', async () => started(files.stubborn) && started(files.sibling), 60_000);
      const pids = Object.values(files).map((f) => JSON.parse(readFileSync(f, 'utf8')) as { child: number; grandchild: number });
      expect(pids[0]!.child).toBe(pids[1]!.child); // one child runs both
      await requestCancel(suite.env.client, execution, 'stubborn');
      expect(await outcomeOf(suite.env.client, execution, 'stubborn')).toMatchObject({ eventType: 'ActivityTaskCanceled' });
      const sibling = await outcomeOf(suite.env.client, execution, 'sibling');
      expect(sibling.eventType).toBe('ActivityTaskFailed');
      expect(sibling.reason).toMatch(new RegExp(`^ChildProcessError: child process ${pids[0]!.child} was stopped for another task it ran \\(activity stubborn; concurrencyPerChild 2\\)`));
      await until('the tree is gone', async () => pids.every((p) => !isRunning(p.child) && !isRunning(p.grandchild)), 10_000);
    } finally {
      await w.stop();
    }
  });

  it('a task that times out in SWF is stopped like a cancel: the next heartbeat learns it, the tree is killed, nothing is reported', { timeout: 120_000 }, async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'flowy-exec-test-')), 'pids.json');
    const { domain, w } = await workerFor();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [
        { activityId: 'late', name: 'exec-stubborn', args: [pidFile, true], taskList: 'exec', startToCloseTimeout: '4' },
        { activityId: 'suspended', name: 'exec-suspend', taskList: 'exec' },
      ]);
      await until('the stubborn activity started', async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 60_000);
      const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { child: number; grandchild: number };
      expect(await outcomeOf(suite.env.client, execution, 'late')).toMatchObject({ eventType: 'ActivityTaskTimedOut', timeoutType: 'START_TO_CLOSE' });
      await until('the tree is gone', async () => !isRunning(pids.child) && !isRunning(pids.grandchild), 15_000);
      await until('both tasks ended in the worker', async () => w.outcomes.length >= 2, 15_000);
      expect(w.outcomes).toEqual(
        expect.arrayContaining([
          { activityType: 'exec-stubborn', outcome: 'timed-out' },
          { activityType: 'exec-suspend', outcome: 'suspended' },
        ]),
      );
    } finally {
      await w.stop();
    }
  });

  it('worker shutdown: children get the grace, then their trees are killed; no zombie or orphan survives', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowy-exec-test-'));
    const pidFile = join(dir, 'pids.json');
    const { domain, w } = await workerFor({}, { shutdownGraceMs: 500 });
    const { outcome } = await run(domain, 'stubborn', 'exec-stubborn', [pidFile, true]);
    await run(domain, 'idle-maker', 'exec-stream', [1]).then((r) => r.outcome());
    await until('the stubborn activity started', async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 60_000);
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { child: number; grandchild: number };
    const children = executorChildren();
    expect(children.length).toBeGreaterThanOrEqual(2); // the stubborn one and the idle one
    await w.stop();
    const o = await outcome();
    expect(o.eventType).toBe('ActivityTaskFailed');
    expect(o.reason).toMatch(/shut down before the task finished/);
    await until('every process of the trees is gone', async () => survivors([...children, pids.child, pids.grandchild]).length === 0, 10_000).catch(() => {});
    expect(survivors([...children, pids.child, pids.grandchild])).toEqual([]);
    expect(executorChildren()).toEqual([]);
  });
});
