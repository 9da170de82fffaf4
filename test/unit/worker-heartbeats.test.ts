import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { ActivityAbortedError } from '../../src/activity/context.js';
import { LimitError } from '../../src/swf/errors.js';
import { HeartbeatCoalescer } from '../../src/worker/heartbeats.js';
import { HEARTBEAT_MAX_ATTEMPTS, Worker, type TaskOutcome, type WorkerOptions } from '../../src/worker/index.js';
import { definition, FakeClock, FakeSwf, gate, lookup, settle, swfError, until } from './worker-fake-swf.js';

describe('HeartbeatCoalescer', () => {
  function gatedSender() {
    const sent: Array<string | undefined> = [];
    const answers: Array<(keepGoing: boolean) => void> = [];
    const send = (details: string | undefined): Promise<boolean> => {
      sent.push(details);
      return new Promise((resolve) => answers.push(resolve));
    };
    return { sent, answers, send };
  }

  it('keeps one call in flight and merges the calls made meanwhile into one follow-up with the newest details', async () => {
    const clock = new FakeClock();
    const { sent, answers, send } = gatedSender();
    const hb = new HeartbeatCoalescer(send, clock, 0);
    const first = hb.request('1');
    let firstSettled = false;
    void first.then(() => (firstSettled = true));
    await settle();
    // The calls made while one is in flight do not wait for it: they answer what is known.
    expect(await Promise.all([hb.request('2'), hb.request('3'), hb.request('4')])).toEqual([true, true, true]);
    expect(sent).toEqual(['1']);
    expect(firstSettled).toBe(false);
    answers[0]!(true);
    await until(() => sent.length === 2, 'the follow-up call');
    expect(sent).toEqual(['1', '4']);
    expect(await first).toBe(true);
    answers[1]!(false);
    await settle();
    // Once SWF said stop, every later request answers false without a call.
    expect(await hb.request('5')).toBe(false);
    await settle();
    expect(sent).toHaveLength(2);
  });

  it('throttles: calls within intervalMs of the last call are sent as one when the window opens', async () => {
    const clock = new FakeClock();
    const sent: Array<string | undefined> = [];
    const hb = new HeartbeatCoalescer(async (d) => (sent.push(d), true), clock, 1_000);
    expect(await hb.request('a')).toBe(true);
    await clock.advance(100);
    // Throttled requests answer at once; the activity is not slowed down by the throttle.
    expect(await hb.request('b')).toBe(true);
    await clock.advance(400);
    expect(await hb.request('c')).toBe(true);
    await clock.advance(499);
    expect(sent).toEqual(['a']);
    await clock.advance(1);
    expect(sent).toEqual(['a', 'c']);
    await clock.advance(5_000);
    expect(await hb.request('d')).toBe(true);
    expect(sent).toEqual(['a', 'c', 'd']);
  });

  it('flush sends a throttled call at once and waits for it', async () => {
    const clock = new FakeClock();
    const sent: Array<string | undefined> = [];
    const hb = new HeartbeatCoalescer(async (d) => (sent.push(d), true), clock, 60_000);
    await hb.request('a');
    const b = hb.request('b');
    await settle();
    expect(sent).toEqual(['a']);
    await hb.flush();
    expect(sent).toEqual(['a', 'b']);
    expect(await b).toBe(true);
  });

  it('close resolves what is pending with false and sends nothing more', async () => {
    const clock = new FakeClock();
    const sent: Array<string | undefined> = [];
    const hb = new HeartbeatCoalescer(async (d) => (sent.push(d), true), clock, 60_000);
    await hb.request('a');
    expect(await hb.request('b')).toBe(true);
    hb.close();
    expect(await hb.request('c')).toBe(false);
    await clock.advance(120_000);
    expect(sent).toEqual(['a']);
  });
});

/** Runs one task of `activityClass` on a worker; returns the worker's run promise and what it reported. */
function startOne(fake: FakeSwf, activityClass: new () => Activity, extra: Partial<WorkerOptions> = {}, heartbeatTimeout = 'NONE') {
  const task = fake.task('act', '1', [[]]);
  fake.push(task);
  const outcomes: TaskOutcome[] = [];
  const heartbeats: string[] = [];
  const worker = new Worker({
    client: fake.client,
    domain: 'dom',
    taskList: 'tl',
    registry: lookup(definition('act', '1', activityClass, heartbeatTimeout)),
    loop: 1,
    heartbeatIntervalMs: 0,
    metrics: { taskFinished: (_n, _v, outcome) => outcomes.push(outcome), heartbeat: (o) => heartbeats.push(o) },
    ...extra,
  });
  return { task, outcomes, heartbeats, worker, done: worker.run() };
}

