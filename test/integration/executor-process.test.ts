/**
 * The process executor end to end: a worker on the local endpoint, activities in pooled children,
 * outcomes read from the workflow history.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHostFunctions, type ActivityProgress } from 'flowy-swf';
import { CHILD_V8_FLAGS, PooledChild } from '../../src/executor/child-process.js';
import { isRunning, readStat } from '../../src/executor/process-tree.js';
import { captureLog, outcomeOf, requestCancel, scheduleActivities, startWorker, until, useEndpoint, type RunningWorker } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/executor/activities.ts', import.meta.url));
const LIGHT_FIXTURES = fileURLToPath(new URL('../fixtures/executor/light-activities.ts', import.meta.url));
const suite = useEndpoint();

const hostFunctions = createHostFunctions();
hostFunctions.register('test', 'double', (args) => (args as { n: number }).n * 2);
/** A barrier: answers each caller with the activity id it was called for, once three tasks wait in it. */
let gathering: { count: number; all: Promise<void>; release: () => void } | undefined;
function newGathering(): void {
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  gathering = { count: 0, all, release };
}
hostFunctions.register('test', 'gather', async (_args, { info }) => {
  const g = gathering!;
  if (++g.count === 3) g.release();
  await g.all;
  return info.activityId;
});


async function workerFor(
  extra: Record<string, unknown> = {},
): Promise<{ domain: string; w: RunningWorker; progress: ActivityProgress[]; counted: Map<string, number> }> {
  const domain = await suite.env.newDomain();
  const progress: ActivityProgress[] = [];
  const counted = new Map<string, number>();
  const w = await startWorker({
    client: suite.env.client,
    domain,
    taskList: 'exec',
    packages: [FIXTURES],
    hostFunctions,
    onProgress: (e) => progress.push(e),
    metrics: { progress: (name: string) => counted.set(name, (counted.get(name) ?? 0) + 1) },
    processExecutor: { startTimeoutMs: 30_000, idleTimeoutMs: 60_000, cancelGraceMs: 500, killGraceMs: 500, ...((extra.processExecutor as object) ?? {}) },
    ...extra,
  });
  return { domain, w, progress, counted };
}

