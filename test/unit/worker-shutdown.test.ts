import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import type { ActivityAbortedError } from '../../src/activity/context.js';
import { SHUTDOWN_REPORT_WINDOW_MS, Worker, WorkerStateError, type TaskOutcome, type WorkerOptions, type WorkerState } from '../../src/worker/index.js';
import { definition, FakeClock, FakeSwf, gate, lookup, settle, until } from './worker-fake-swf.js';

const kinds: string[] = [];
let release = gate();

class Quick extends Activity {
  run(): string {
    return 'quick';
  }
}
/** Waits for `release`, ignoring the signal. */
class Stubborn extends Activity {
  async run(): Promise<string> {
    await release.promise;
    return 'stubborn done';
  }
}
/** Waits until its signal aborts, then throws its reason. */
class Obedient extends Activity {
  async run(): Promise<string> {
    if (!this.signal.aborted) await new Promise((resolve) => this.signal.addEventListener('abort', resolve, { once: true }));
    kinds.push((this.signal.reason as ActivityAbortedError).kind);
    throw this.signal.reason;
  }
}

const registry = lookup(definition('quick', '1', Quick), definition('stubborn', '1', Stubborn), definition('obedient', '1', Obedient));

function build(fake: FakeSwf, extra: Partial<WorkerOptions> = {}) {
  const outcomes: TaskOutcome[] = [];
  const worker = new Worker({
    client: fake.client,
    domain: 'dom',
    taskList: 'tl',
    registry,
    maxConcurrentPolls: 2,
    minEmptyPollMs: 0,
    metrics: { taskFinished: (_n, _v, outcome) => outcomes.push(outcome) },
    ...extra,
  });
  return { worker, outcomes };
}

describe('Worker shutdown', () => {
  it('runs and reports a task that arrives on a poll already open at shutdown, and starts no new poll', async () => {
    const fake = new FakeSwf();
    const { worker, outcomes } = build(fake);
    const done = worker.run();
    await until(() => fake.openPolls === 2, 'open polls');
    const shutdown = worker.shutdown();
    let shutDown = false;
    void shutdown.then(() => (shutDown = true));
    expect(worker.state).toBe('DRAINING');
    await settle(5);
    expect(shutDown).toBe(false); // open polls are waited for
    const task = fake.task('quick', '1');
    fake.push(task);
    await until(() => fake.callsOf('RespondActivityTaskCompleted').length === 1, 'the completion');
    expect(fake.callsOf('RespondActivityTaskCompleted')[0]?.taskToken).toBe(task.taskToken);
    await settle(5);
    expect(shutDown).toBe(false); // the other poll is still open
    fake.answerEmpty();
    await shutdown;
    await done;
    expect(worker.state).toBe('STOPPED');
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(2);
    expect(outcomes).toEqual(['completed']);
  });

  it('gives running tasks shutdownGraceMs, then aborts them with kind shutdown and fails them for retry', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    kinds.length = 0;
    const { worker, outcomes } = build(fake, { clock, shutdownGraceMs: 5_000, identity: 'w-1' });
    const done = worker.run();
    await until(() => fake.openPolls === 2);
    fake.push(fake.task('obedient', '1'));
    await until(() => worker.runningTasks === 1);
    const shutdown = worker.shutdown();
    fake.answerEmpty();
    await clock.advance(4_999);
    expect(kinds).toEqual([]);
    expect(fake.callsOf('RespondActivityTaskFailed')).toEqual([]);
    await clock.advance(1);
    await shutdown;
    await done;
    expect(kinds).toEqual(['shutdown']);
    const reason = fake.callsOf('RespondActivityTaskFailed')[0]?.reason as string;
    expect(reason).toMatch(/^worker w-1 shut down before the task finished; retry it elsewhere: ActivityAbortedError/);
    expect(outcomes).toEqual(['failed']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves shutdown at once when nothing runs, and ends the grace timer', async () => {
    const fake = new FakeSwf();
    fake.emptyWhenIdle = false;
    const clock = new FakeClock();
    const { worker } = build(fake, { clock });
    const done = worker.run();
    await until(() => fake.openPolls === 2);
    const shutdown = worker.shutdown();
    fake.answerEmpty();
    await shutdown;
    await done;
    expect(clock.pendingTimers).toBe(0);
  });

  it('is idempotent: every call returns the same promise', async () => {
    const fake = new FakeSwf();
    const { worker } = build(fake);
    const done = worker.run();
    await until(() => fake.openPolls === 2);
    const first = worker.shutdown();
    expect(worker.shutdown()).toBe(first);
    fake.answerEmpty();
    await first;
    expect(worker.shutdown()).toBe(first);
    await done;
    expect(worker.state).toBe('STOPPED');
  });

  it('stops at once when forced: open polls are abandoned, running tasks are not waited for', async () => {
    const fake = new FakeSwf();
    release = gate();
    const { worker } = build(fake, { shutdownGraceMs: 3_600_000 });
    const done = worker.run();
    await until(() => fake.openPolls === 2);
    fake.push(fake.task('stubborn', '1'));
    await until(() => worker.runningTasks === 1 && fake.openPolls === 2);
    const graceful = worker.shutdown();
    let stopped = false;
    void graceful.then(() => (stopped = true));
    await settle(5);
    expect(stopped).toBe(false);
    const forced = worker.shutdown({ force: true });
    expect(forced).toBe(graceful);
    await forced;
    await done;
    expect(worker.state).toBe('STOPPED');
    // The open polls were aborted (their abortSignal), and the task is still running, unreported.
    expect(fake.openPolls).toBe(0);
    expect(worker.runningTasks).toBe(1);
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(3);
    release.open();
    await until(() => worker.runningTasks === 0);
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(3);
  });

  it('ends the whole stop at shutdownGraceMs when only polls are open: they are abandoned', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const { worker } = build(fake, { clock, shutdownGraceMs: 5_000 });
    const done = worker.run();
    await until(() => fake.openPolls === 2);
    const shutdown = worker.shutdown();
    let stopped = false;
    void shutdown.then(() => (stopped = true));
    await clock.advance(4_999);
    await settle(5);
    expect(stopped).toBe(false);
    expect(fake.openPolls).toBe(2);
    await clock.advance(1);
    await shutdown;
    await done;
    expect(fake.openPolls).toBe(0);
    expect(worker.state).toBe('STOPPED');
    expect(clock.pendingTimers).toBe(0);
  });

  it('forces the stop SHUTDOWN_REPORT_WINDOW_MS after the grace when a task ignores its aborted signal', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    release = gate();
    const { worker, outcomes } = build(fake, { clock, shutdownGraceMs: 2_000 });
    const done = worker.run();
    await until(() => fake.openPolls === 2);
    fake.push(fake.task('stubborn', '1'));
    await until(() => worker.runningTasks === 1);
    const shutdown = worker.shutdown();
    let stopped = false;
    void shutdown.then(() => (stopped = true));
    await clock.advance(2_000);
    expect(fake.openPolls).toBe(0);
    await clock.advance(SHUTDOWN_REPORT_WINDOW_MS - 1);
    await settle(5);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await shutdown;
    await done;
    expect(worker.state).toBe('STOPPED');
    expect(worker.runningTasks).toBe(1); // left unreported
    expect(outcomes).toEqual([]);
    release.open();
    await until(() => worker.runningTasks === 0);
  });

  it('fails, without running it, a task that an open poll brings after a forced stop', async () => {
    const fake = new FakeSwf();
    const late = gate<ReturnType<FakeSwf['task']>>();
    fake.handlers.PollForActivityTask = () => late.promise;
    let ran = false;
    class Watch extends Activity {
      run(): void {
        ran = true;
      }
    }
    const worker = new Worker({ client: fake.client, domain: 'dom', taskList: 'tl', registry: lookup(definition('watch', '1', Watch)), maxConcurrentPolls: 1 });
    const done = worker.run();
    await until(() => fake.callsOf('PollForActivityTask').length === 1);
    await worker.shutdown({ force: true });
    await done;
    late.open(fake.task('watch', '1'));
    await until(() => fake.callsOf('RespondActivityTaskFailed').length === 1, 'the refusal');
    expect(ran).toBe(false);
    expect(fake.callsOf('RespondActivityTaskFailed')[0]?.reason).toMatch(/was force-stopped before it could run the task; retry it elsewhere$/);
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(1);
  });

  it('starts a task that a poll brings after the grace period (client ignoring the abort) with its signal already aborted (kind shutdown)', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    kinds.length = 0;
    const late = gate<ReturnType<FakeSwf['task']>>();
    fake.handlers.PollForActivityTask = () => late.promise;
    const { worker, outcomes } = build(fake, { clock, shutdownGraceMs: 1_000, maxConcurrentPolls: 1 });
    const done = worker.run();
    await until(() => fake.callsOf('PollForActivityTask').length === 1);
    const shutdown = worker.shutdown();
    await clock.advance(1_000);
    late.open(fake.task('obedient', '1'));
    await shutdown;
    await done;
    expect(kinds).toEqual(['shutdown']);
    expect(outcomes).toEqual(['failed']);
  });

  it('shutdown before run stops the worker; run then rejects', async () => {
    const fake = new FakeSwf();
    const { worker } = build(fake);
    await worker.shutdown();
    expect(worker.state).toBe('STOPPED');
    await expect(worker.run()).rejects.toBeInstanceOf(WorkerStateError);
    expect(fake.calls).toEqual([]);
  });
});

