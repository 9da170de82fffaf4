/**
 * Issue #8: the CLI worker's whole stop ends within its grace period plus half a second, open polls
 * included. The local endpoint holds an empty poll 60 s here, longer than any of these tests may take:
 * a worker that waited for its polls would not exit in time. Stop times are printed, not asserted.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeFlowyInput } from 'flowy-swf';
import { startCliWorker, useCliEnv, type CliEnv } from './cli-env.js';
import { activityTasks, Decider, fullHistory, until, type ChildWorker } from './harness.js';

const STUBBORN_DIR = fileURLToPath(new URL('./fixtures/stop/', import.meta.url));

type Env = CliEnv;

const setUp = useCliEnv(60_000);

function startWorker(e: Env, identity: string, extra: string[]): Promise<ChildWorker> {
  return startCliWorker(e, identity, ['--package', STUBBORN_DIR, ...extra], () => e.swf.stats().waitingPolls >= 5);
}

async function runStubborn(e: Env, count: number, ms: number, name = 'reliability-stubborn'): Promise<void> {
  const decider = new Decider({ client: e.client, domain: e.domain, activityType: { name, version: '1' }, input: () => encodeFlowyInput([ms]) });
  e.decider = decider;
  decider.start();
  await decider.startExecution(`${e.domain}-1`, Array.from({ length: count }, (_, i) => `item-${i}`));
  await until(`${count} started tasks`, () => e.swf.stats().startedActivityTasks >= count, 20_000);
}

describe('reliability: stopping a CLI worker', () => {
  it('idle, polls held 60 s: SIGTERM exits 0 after the grace period, the open polls abandoned', async () => {
    const e = await setUp('stop-idle');
    const w = await startWorker(e, 'idle', ['--shutdown-grace', '2']);
    const sentAt = Date.now();
    w.process.kill('SIGTERM');
    const exit = await w.exited;
    console.log(`[stop] idle, --shutdown-grace 2: exit ${exit.code} after ${exit.at - sentAt} ms`);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(w.stderr()).not.toMatch(/not reported/);
  });

  it('tasks that honour their signal: exit 0 at the grace period, each task failed for retry, none left', async () => {
    const e = await setUp('stop-obedient');
    const w = await startWorker(e, 'obedient', ['--shutdown-grace', '2']);
    await runStubborn(e, 3, 120_000, 'reliability-sleep');
    const sentAt = Date.now();
    w.process.kill('SIGTERM');
    const exit = await w.exited;
    console.log(`[stop] 3 running tasks that honour their signal, --shutdown-grace 2: exit ${exit.code} after ${exit.at - sentAt} ms`);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(w.stderr()).not.toMatch(/not reported/);
    const execution = { workflowId: `${e.domain}-1`, runId: e.decider!.runIds.get(`${e.domain}-1`)! };
    const failed = async () => activityTasks(await fullHistory(e.client, e.domain, execution)).filter((t) => t.closedAs === 'ActivityTaskFailed');
    await until('the three failures in history', async () => (await failed()).length >= 3, 10_000);
    for (const t of await failed()) expect(t.reason).toMatch(/^worker obedient shut down before the task finished; retry it elsewhere/);
  });

  it('tasks that ignore their aborted signal: exit 1 after the grace period, naming how many were not reported', async () => {
    const e = await setUp('stop-stubborn');
    const w = await startWorker(e, 'stubborn', ['--shutdown-grace', '2']);
    await runStubborn(e, 3, 120_000);
    const sentAt = Date.now();
    w.process.kill('SIGTERM');
    const exit = await w.exited;
    console.log(`[stop] 3 tasks ignoring their signal, --shutdown-grace 2: exit ${exit.code} after ${exit.at - sentAt} ms`);
    expect(exit.code).toBe(1);
    expect(w.stderr()).toMatch(/the shutdown grace period \(2000 ms\) ran out and the tasks did not end when their signal was aborted: 3 task\(s\) it was running were not reported/);
  });

  it('a second signal stops at once: exit 1 with the real count of unreported tasks', async () => {
    const e = await setUp('stop-second');
    const w = await startWorker(e, 'second', ['--shutdown-grace', '60', '--log-level', 'info']);
    await runStubborn(e, 2, 120_000);
    const sentAt = Date.now();
    w.process.kill('SIGINT');
    await until('the first signal to be handled', () => /shutting down/.test(w.stderr()) || !w.alive(), 10_000);
    w.process.kill('SIGINT');
    const exit = await w.exited;
    console.log(`[stop] 2 running tasks, second SIGINT: exit ${exit.code} after ${exit.at - sentAt} ms`);
    expect(exit.code).toBe(1);
    expect(w.stderr()).toMatch(/stopped at once by a second SIGINT: 2 task\(s\) it was running were not reported/);
  });

  it('a second signal with no task running is a clean stop: exit 0', async () => {
    const e = await setUp('stop-second-idle');
    const w = await startWorker(e, 'second-idle', ['--shutdown-grace', '60', '--log-level', 'info']);
    const sentAt = Date.now();
    w.process.kill('SIGINT');
    await until('the first signal to be handled', () => /shutting down/.test(w.stderr()) || !w.alive(), 10_000);
    w.process.kill('SIGINT');
    const exit = await w.exited;
    console.log(`[stop] idle, second SIGINT: exit ${exit.code} after ${exit.at - sentAt} ms`);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(w.stderr()).toMatch(/no task was running, nothing is lost/);
  });
});