describe('process executor', () => {
  it('runs an activity in a reused child: result, host functions, heartbeat, info and token reach it', { timeout: 90_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [
        { activityId: 'a', name: 'exec-where', args: [21], taskList: 'exec' },
      ]);
      const a = await outcomeOf(suite.env.client, execution, 'a');
      expect(a.eventType).toBe('ActivityTaskCompleted');
      const first = JSON.parse(a.result ?? '') as { pid: number; doubled: number; activityId: string; tokenLength: number; keepGoing: boolean };
      expect(first.pid).not.toBe(process.pid);
      expect(first).toMatchObject({ doubled: 42, activityId: 'a', keepGoing: true });
      expect(first.tokenLength).toBeGreaterThan(0);
      const again = await scheduleActivities(suite.env.client, domain, [{ activityId: 'b', name: 'exec-where', args: [1], taskList: 'exec' }]);
      const b = JSON.parse((await outcomeOf(suite.env.client, again, 'b')).result ?? '') as { pid: number };
      expect(b.pid).toBe(first.pid); // the pool reused the child
    } finally {
      await w.stop();
    }
  });

  it('starts a child with its memory limit, then the V8 flags every child gets, then nodeArgs (so nodeArgs can undo them)', { timeout: 60_000 }, async () => {
    expect(CHILD_V8_FLAGS).toEqual(['--no-lazy-feedback-allocation']);
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const child = await PooledChild.start({
      communicator: 'pipe',
      memoryLimitMb: 256,
      startTimeoutMs: 30_000,
      nodeArgs: ['--lazy-feedback-allocation', '--stack-size=900'],
      log: quiet,
      hostFunctions: () => undefined,
    });
    try {
      const args = child.process.spawnargs;
      const at = (flag: string): number => args.indexOf(flag);
      expect(at('--max-old-space-size=256')).toBeGreaterThan(0);
      expect(at('--no-lazy-feedback-allocation')).toBeGreaterThan(at('--max-old-space-size=256'));
      // V8 takes the last of two contrary flags: the user's comes later.
      expect(at('--lazy-feedback-allocation')).toBeGreaterThan(at('--no-lazy-feedback-allocation'));
      expect(at('--stack-size=900')).toBe(at('--lazy-feedback-allocation') + 1);
      expect(await child.peer.call('self', 'ping', null)).toMatchObject({ pid: child.pid });
    } finally {
      await child.peer.close();
      await child.exited;
    }
  });

  it('replaces a child after maxTasksPerChild tasks and stops one idle for idleTimeoutMs', { timeout: 90_000 }, async () => {
    const { domain, w } = await workerFor({ processExecutor: { maxTasksPerChild: 2, idleTimeoutMs: 500 } });
    try {
      const pids: number[] = [];
      for (const id of ['m1', 'm2', 'm3']) {
        const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: id, name: 'exec-where', args: [1], taskList: 'exec' }]);
        pids.push((JSON.parse((await outcomeOf(suite.env.client, execution, id)).result ?? '') as { pid: number }).pid);
      }
      expect(pids[1]).toBe(pids[0]); // reused while under maxTasksPerChild
      expect(pids[2]).not.toBe(pids[0]); // replaced after 2 tasks
      await until('the spent child to exit', async () => !isRunning(pids[0]!), 10_000);
      await until('the idle child to be stopped', async () => !isRunning(pids[2]!), 10_000);
    } finally {
      await w.stop();
    }
  });

  it('replaces a child whose resident memory grew past 75% of its memoryLimitMb once its task ends, and logs why', { timeout: 90_000 }, async () => {
    const log = captureLog('debug');
    // The watch of busy children (its own, higher ceiling) is kept out of the way: this is the pool's check after a task.
    const { domain, w } = await workerFor({ logger: log.logger, processExecutor: { pingIntervalMs: 60_000 } });
    try {
      const grow = async (id: string, mb: number): Promise<number> => {
        const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: id, name: 'exec-grow', args: [mb], taskList: 'exec' }]);
        const outcome = await outcomeOf(suite.env.client, execution, id);
        expect(outcome.eventType).toBe('ActivityTaskCompleted');
        return (JSON.parse(outcome.result ?? '') as { pid: number }).pid;
      };
      const first = await grow('g1', 32); // well under 75% of 256 MB: kept
      await sleep(1_100); // the pool reads a child's memory at most once a second
      expect(await grow('g2', 176)).toBe(first); // 208 MB kept now: over 192 MB, ends the child's service
      await until('the grown child to exit', async () => !isRunning(first), 10_000);
      expect(await grow('g3', 0)).not.toBe(first);
      const retired = log.lines.find((l) => l.msg === 'child process retired' && l.pid === first);
      expect(retired?.why).toMatch(/^its resident memory grew by \d+ MB since it started, over 75% of its 256 MB limit$/);
    } finally {
      await w.stop();
    }
  });

  it('streams yields as progress (inline and in a child): onProgress, heartbeat details, the return value is the result', { timeout: 90_000 }, async () => {
    const { domain, w, progress, counted } = await workerFor();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [
        { activityId: 's', name: 'exec-stream', args: [5], taskList: 'exec' },
        { activityId: 'i', name: 'exec-stream-inline', args: [3], taskList: 'exec' },
      ]);
      expect(await outcomeOf(suite.env.client, execution, 's')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '"counted to 5"' });
      expect(await outcomeOf(suite.env.client, execution, 'i')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '"counted to 3"' });
      const child = progress.filter((p) => p.activityId === 's');
      expect(child.map((p) => (p.value as { step: number }).step)).toEqual([1, 2, 3, 4, 5]);
      expect((child[0]!.value as { pid: number }).pid).not.toBe(process.pid);
      expect(JSON.parse(child[4]!.details)).toMatchObject({ step: 5, of: 5 });
      const inline = progress.filter((p) => p.activityId === 'i');
      expect(inline).toHaveLength(3);
      expect(inline[0]!.details.length).toBe(2_048);
      expect(counted).toEqual(new Map([['exec-stream', 5], ['exec-stream-inline', 3]]));
    } finally {
      await w.stop();
    }
  });

  it('fails with the child error boxed: type, message, stack and cause', { timeout: 90_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 't', name: 'exec-throw', taskList: 'exec' }]);
      const t = await outcomeOf(suite.env.client, execution, 't');
      expect(t.eventType).toBe('ActivityTaskFailed');
      expect(t.reason).toBe('RangeError: no such order');
      const details = JSON.parse(t.details ?? '') as { type: string; stack: string; cause: { type: string; message: string } };
      expect(details.type).toBe('RangeError');
      expect(details.stack).toMatch(/activities\.ts/);
      expect(details.cause).toMatchObject({ type: 'TypeError', message: 'the id was a number' });
    } finally {
      await w.stop();
    }
  });

  for (const perChild of [1, 3]) {
    it(`concurrencyPerChild ${perChild}: three tasks at once run in ${perChild === 1 ? 'three children' : 'one child'}, each host call reaches its own task`, { timeout: 90_000 }, async () => {
      newGathering();
      const { domain, w } = await workerFor({ maxConcurrentTasks: 3, maxConcurrentPolls: 3, processExecutor: { concurrencyPerChild: perChild } });
      try {
        const ids = ['x', 'y', 'z'];
        const execution = await scheduleActivities(suite.env.client, domain, ids.map((activityId) => ({ activityId, name: 'exec-together', taskList: 'exec' })));
        const results = [];
        for (const id of ids) {
          const outcome = await outcomeOf(suite.env.client, execution, id);
          expect(outcome.eventType).toBe('ActivityTaskCompleted');
          results.push(JSON.parse(outcome.result ?? '') as { pid: number; activityId: string; hostSaw: string; keepGoing: boolean });
        }
        for (const [i, r] of results.entries()) expect(r).toMatchObject({ activityId: ids[i], hostSaw: ids[i], keepGoing: true });
        expect(new Set(results.map((r) => r.pid)).size).toBe(perChild === 1 ? 3 : 1);
      } finally {
        await w.stop();
      }
    });
  }

  it('a child running a module that imports flowy-swf/activity loads none of the worker\'s heavy packages; one importing flowy-swf loads them', { timeout: 90_000 }, async () => {
    const heavyIn = async (packages: string[], name: string, taskList: string): Promise<{ pid: number; heavy: string[] }> => {
      const { domain, w } = await workerFor({ packages, taskList });
      try {
        const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'h', name, args: [], taskList }]);
        const outcome = await outcomeOf(suite.env.client, execution, 'h');
        expect(outcome.eventType).toBe('ActivityTaskCompleted');
        return JSON.parse(outcome.result ?? '') as { pid: number; heavy: string[] };
      } finally {
        await w.stop();
      }
    };
    const light = await heavyIn([LIGHT_FIXTURES], 'light-heavy-loaded', 'exec-light');
    const main = await heavyIn([FIXTURES], 'exec-heavy-loaded', 'exec');
    expect(light.pid).not.toBe(process.pid);
    expect(light.heavy).toEqual([]);
    // The check sees them when they are there: the main entry brings the worker's packages into the child.
    expect(main.heavy).toEqual(expect.arrayContaining(['fastify', 'undici', 'pino']));
  });
});
