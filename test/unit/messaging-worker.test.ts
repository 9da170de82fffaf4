/** The worker gives every task an invocation id and a messaging port, and tells the router when it runs and ends. */
import { describe, expect, it } from 'vitest';
import { Activity, activityInfo } from '../../src/activity/index.js';
import { InProcessRouter, receiveMessage, sendMessage, type MessageRouter } from '../../src/messaging/index.js';
import { Worker } from '../../src/worker/index.js';
import { definition, FakeSwf, gate, lookup, until } from './worker-fake-swf.js';

const parentStarted = { current: gate<string>() };

class Parent extends Activity {
  async run(): Promise<unknown> {
    parentStarted.current.open(this.info.invocationId);
    const message = await receiveMessage<{ pct: number }>('progress', { timeoutSeconds: 30 });
    return { me: activityInfo().invocationId, same: activityInfo().invocationId === this.info.invocationId, message };
  }
}

class Child extends Activity {
  async run(parent: string): Promise<unknown> {
    await sendMessage(parent, 'progress', { pct: 100 });
    const code = await this.sendMessage(parent, 'progress', 'again?', { addresseeTimeoutSeconds: 5 }).catch((e: { code: string }) => e.code);
    return { me: this.info.invocationId, code };
  }
}

const registry = lookup(definition('parent', '1', Parent), definition('child', '1', Child));

function worker(fake: FakeSwf, messaging: MessageRouter | undefined, loop: number): Worker {
  return new Worker({ client: fake.client, domain: 'dom', taskList: 'tl', registry, loop, ...(messaging ? { messaging } : {}) });
}

function completions(fake: FakeSwf): Record<string, any>[] {
  return fake.callsOf('RespondActivityTaskCompleted').map((c) => JSON.parse(c.result as string) as Record<string, any>);
}

describe('worker messaging', () => {
  it('gives each task its own invocation id and lets running tasks message each other', async () => {
    parentStarted.current = gate<string>();
    const router = new InProcessRouter();
    const fake = new FakeSwf();
    const w = worker(fake, router, 2);
    const running = w.run();
    fake.push(fake.task('parent', '1', [[]]));
    const parentId = await parentStarted.current.promise;
    expect(router.status(parentId)).toBe('running');
    fake.push(fake.task('child', '1', [[parentId]]));
    await running;
    const [first, second] = completions(fake);
    const parent = [first, second].find((r) => r?.message)!;
    const child = [first, second].find((r) => r?.code)!;
    expect(parent).toMatchObject({ me: parentId, same: true, message: { from: child.me, addressee: 'progress', data: { pct: 100 } } });
    expect(child.me).not.toBe(parentId);
    // The parent returned after one message: the child's second send, waiting for a receiver, failed then.
    expect(child.code).toBe('INVOCATION_FINISHED');
    expect(router.status(parentId)).toBe('finished');
    expect(router.status(child.me)).toBe('finished');
  });

  it('runs the task even when the router fails to register it', async () => {
    parentStarted.current = gate<string>();
    const broken: MessageRouter = {
      kind: 'broken',
      register: () => Promise.reject(new Error('Redis is down')),
      finish: () => Promise.reject(new Error('Redis is down')),
      send: () => Promise.reject(new Error('unused')),
      receive: () => Promise.reject(new Error('unused')),
      close: () => Promise.resolve(),
    };
    class Plain extends Activity {
      run(): string {
        return this.info.invocationId;
      }
    }
    const fake = new FakeSwf();
    const w = new Worker({ client: fake.client, domain: 'dom', taskList: 'tl', registry: lookup(definition('plain', '1', Plain)), loop: 1, messaging: broken });
    fake.push(fake.task('plain', '1', [[]]));
    await w.run();
    expect(completions(fake)[0]).toMatch(/^inv-/);
  });

  it('refuses a messaging option that is not a router', () => {
    const fake = new FakeSwf();
    expect(() => worker(fake, { kind: 'x' } as unknown as MessageRouter, 1)).toThrow(/messaging must be a MessageRouter.*register/);
  });

  it('uses the process-wide in-process router by default', async () => {
    parentStarted.current = gate<string>();
    const fake = new FakeSwf();
    const a = worker(fake, undefined, 1);
    const other = new FakeSwf();
    const b = worker(other, undefined, 1);
    const runs = [a.run(), b.run()];
    fake.push(fake.task('parent', '1', [[]]));
    const parentId = await parentStarted.current.promise;
    other.push(other.task('child', '1', [[parentId]]));
    await Promise.all(runs);
    await until(() => completions(fake).length === 1);
    expect(completions(fake)[0]).toMatchObject({ message: { data: { pct: 100 } } });
  });
});