describe('Worker states and loop', () => {
  it('goes INITIALIZED → RUNNING → DRAINING → STOPPED and refuses a second run()', async () => {
    const fake = new FakeSwf();
    fake.emptyWhenIdle = true;
    const seen: WorkerState[] = [];
    const logger = {
      child: () => logger,
      isLevelEnabled: () => true,
      debug: () => {},
      info: (fields: { to?: WorkerState }) => {
        if (fields.to) seen.push(fields.to);
      },
      warn: () => {},
      error: () => {},
    };
    const { worker } = build(fake, { loop: 3, logger });
    expect(worker.state).toBe('INITIALIZED');
    const done = worker.run();
    expect(worker.state).toBe('RUNNING');
    await expect(worker.run()).rejects.toThrow(/run\(\) needs an INITIALIZED worker; this one is RUNNING/);
    await done;
    expect(seen).toEqual(['RUNNING', 'DRAINING', 'STOPPED']);
    await expect(worker.run()).rejects.toBeInstanceOf(WorkerStateError);
  });

  it('starts exactly `loop` polls, then stops once the tasks they brought are reported', async () => {
    const fake = new FakeSwf();
    fake.emptyWhenIdle = true;
    fake.push(fake.task('quick', '1'));
    const { worker, outcomes } = build(fake, { loop: 4, maxConcurrentPolls: 3 });
    await worker.run();
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(4);
    expect(outcomes).toEqual(['completed']);
  });

  it('with loop 0 polls nothing and stops', async () => {
    const fake = new FakeSwf();
    const { worker } = build(fake, { loop: 0 });
    await worker.run();
    expect(fake.calls).toEqual([]);
    expect(worker.state).toBe('STOPPED');
  });
});
