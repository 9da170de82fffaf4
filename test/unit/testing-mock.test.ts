import { describe, expect, it } from 'vitest';
import { Activity, ActivityAbortedError, SuspendTask, activity, activityInfo, cancellationSignal, heartbeat } from 'flowy-swf';
import { MockActivityEnvironment } from 'flowy-swf/testing';

@activity('mock-add', 3, 'mock-tl')
class Add extends Activity {
  run(a: number, b: number): number {
    return a + b;
  }
}

class Boom extends Activity {
  run(what: string): never {
    throw new RangeError(`no ${what}`, { cause: new Error('root') });
  }
}

/** Heartbeats `steps` times with its step; stops as the docs say when a heartbeat says stop. */
class Steps extends Activity {
  seen: boolean[] = [];
  async run(steps: number): Promise<string> {
    for (let step = 0; step < steps; step++) {
      const goOn = await this.heartbeat({ step });
      this.seen.push(goOn);
      if (!goOn) this.signal.throwIfAborted();
    }
    return 'done';
  }
}

/** Waits for its signal only: never heartbeats. */
class Waits extends Activity {
  async run(): Promise<string> {
    const signal = cancellationSignal();
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    throw signal.reason;
  }
}

describe('MockActivityEnvironment', () => {
  it('completes with the result encoded as the worker sends it, going through the activity\'s codec', async () => {
    const env = new MockActivityEnvironment();
    expect(await env.run(Add, 2, 3)).toEqual({ status: 'completed', result: '5' });
    class Custom extends Activity {
      override deserializeArguments(input: string | undefined): unknown[] {
        return [`raw:${input}`];
      }
      override serializeResult(result: unknown): string {
        return `<${String(result)}>`;
      }
      run(text: string): string {
        return text.toUpperCase();
      }
    }
    expect(await env.runWithInput(Custom, 'abc')).toEqual({ status: 'completed', result: '<RAW:ABC>' });
  });

  it('fails with the reason and the JSON details the worker reports', async () => {
    const outcome = await new MockActivityEnvironment().run(Boom, 'luck');
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.reason).toBe('RangeError: no luck');
    const details = JSON.parse(outcome.details ?? '');
    expect(details).toMatchObject({ type: 'RangeError', message: 'no luck', cause: { type: 'Error', message: 'root' } });
    expect(details.stack).toContain('RangeError: no luck');
  });

  it('fails a result with no JSON form, as the worker does', async () => {
    class Big extends Activity {
      run(): bigint {
        return 1n;
      }
    }
    const outcome = await new MockActivityEnvironment().run(Big);
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^ResultError: result cannot be serialized as JSON/) });
  });

  it('records every heartbeat with its details as sent, and gives the info of the @activity type', async () => {
    class Reports extends Activity {
      async run(): Promise<unknown> {
        await heartbeat('text as is');
        await this.heartbeat({ pct: 50 });
        await heartbeat();
        return activityInfo();
      }
    }
    const env = new MockActivityEnvironment({ info: { activityId: 'a-7', domain: 'd' } });
    const outcome = await env.run(Reports);
    expect(env.heartbeats).toEqual([
      { index: 1, details: 'text as is' },
      { index: 2, details: '{"pct":50}' },
      { index: 3, details: undefined },
    ]);
    expect(outcome.status).toBe('completed');
    const info = JSON.parse((outcome as { result: string }).result);
    expect(info).toMatchObject({ activityId: 'a-7', domain: 'd', activityType: { name: 'Reports', version: '1' } });
    await env.run(Add, 1, 1);
    expect(env.heartbeats).toEqual([]);
  });

  it('cancels on the Nth heartbeat: later heartbeats are not sent, the task is reported canceled', async () => {
    const steps = new Steps();
    const env = new MockActivityEnvironment({ onHeartbeat: (hb) => (hb.index === 3 ? 'cancel-requested' : 'ok') });
    const outcome = await env.run(steps, 10);
    expect(env.heartbeats.map((hb) => hb.details)).toEqual(['{"step":0}', '{"step":1}', '{"step":2}']);
    expect(steps.seen).toEqual([true, true, false]);
    expect(outcome.status).toBe('canceled');
    expect(JSON.parse((outcome as { details: string }).details)).toMatchObject({ type: 'ActivityAbortedError' });
  });

  it('requestCancel(): the next answer to a heartbeat says cancelRequested, not one before', async () => {
    let env!: MockActivityEnvironment;
    env = new MockActivityEnvironment({
      onHeartbeat: (hb) => {
        // Recorded in SWF just before heartbeat 3 is answered.
        if (hb.index === 3) env.requestCancel();
      },
    });
    const steps = new Steps();
    expect((await env.run(steps, 5)).status).toBe('canceled');
    expect(steps.seen).toEqual([true, true, false]);
  });

  it('cancel() aborts the signal at once with kind cancelled, even without a heartbeat', async () => {
    const env = new MockActivityEnvironment();
    const running = env.run(Waits);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(env.running).toBe(true);
    env.cancel();
    const outcome = await running;
    expect(outcome.status).toBe('canceled');
    expect(JSON.parse((outcome as { details: string }).details)).toMatchObject({ type: 'ActivityAbortedError' });
  });

  it('an activity that returns after a cancel is completed, as the worker reports it', async () => {
    class Ignores extends Activity {
      async run(): Promise<string> {
        await this.heartbeat();
        return this.signal.aborted ? 'stopped early' : 'all done';
      }
    }
    const env = new MockActivityEnvironment({ onHeartbeat: () => 'cancel-requested' });
    expect(await env.run(Ignores)).toEqual({ status: 'completed', result: '"stopped early"' });
  });

  it('timeOut() aborts with kind closed and nothing is reported; so does a heartbeat answered closed', async () => {
    const env = new MockActivityEnvironment();
    let reason: unknown;
    class Records extends Activity {
      async run(): Promise<string> {
        await new Promise((resolve) => this.signal.addEventListener('abort', resolve, { once: true }));
        reason = this.signal.reason;
        expect(await this.heartbeat('late')).toBe(false);
        return 'too late';
      }
    }
    const running = env.run(Records);
    await new Promise((resolve) => setTimeout(resolve, 5));
    env.timeOut();
    expect(await running).toEqual({ status: 'timed-out' });
    expect(reason).toBeInstanceOf(ActivityAbortedError);
    expect((reason as ActivityAbortedError).kind).toBe('closed');
    expect(env.heartbeats).toEqual([]);

    const closing = new MockActivityEnvironment({ onHeartbeat: (hb) => (hb.index === 2 ? 'closed' : 'ok') });
    const steps = new Steps();
    expect(await closing.run(steps, 5)).toEqual({ status: 'timed-out' });
    expect(steps.seen).toEqual([true, false]);
  });

  it('shutdownWorker() aborts with kind shutdown: a throw is failed, saying the worker shut down', async () => {
    const env = new MockActivityEnvironment();
    const running = env.run(Waits);
    await new Promise((resolve) => setTimeout(resolve, 5));
    env.shutdownWorker();
    const outcome = await running;
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^worker mock-activity-environment shut down before the task finished; retry it elsewhere: ActivityAbortedError/) });
  });

  it('cancel() before run starts the next run cancelled', async () => {
    const env = new MockActivityEnvironment();
    env.cancel();
    const steps = new Steps();
    expect((await env.run(steps, 3)).status).toBe('canceled');
    expect(steps.seen).toEqual([false]);
    expect(env.heartbeats).toEqual([]);
  });

  it('a heartbeat that fails in transit tells the activity to go on', async () => {
    const env = new MockActivityEnvironment({ onHeartbeat: () => 'error' });
    const steps = new Steps();
    expect(await env.run(steps, 2)).toEqual({ status: 'completed', result: '"done"' });
    expect(steps.seen).toEqual([true, true]);
    expect(env.heartbeats).toHaveLength(2);
  });

  it('SuspendTask is suspended: nothing reported', async () => {
    class Later extends Activity {
      run(): never {
        throw new SuspendTask();
      }
    }
    expect(await new MockActivityEnvironment().run(Later)).toEqual({ status: 'suspended' });
  });

  it('heartbeats asked while one is in flight are merged, newest details winning, as the worker sends them', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const env = new MockActivityEnvironment({ onHeartbeat: async (hb) => (hb.index === 1 ? gate.then(() => 'ok' as const) : 'ok') });
    class Chatty extends Activity {
      async run(): Promise<void> {
        const first = this.heartbeat('1');
        void this.heartbeat('2');
        void this.heartbeat('3');
        release();
        await first;
      }
    }
    expect(await env.run(Chatty)).toEqual({ status: 'completed', result: 'null' });
    expect(env.heartbeats.map((hb) => hb.details)).toEqual(['1', '3']);
  });

  it('rejects what cannot be run, naming it', async () => {
    const env = new MockActivityEnvironment();
    await expect(env.run((() => 1) as never)).rejects.toThrow(/give an Activity subclass/);
    await expect(env.run(Add, 1n)).rejects.toThrow(/arguments have no JSON form/);
    const first = env.run(Waits);
    await expect(env.run(Add, 1, 2)).rejects.toThrow(/a run is already in progress/);
    env.cancel();
    await first;
  });
});
