import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { Worker } from '../../src/worker/index.js';
import { TokenBucket } from '../../src/worker/token-bucket.js';
import { definition, FakeClock, FakeSwf, gate, lookup, settle, until } from './worker-fake-swf.js';

describe('TokenBucket', () => {
  it('lets a burst through at once, then one call per 1/perSecond, first come first served', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    const order: number[] = [];
    const takes = Array.from({ length: 6 }, (_, i) => bucket.take().then(() => order.push(i)));
    await settle();
    expect(order).toEqual([0, 1, 2]);
    expect(bucket.waiting).toBe(3);
    await clock.advance(99);
    expect(order).toEqual([0, 1, 2]);
    await clock.advance(1);
    expect(order).toEqual([0, 1, 2, 3]);
    await clock.advance(200);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    await Promise.all(takes);
    expect(bucket.waiting).toBe(0);
  });

  it('an urgent take goes at once even when others wait, and its debt is waited out by later callers', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    await bucket.take();
    let waited = false;
    void bucket.take().then(() => (waited = true));
    await bucket.take(true);
    await settle();
    expect(waited).toBe(false);
    // One token owed by the urgent take, one for the waiter: 200 ms at 10 per second.
    await clock.advance(150);
    expect(waited).toBe(false);
    await clock.advance(60);
    expect(waited).toBe(true);
  });

  it('refills no higher than the burst', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(100, 2, clock);
    await clock.advance(60_000);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) void bucket.take().then(() => got.push(i));
    await settle();
    expect(got).toEqual([0, 1]);
  });
});

describe('Worker heartbeat budget', () => {
  it('holds the heartbeat calls of all tasks together to maxHeartbeatsPerSecond', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const release = gate();
    let beaten = 0;
    class Beat extends Activity {
      async run(): Promise<void> {
        await this.heartbeat('once');
        beaten++;
        await release.promise;
      }
    }
    const tasks = 20;
    for (let i = 0; i < tasks; i++) fake.push(fake.task('beat', '1', [[]]));
    const worker = new Worker({
      client: fake.client,
      domain: 'dom',
      taskList: 'tl',
      registry: lookup(definition('beat', '1', Beat)),
      maxConcurrentTasks: tasks,
      maxConcurrentPolls: tasks,
      loop: tasks,
      clock,
      maxHeartbeatsPerSecond: 5,
    });
    const done = worker.run();
    await until(() => worker.runningTasks === tasks, 'every task running');
    await settle();
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(5);
    await clock.advance(1_000);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(10);
    await clock.advance(2_000);
    expect(fake.callsOf('RecordActivityTaskHeartbeat')).toHaveLength(20);
    expect(beaten).toBe(20);
    release.open();
    await done;
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(tasks);
  });

  it('rejects a rate that is not a positive number', () => {
    const fake = new FakeSwf();
    const base = { client: fake.client, domain: 'dom', taskList: 'tl', registry: lookup() };
    expect(() => new Worker({ ...base, maxHeartbeatsPerSecond: 0 })).toThrow(/maxHeartbeatsPerSecond must be a number of calls per second > 0/);
    expect(() => new Worker({ ...base, maxHeartbeatsPerSecond: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe('TokenBucket lateness', () => {
  it('reports a caller that waited lateAfterMs or more, with how many still wait', async () => {
    const clock = new FakeClock();
    const late: Array<[number, number]> = [];
    const bucket = new TokenBucket(1, 1, clock, (waitedMs, waiting) => late.push([waitedMs, waiting]), 2_000);
    for (let i = 0; i < 4; i++) void bucket.take();
    await clock.advance(1_000);
    expect(late).toEqual([]);
    await clock.advance(1_000);
    expect(late).toEqual([[2_000, 1]]);
    await clock.advance(1_000);
    expect(late).toEqual([[2_000, 1], [3_000, 0]]);
  });
});

describe('a response due while a heartbeat waits for the budget', () => {
  it('sends that heartbeat at once and responds, instead of waiting behind other tasks', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const hold = gate();
    let phase = 'start';
    class Quick extends Activity {
      async run(): Promise<string> {
        // The budget (1 per second) is spent by the first task's heartbeat; this one waits in line.
        void this.heartbeat('late');
        phase = 'returned';
        return 'done';
      }
    }
    class Hog extends Activity {
      async run(): Promise<void> {
        await this.heartbeat('first');
        await hold.promise;
      }
    }
    fake.push(fake.task('hog', '1', [[]]));
    const worker = new Worker({
      client: fake.client,
      domain: 'dom',
      taskList: 'tl',
      registry: lookup(definition('hog', '1', Hog), definition('quick', '1', Quick)),
      maxConcurrentTasks: 2,
      maxConcurrentPolls: 2,
      loop: 2,
      clock,
      maxHeartbeatsPerSecond: 1,
    });
    const done = worker.run();
    await until(() => fake.callsOf('RecordActivityTaskHeartbeat').length === 1, 'the hog heartbeat');
    fake.push(fake.task('quick', '1', [[]]));
    await until(() => fake.callsOf('RespondActivityTaskCompleted').length === 1, 'the quick response, with no clock advance');
    expect(phase).toBe('returned');
    expect(fake.callsOf('RecordActivityTaskHeartbeat').map((c) => c.details)).toEqual(['first', 'late']);
    hold.open();
    await done;
  });
});