describe('Worker heartbeats', () => {
  it('on cancel: heartbeat resolves false, the signal aborts with kind cancelled, and the task is reported canceled', async () => {
    const fake = new FakeSwf();
    let calls = 0;
    fake.handlers.RecordActivityTaskHeartbeat = () => ({ cancelRequested: ++calls >= 2 });
    const seen: unknown[] = [];
    class Loop extends Activity {
      async run(): Promise<string> {
        for (let i = 0; i < 10; i++) {
          const keepGoing = await this.heartbeat({ step: i });
          seen.push(keepGoing);
          if (!keepGoing) {
            seen.push((this.signal.reason as ActivityAbortedError).kind);
            this.signal.throwIfAborted();
          }
        }
        return 'finished';
      }
    }
    const { done, outcomes, heartbeats, task } = startOne(fake, Loop);
    await done;
    expect(seen).toEqual([true, false, 'cancelled']);
    expect(fake.callsOf('RecordActivityTaskHeartbeat').map((c) => c.details)).toEqual(['{"step":0}', '{"step":1}']);
    const [canceled] = fake.callsOf('RespondActivityTaskCanceled');
    expect(canceled?.taskToken).toBe(task.taskToken);
    expect(JSON.parse(canceled?.details)).toMatchObject({ type: 'ActivityAbortedError' });
    expect(fake.callsOf('RespondActivityTaskCompleted')).toEqual([]);
    expect(outcomes).toEqual(['canceled']);
    expect(heartbeats).toEqual(['ok', 'cancel-requested']);
  });

  it('when the task is closed: heartbeat resolves false, the signal aborts with kind closed, nothing is reported', async () => {
    const fake = new FakeSwf();
    fake.failNext('RecordActivityTaskHeartbeat', swfError('UnknownResourceFault'));
    let kind: string | undefined;
    class Stops extends Activity {
      async run(): Promise<string> {
        if (!(await this.heartbeat())) {
          kind = (this.signal.reason as ActivityAbortedError).kind;
          throw new Error('stopping');
        }
        return 'went on';
      }
    }
    const { done, outcomes } = startOne(fake, Stops);
    await done;
    expect(kind).toBe('closed');
    expect(fake.calls.map((c) => c.op)).toEqual(['PollForActivityTask', 'RecordActivityTaskHeartbeat']);
    expect(outcomes).toEqual(['timed-out']);
  });

  it('rejects details over 2,048 characters with a LimitError to the activity', async () => {
    const fake = new FakeSwf();
    class Chatty extends Activity {
      async run(): Promise<string> {
        try {
          await this.heartbeat('x'.repeat(3_000));
          return 'sent';
        } catch (error) {
          return `${(error as Error).name} ${error instanceof LimitError} ${(error as Error).message}`;
        }
      }
    }
    const { done } = startOne(fake, Chatty);
    await done;
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toEqual([]);
    const result = JSON.parse(fake.callsOf('RespondActivityTaskCompleted')[0]?.result);
    expect(result).toMatch(/^LimitError true heartbeat details is 3,000 characters; SWF allows 2,048/);
  });

  it('retries transient heartbeat errors a bounded number of times, then tells the activity to go on', async () => {
    const fake = new FakeSwf();
    for (let i = 0; i < HEARTBEAT_MAX_ATTEMPTS + 1; i++) fake.failNext('RecordActivityTaskHeartbeat', swfError('ThrottlingException'));
    const answers: boolean[] = [];
    class Patient extends Activity {
      async run(): Promise<void> {
        answers.push(await this.heartbeat('1'));
        answers.push(await this.heartbeat('2'));
      }
    }
    const clock = new FakeClock(true);
    const { done, heartbeats } = startOne(fake, Patient, { clock });
    await done;
    expect(answers).toEqual([true, true]);
    // First heartbeat: every attempt failed; second: its first attempt failed, the retry went through.
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(HEARTBEAT_MAX_ATTEMPTS + 2);
    expect(heartbeats).toEqual(['error', 'ok']);
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(1);
  });

  it('waits for the heartbeat in flight before the final response', async () => {
    const fake = new FakeSwf();
    const answer = gate<{ cancelRequested: boolean }>();
    fake.handlers.RecordActivityTaskHeartbeat = () => answer.promise;
    class FireAndForget extends Activity {
      run(): string {
        void this.heartbeat('last words');
        return 'done';
      }
    }
    const { done } = startOne(fake, FireAndForget);
    await until(() => fake.callsOf('RecordActivityTaskHeartbeat').length === 1, 'the heartbeat');
    await settle();
    expect(fake.callsOf('RespondActivityTaskCompleted')).toEqual([]);
    answer.open({ cancelRequested: false });
    await done;
    expect(fake.calls.map((c) => c.op)).toEqual(['PollForActivityTask', 'RecordActivityTaskHeartbeat', 'RespondActivityTaskCompleted']);
  });

  it('with autoHeartbeat, heartbeats every third of the heartbeat timeout for an activity that does not', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const release = gate();
    class Silent extends Activity {
      async run(): Promise<void> {
        await release.promise;
      }
    }
    // random near 1: the first auto-heartbeat falls at the end of its first period.
    const { done } = startOne(fake, Silent, { clock, autoHeartbeat: true, random: () => 1 - 1e-9 }, '30');
    await until(() => fake.callsOf('PollForActivityTask').length === 1, 'the poll');
    await clock.advance(9_999);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(0);
    await clock.advance(1);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(1);
    await clock.advance(10_000);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(2);
    release.open();
    await done;
    await clock.advance(60_000);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('with autoHeartbeat, puts the first heartbeat at a random point of the first period, so tasks started together spread out', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const release = gate();
    class Silent extends Activity {
      async run(): Promise<void> {
        await release.promise;
      }
    }
    const { done } = startOne(fake, Silent, { clock, autoHeartbeat: true, random: () => 0.25 }, '30');
    await until(() => fake.callsOf('PollForActivityTask').length === 1, 'the poll');
    await clock.advance(2_499);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(0);
    await clock.advance(1);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(1);
    // Then every third of the timeout.
    await clock.advance(9_999);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(1);
    await clock.advance(1);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(2);
    release.open();
    await done;
  });

  it('with autoHeartbeat, leaves alone an activity that heartbeats itself, and aborts the signal on cancel', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    let beats = 0;
    fake.handlers.RecordActivityTaskHeartbeat = () => ({ cancelRequested: ++beats >= 3 });
    const ownBeat = gate();
    class SelfReporting extends Activity {
      async run(): Promise<void> {
        await ownBeat.promise;
        await this.heartbeat('mine');
        await new Promise((resolve) => this.signal.addEventListener('abort', resolve));
        this.signal.throwIfAborted();
      }
    }
    const { done, outcomes } = startOne(fake, SelfReporting, { clock, autoHeartbeat: true, random: () => 1 - 1e-9 }, '30');
    await until(() => fake.callsOf('PollForActivityTask').length === 1, 'the poll');
    await clock.advance(9_000);
    ownBeat.open();
    await until(() => beats === 1, 'the activity\'s heartbeat');
    await clock.advance(1_000); // the auto tick at 10 s: the activity heartbeated 1 s ago
    expect(beats).toBe(1);
    await clock.advance(10_000); // tick at 20 s: 11 s since the last one
    expect(fake.callsOf('RecordActivityTaskHeartbeat').map((c) => c.details)).toEqual(['mine', 'mine']);
    await clock.advance(10_000); // tick at 30 s: SWF asks to cancel
    await done;
    expect(beats).toBe(3);
    expect(outcomes).toEqual(['canceled']);
    expect(fake.callsOf('RespondActivityTaskCanceled')).toHaveLength(1);
  });

  it('without autoHeartbeat, never heartbeats on its own', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const release = gate();
    class Silent extends Activity {
      async run(): Promise<void> {
        await release.promise;
      }
    }
    const { done } = startOne(fake, Silent, { clock }, '30');
    await until(() => fake.callsOf('PollForActivityTask').length === 1, 'the poll');
    await clock.advance(120_000);
    release.open();
    await done;
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(0);
  });

  it('throttles one task\'s heartbeats without pacing the activity; the newest details are flushed before the response', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const results: boolean[] = [];
    const go = gate();
    class Tight extends Activity {
      async run(): Promise<void> {
        results.push(await this.heartbeat(0));
        const burst = [1, 2, 3].map((i) => this.heartbeat(i));
        go.open();
        results.push(...(await Promise.all(burst)));
      }
    }
    const { done } = startOne(fake, Tight, { clock, heartbeatIntervalMs: 5_000 });
    await go.promise;
    // No clock advance: the burst resolves at once, run returns, and the flush sends the newest details.
    await done;
    expect(fake.callsOf('RecordActivityTaskHeartbeat').map((c) => c.details)).toEqual(['0', '3']);
    expect(results).toEqual([true, true, true, true]);
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(1);
  });
});

describe('a tight heartbeat loop', () => {
  it('does not starve the event loop: the cancel answer still arrives and ends the loop', async () => {
    const fake = new FakeSwf();
    let beats = 0;
    class Spinner extends Activity {
      async run(): Promise<number> {
        // No await on anything but heartbeat: only heartbeat's own promise lets the event loop turn.
        while (await this.heartbeat(beats)) beats++;
        throw this.signal.reason;
      }
    }
    let calls = 0;
    // The first call says go on; the throttled follow-up, sent only when a real timer fires, says cancel.
    fake.handlers.RecordActivityTaskHeartbeat = () => ({ cancelRequested: ++calls >= 2 });
    const { done, outcomes } = startOne(fake, Spinner, { heartbeatIntervalMs: 50 });
    await done;
    expect(outcomes).toEqual(['canceled']);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(2);
    expect(fake.callsOf('RespondActivityTaskCanceled')).toHaveLength(1);
    expect(beats).toBeGreaterThan(1);
  });
});
