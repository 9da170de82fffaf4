import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { FlowySwfError } from '../../src/swf/errors.js';
import { Worker, type SwfOperation, type TaskOutcome, type WorkerOptions } from '../../src/worker/index.js';
import { definition, FakeClock, FakeSwf, lookup, recordingBackoff, settle, swfError, until } from './worker-fake-swf.js';

class Ok extends Activity {
  run(): string {
    return 'ok';
  }
}

function build(fake: FakeSwf, extra: Partial<WorkerOptions> = {}) {
  const outcomes: TaskOutcome[] = [];
  const retries: SwfOperation[] = [];
  const polls: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const worker = new Worker({
    client: fake.client,
    domain: 'dom',
    taskList: 'tl',
    registry: lookup(definition('ok', '1', Ok)),
    maxConcurrentPolls: 1,
    // The fake answers empty polls at once; the early-empty check has its own tests.
    minEmptyPollMs: 0,
    logger: pino({ level: 'info' }, stream),
    metrics: {
      taskFinished: (_n, _v, outcome) => outcomes.push(outcome),
      swfRetry: (op) => retries.push(op),
      poll: (outcome) => polls.push(outcome),
    },
    ...extra,
  });
  return { worker, outcomes, retries, polls, lines };
}

const econnreset = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('Worker retries', () => {
  it('backs off between failed polls with the worker\'s backoff and clock, then polls again', async () => {
    const fake = new FakeSwf();
    fake.failNext('PollForActivityTask', swfError('ThrottlingException'), swfError('InternalFailure', 500));
    fake.push(fake.task('ok', '1'));
    const clock = new FakeClock(true);
    const backoff = recordingBackoff();
    const { worker, polls, retries } = build(fake, { clock, backoff, loop: 3 });
    await worker.run();
    expect(backoff.attempts).toEqual([0, 1]);
    expect(clock.sleeps).toEqual([100, 200]);
    expect(polls).toEqual(['error', 'error', 'task']);
    expect(retries).toEqual(['PollForActivityTask', 'PollForActivityTask']);
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(1);
  });

  it('uses full jitter from the random option: random() * min(100 * 2^attempt, 20000)', async () => {
    const fake = new FakeSwf();
    fake.failNext('PollForActivityTask', ...Array.from({ length: 10 }, () => swfError('ThrottlingException')));
    fake.emptyWhenIdle = true;
    const clock = new FakeClock(true);
    const { worker } = build(fake, { clock, random: () => 0.5, loop: 11 });
    await worker.run();
    expect(clock.sleeps).toEqual([50, 100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
  });

  it('does not spin: after a poll error no poll starts until the backoff delay has passed', async () => {
    const fake = new FakeSwf();
    fake.failNext('PollForActivityTask', econnreset());
    fake.emptyWhenIdle = true;
    const clock = new FakeClock();
    const { worker } = build(fake, { clock, backoff: recordingBackoff(() => 1_000), loop: 2 });
    const done = worker.run();
    await settle(20);
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(1);
    await clock.advance(999);
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(1);
    await clock.advance(1);
    await done;
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(2);
  });

  it('logs and backs off non-transient poll errors; maxPollFaults in a row fail the worker', async () => {
    const fake = new FakeSwf();
    fake.failNext('PollForActivityTask', ...Array.from({ length: 5 }, () => swfError('UnknownResourceFault')));
    const clock = new FakeClock(true);
    const { worker, lines } = build(fake, { clock, backoff: recordingBackoff(() => 10), maxPollFaults: 3 });
    await expect(worker.run()).rejects.toThrow(/PollForActivityTask failed 3 times in a row .*UnknownResourceFault.*domain "dom"/);
    expect(worker.state).toBe('FAILED');
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(3);
    expect(clock.sleeps).toEqual([10, 10]);
    // One line for the streak (not one per fault, no stack), one when polling gives up.
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^PollForActivityTask: UnknownResourceFault: UnknownResourceFault from fake SWF; check the domain, task list and credentials/),
      'polling failed for good; draining running tasks, then FAILED',
    ]);
    expect(errors[0]).not.toHaveProperty('err');
    await expect(worker.shutdown()).resolves.toBeUndefined();
  });

  it('counts faults per poll, each backing off on its own: several open polls do not use up maxPollFaults at once', async () => {
    const fake = new FakeSwf();
    fake.handlers.PollForActivityTask = () => {
      throw swfError('UnknownResourceFault');
    };
    const clock = new FakeClock(true);
    const { worker } = build(fake, { clock, backoff: recordingBackoff(() => 10), maxPollFaults: 3, maxConcurrentPolls: 3 });
    await expect(worker.run()).rejects.toThrow(/PollForActivityTask failed 3 times in a row/);
    // One poll met 3 faults; the other two had met 2 each by then. Shared, 3 calls would have done it.
    expect(fake.callsOf('PollForActivityTask').length).toBeGreaterThanOrEqual(7);
  });

  it('counts only non-transient poll faults in a row: a good poll resets the count', async () => {
    const fake = new FakeSwf();
    const fault = () => swfError('AccessDeniedException');
    let n = 0;
    const script = [fault, fault, null, fault, fault, null];
    fake.handlers.PollForActivityTask = () => {
      const step = script[n++];
      if (step) throw step();
      return { taskToken: '' };
    };
    const { worker } = build(fake, { clock: new FakeClock(true), maxPollFaults: 3, loop: script.length });
    await worker.run();
    expect(worker.state).toBe('STOPPED');
  });

  it('retries a respond call after transient errors until it goes through', async () => {
    const fake = new FakeSwf();
    fake.failNext('RespondActivityTaskCompleted', swfError('ThrottlingException'), econnreset());
    fake.push(fake.task('ok', '1'));
    const clock = new FakeClock(true);
    const { worker, outcomes, retries } = build(fake, { clock, backoff: recordingBackoff(), loop: 1 });
    await worker.run();
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(3);
    expect(clock.sleeps).toEqual([100, 200]);
    expect(retries).toEqual(['RespondActivityTaskCompleted', 'RespondActivityTaskCompleted']);
    expect(outcomes).toEqual(['completed']);
  });

  it('takes UnknownResourceFault after a lost attempt as probably applied: logged at info, not a failure', async () => {
    const fake = new FakeSwf();
    fake.failNext('RespondActivityTaskCompleted', econnreset(), swfError('UnknownResourceFault'));
    fake.push(fake.task('ok', '1'));
    const { worker, outcomes, lines } = build(fake, { clock: new FakeClock(true), loop: 1 });
    await worker.run();
    expect(outcomes).toEqual(['completed']);
    const line = lines.find((l) => String(l.msg).includes('an earlier attempt went through'));
    expect(line?.level).toBe(30);
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('takes UnknownResourceFault on the first attempt as a timed-out task: warn, metric timed-out', async () => {
    const fake = new FakeSwf();
    fake.failNext('RespondActivityTaskCompleted', swfError('UnknownResourceFault'));
    fake.push(fake.task('ok', '1'));
    const { worker, outcomes, lines } = build(fake, { clock: new FakeClock(true), loop: 1 });
    await worker.run();
    expect(outcomes).toEqual(['timed-out']);
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(1);
    expect(lines.find((l) => String(l.msg).includes('timed out or was closed'))?.level).toBe(40);
  });

  it('fails the task when SWF refuses its result outright', async () => {
    const fake = new FakeSwf();
    fake.failNext('RespondActivityTaskCompleted', swfError('ValidationException'));
    fake.push(fake.task('ok', '1'));
    const { worker, outcomes } = build(fake, { clock: new FakeClock(true), loop: 1 });
    await worker.run();
    expect(fake.callsOf('RespondActivityTaskFailed')[0]?.reason).toMatch(/^SWF refused the result: ValidationException/);
    expect(outcomes).toEqual(['failed']);
  });

  it('never lets a rejection escape when every call fails', async () => {
    const fake = new FakeSwf();
    fake.failNext('RespondActivityTaskFailed', swfError('ValidationException'));
    fake.failNext('RespondActivityTaskCompleted', swfError('ValidationException'));
    fake.push(fake.task('ok', '1'));
    const throwing = { taskFinished: () => { throw new FlowySwfError('sink broke'); } };
    const { worker } = build(fake, { clock: new FakeClock(true), loop: 1, metrics: throwing });
    await worker.run();
    await until(() => worker.state === 'STOPPED');
    expect(fake.callsOf('RespondActivityTaskFailed')).toHaveLength(1);
  });
});
