import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { Worker } from '../../src/worker/index.js';
import { definition, FakeSwf, gate, lookup, settle, until } from './worker-fake-swf.js';

describe('Worker slots and polls', () => {
  it('never runs more tasks, or holds more polls plus tasks, than maxConcurrentTasks', async () => {
    const fake = new FakeSwf();
    const capacity = 4;
    let active = 0;
    let maxActive = 0;
    let maxHeld = 0;
    let n = 0;
    class Busy extends Activity {
      async run(): Promise<number> {
        active++;
        maxActive = Math.max(maxActive, active);
        maxHeld = Math.max(maxHeld, active + fake.openPolls);
        await settle(1 + (n++ % 4));
        maxHeld = Math.max(maxHeld, active + fake.openPolls);
        active--;
        return n;
      }
    }
    const total = 60;
    const slotsSeen: number[] = [];
    // The worker captures its client's send when built: the check goes in the client it is given.
    let pollsChecked = 0;
    const client = {
      send: (command: { constructor: { name: string } }, options?: { abortSignal?: AbortSignal }) => {
        if (command.constructor.name === 'PollForActivityTaskCommand') {
          pollsChecked++;
          maxHeld = Math.max(maxHeld, active + fake.openPolls + 1);
        }
        return fake.send(command as Parameters<typeof fake.send>[0], options);
      },
    } as unknown as typeof fake.client;
    const worker = new Worker({
      client,
      domain: 'dom',
      taskList: 'tl',
      registry: lookup(definition('busy', '1', Busy)),
      maxConcurrentTasks: capacity,
      maxConcurrentPolls: 3,
      loop: total,
      metrics: { slotsInUse: (k) => slotsSeen.push(k) },
    });
    const done = worker.run();
    // Tasks trickle in, so polls stay open while others run.
    for (let i = 0; i < total; i++) {
      await until(() => fake.openPolls > 0, 'an open poll');
      fake.push(fake.task('busy', '1'));
      await settle(1);
    }
    await done;
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(total);
    expect(pollsChecked).toBe(fake.callsOf('PollForActivityTask').length);
    expect(pollsChecked).toBeGreaterThanOrEqual(total);
    expect(maxActive).toBeLessThanOrEqual(capacity);
    expect(maxActive).toBeGreaterThan(1);
    expect(maxHeld).toBeLessThanOrEqual(capacity);
    expect(Math.max(...slotsSeen)).toBeLessThanOrEqual(capacity);
    expect(slotsSeen.at(-1)).toBe(0);
  });

  it('keeps maxConcurrentPolls long polls open while slots are free', async () => {
    const fake = new FakeSwf();
    const release = gate();
    class Held extends Activity {
      async run(): Promise<void> {
        await release.promise;
      }
    }
    const worker = new Worker({
      client: fake.client,
      domain: 'dom',
      taskList: 'tl',
      registry: lookup(definition('held', '1', Held)),
      maxConcurrentTasks: 10,
      maxConcurrentPolls: 4,
    });
    const done = worker.run();
    await until(() => fake.openPolls === 4, '4 open polls');
    fake.push(fake.task('held', '1'));
    await until(() => fake.callsOf('PollForActivityTask').length === 5, 'a fifth poll');
    expect(fake.openPolls).toBe(4);
    expect(worker.runningTasks).toBe(1);
    await settle(10);
    expect(fake.openPolls).toBe(4);
    const shutdown = worker.shutdown();
    fake.answerEmpty();
    release.open();
    await shutdown;
    await done;
  });

  it('opens no more polls than free slots, and polls again when a slot frees', async () => {
    const fake = new FakeSwf();
    const release = [gate(), gate()];
    let i = 0;
    class Held extends Activity {
      async run(): Promise<void> {
        await release[i++]!.promise;
      }
    }
    const worker = new Worker({
      client: fake.client,
      domain: 'dom',
      taskList: 'tl',
      registry: lookup(definition('held', '1', Held)),
      maxConcurrentTasks: 2,
      maxConcurrentPolls: 2,
    });
    const done = worker.run();
    await until(() => fake.openPolls === 2, '2 open polls');
    fake.push(fake.task('held', '1'));
    await until(() => worker.runningTasks === 1);
    await settle(10);
    expect(fake.openPolls).toBe(1);
    fake.push(fake.task('held', '1'));
    await until(() => worker.runningTasks === 2);
    await settle(10);
    expect(fake.openPolls).toBe(0);
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(2);
    release[0]!.open();
    await until(() => fake.openPolls === 1, 'a poll in the freed slot');
    expect(fake.callsOf('PollForActivityTask')).toHaveLength(3);
    const shutdown = worker.shutdown();
    fake.answerEmpty();
    release[1]!.open();
    await shutdown;
    await done;
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(2);
  });
});
