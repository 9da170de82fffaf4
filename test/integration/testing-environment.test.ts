import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Activity, activity, asyncScheduler, SuspendTask } from 'flowy-swf';
import { startTestEnvironment, type TestEnvironment } from 'flowy-swf/testing';

@activity('env-greet', 1, 'env-tl')
class Greet extends Activity {
  run(name: string, options?: { shout?: boolean }): string {
    const text = `hello ${name}`;
    return options?.shout ? text.toUpperCase() : text;
  }
}

@activity('env-fail', 1, 'env-tl')
class Fail extends Activity {
  run(): never {
    throw new TypeError('bad input');
  }
}

/** Heartbeats every 20 ms until a heartbeat says stop, then throws: reported canceled after a cancel request. */
@activity('env-loop', 1, 'env-other-tl', { heartbeat: 30 })
class Loop extends Activity {
  async run(): Promise<string> {
    for (let i = 0; ; i++) {
      if (!(await this.heartbeat(`beat ${i}`))) this.signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Hangs until its signal aborts. */
@activity('env-hang', 1, 'env-tl')
class Hang extends Activity {
  async run(): Promise<void> {
    await this.heartbeat('started');
    await new Promise((resolve) => this.signal.addEventListener('abort', resolve, { once: true }));
    this.signal.throwIfAborted();
  }
}

let tokens: string[] = [];
@activity('env-suspend', 1, 'env-tl')
class Suspends extends Activity {
  run(): never {
    tokens.push(this.token);
    throw new SuspendTask();
  }
}

class Undecorated extends Activity {
  run(): number {
    return 1;
  }
}

describe('startTestEnvironment', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment({ activities: [Greet, Fail, Loop, Hang, Suspends] });
  });
  afterAll(async () => {
    await env.teardown();
  });

  it('runs an activity through a real workflow and reads its outcome from the history', async () => {
    expect(await env.runActivity(Greet, ['ada'])).toEqual({ status: 'completed', result: '"hello ada"' });
    expect(await env.runActivity('env-greet', ['bob', { shout: true }])).toEqual({ status: 'completed', result: '"HELLO BOB"' });
    const run = await env.startActivity(Greet, ['eve']);
    await run.outcome();
    const types = (await run.history()).map((e) => e.eventType);
    expect(types).toEqual(expect.arrayContaining(['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted']));
  });

  it('reports a failure with its reason and details', async () => {
    const outcome = await env.runActivity(Fail);
    expect(outcome).toMatchObject({ status: 'failed', reason: 'TypeError: bad input' });
    expect(JSON.parse((outcome as { details: string }).details)).toMatchObject({ type: 'TypeError', message: 'bad input' });
  });

  it('requests cancellation through the workflow: the worker reports the task canceled (a worker per task list)', async () => {
    const run = await env.startActivity(Loop);
    await run.started();
    await run.requestCancel();
    const outcome = await run.outcome();
    expect(outcome.status).toBe('canceled');
    expect(JSON.parse((outcome as { details: string }).details)).toMatchObject({ type: 'ActivityAbortedError' });
  });

  it('times a task out without waiting: advanceTime fires START_TO_CLOSE, and HEARTBEAT with the last details', async () => {
    const startedAt = Date.now();
    const run = await env.startActivity(Hang, [], { timeouts: { startToClose: 300 } });
    await run.started();
    await env.advanceTime(299);
    await env.advanceTime(1);
    expect(await run.outcome()).toEqual({ status: 'timed-out', timeoutType: 'START_TO_CLOSE', details: 'started' });

    const beat = await env.startActivity(Hang, [], { timeouts: { heartbeat: 60 } });
    await beat.started();
    await env.advanceTime(60);
    expect(await beat.outcome()).toEqual({ status: 'timed-out', timeoutType: 'HEARTBEAT', details: 'started' });
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  });

  it('a suspended task is finished later by its token, e.g. with asyncScheduler({ client: env.client })', async () => {
    tokens = [];
    const run = await env.startActivity(Suspends);
    await run.started();
    await expect.poll(() => tokens.length).toBe(1);
    await asyncScheduler({ client: env.client }).complete(tokens[0]!, { approved: true });
    expect(await run.outcome()).toEqual({ status: 'completed', result: '{"approved":true}' });
  });

  it('says what is wrong with an activity it cannot schedule', async () => {
    await expect(env.runActivity(Undecorated)).rejects.toThrow(/Undecorated is not one of this environment's activities/);
    await expect(env.runActivity('nope')).rejects.toThrow(/no activity type "nope" in this environment; it has env-fail@1, env-greet@1/);
    await expect(env.advanceTime(-1)).rejects.toThrow(/advanceTime: seconds is -1/);
  });
});

describe('startTestEnvironment: set-up and teardown', () => {
  it('scans packages, and tears down at once with a task still running (await using)', async () => {
    let hanging: Promise<unknown> | undefined;
    {
      await using env = await startTestEnvironment({ packages: [fileURLToPath(new URL('../../examples/activities', import.meta.url))] });
      // Every example activity file is scanned, in the scanner's sorted order.
      const names = env.activities.map((a) => a.name);
      expect(names).toEqual(expect.arrayContaining(['add', 'approve-order', 'count-slowly', 'reserve-stock', 'shout']));
      expect(names).toEqual([...names].sort());
      expect(await env.runActivity('add', [2, 3])).toEqual({ status: 'completed', result: '5' });
      const run = await env.startActivity('count-slowly', [1000, 1000]);
      await run.started();
      hanging = run.outcome();
    }
    // The workflow never closed: its outcome stays pending, and teardown did not wait for it.
    expect(await Promise.race([hanging, new Promise((resolve) => setTimeout(() => resolve('pending'), 50))])).toBe('pending');
  });

  it('refuses a class without @activity, and an empty environment, naming the fix', async () => {
    await expect(startTestEnvironment({ activities: [Undecorated] })).rejects.toThrow(/class Undecorated has no @activity\(name, version, taskList\)/);
    await expect(startTestEnvironment({ activities: [] })).rejects.toThrow(/no activities to run/);
  });

  it('advanceTime is refused on the real clock', async () => {
    const env = await startTestEnvironment({ activities: [Greet], realTime: true });
    try {
      await expect(env.advanceTime(1)).rejects.toThrow(/real clock/);
      expect(await env.runActivity(Greet, ['x'])).toEqual({ status: 'completed', result: '"hello x"' });
    } finally {
      await env.teardown();
      await env.teardown();
    }
    await expect(env.runActivity(Greet, ['x'])).rejects.toThrow(/torn down/);
  });

  it('history() reads every page of a history longer than one page', async () => {
    const env = await startTestEnvironment({ activities: [Greet] });
    try {
      // Two events a page, so that even this short history spans several pages.
      let pagesRead = 0;
      env.client.middlewareStack.add(
        (next) => async (args) => {
          const input = args.input as { execution?: unknown; maximumPageSize?: number };
          if (input.execution && 'nextPageToken' in input) {
            input.maximumPageSize = 2;
            pagesRead++;
          }
          return next(args);
        },
        { step: 'initialize', name: 'twoEventPages' },
      );
      const run = await env.startActivity(Greet, ['pages']);
      expect(await run.outcome()).toEqual({ status: 'completed', result: '"hello pages"' });
      pagesRead = 0;
      const events = await run.history();
      expect(pagesRead).toBeGreaterThan(2);
      expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
      expect(events.map((e) => e.eventType)).toEqual(expect.arrayContaining(['WorkflowExecutionStarted', 'ActivityTaskScheduled', 'ActivityTaskCompleted']));
    } finally {
      await env.teardown();
    }
  });
});
