/** Small pieces of the executors: options, host functions, @activity's execution options, progress details, the CLI flag. */
import { describe, expect, it } from 'vitest';
import { Activity, ActivityRegistry, activity, ConfigurationError, createHostFunctions, defaultRegistry, type ActivityContext } from 'flowy-swf';
import { ActivityAbortedError } from '../../src/activity/context.js';
import { ChildTaskContext } from '../../src/executor/child-context.js';
import { compileProcessExecutorOptions, PROCESS_EXECUTOR_DEFAULTS } from '../../src/executor/options.js';
import { RemoteError, type CallContext, type Peer } from '../../src/ipc/index.js';
import { progressDetails } from '../../src/executor/progress.js';
import { executeActivity, runActivity } from '../../src/executor/run-activity.js';
import { workerOptions, type WorkerFlags } from '../../src/cli/worker-command.js';
import { compileWorkerOptions } from '../../src/worker/options.js';

describe('process executor options', () => {
  it('applies defaults and rejects what cannot work, naming the option', () => {
    expect(compileProcessExecutorOptions({})).toEqual(PROCESS_EXECUTOR_DEFAULTS);
    expect(compileProcessExecutorOptions({ communicator: 'socket', unresponsiveTimeoutMs: Infinity })).toMatchObject({
      communicator: 'socket',
      unresponsiveTimeoutMs: Infinity,
    });
    expect(() => compileProcessExecutorOptions({ communicator: 'carrier-pigeon' as 'pipe' })).toThrow(/communicator is "carrier-pigeon"; choose one of pipe, socket/);
    expect(() => compileProcessExecutorOptions({ memoryLimitMb: 8 })).toThrow(/memoryLimitMb is 8; give whole megabytes from 16/);
    expect(() => compileProcessExecutorOptions({ cancelGraceMs: -1 })).toThrow(/cancelGraceMs is -1/);
    expect(() => compileProcessExecutorOptions({ maxTasksPerChild: 0 })).toThrow(/maxTasksPerChild is 0/);
    expect(compileProcessExecutorOptions({ concurrencyPerChild: 8 }).concurrencyPerChild).toBe(8);
    expect(() => compileProcessExecutorOptions({ concurrencyPerChild: 0 })).toThrow(/concurrencyPerChild is 0; give an integer from 1 \(one task per process, the default\) to 1000/);
    expect(() => compileProcessExecutorOptions({ concurrencyPerChild: 2.5 })).toThrow(/concurrencyPerChild is 2.5/);
  });

  it('the worker checks executor and onProgress', () => {
    const base = { client: { send: async () => ({}) }, domain: 'd', taskList: 't', registry: new ActivityRegistry() };
    expect(compileWorkerOptions(base).executor).toBe('inline');
    expect(() => compileWorkerOptions({ ...base, executor: 'thread' as 'inline' })).toThrow(/executor is "thread"; choose inline or process/);
    expect(() => compileWorkerOptions({ ...base, onProgress: 'log' as unknown as () => void })).toThrow(/onProgress must be a function/);
  });

  it('--executor reaches startActivityWorker', () => {
    const flags = { domain: 'd', taskList: 't', register: true, logLevel: 'info', executor: 'process' } as WorkerFlags;
    expect(workerOptions(flags).executor).toBe('process');
    expect(workerOptions({ ...flags, executor: undefined }).executor).toBeUndefined();
  });
});

describe('@activity execution options', () => {
  it('records executor and memoryLimitMb on the definition, and checks them', () => {
    class Heavy extends Activity {
      run(): number {
        return 1;
      }
    }
    activity('unit-heavy', 1, 'tl', { executor: 'process', memoryLimitMb: 256, startToClose: 60 })(Heavy);
    expect(defaultRegistry().get('unit-heavy', 1)).toMatchObject({ executor: 'process', memoryLimitMb: 256, defaults: { startToCloseTimeout: '60' } });
    expect(() => activity('unit-bad-exec', 1, 'tl', { executor: 'thread' as 'inline' })).toThrow(/executor is "thread"; choose 'inline' or 'process'/);
    expect(() => activity('unit-bad-mem', 1, 'tl', { memoryLimitMb: 1.5 })).toThrow(ConfigurationError);
    expect(() => activity('unit-typo', 1, 'tl', { excutor: 'process' } as never)).toThrow(/unknown timeout "excutor".*execution options are executor, memoryLimitMb/);
  });
});

describe('host functions', () => {
  const context = {
    taskToken: 'token',
    info: { activityId: 'a' },
    signal: new AbortController().signal,
    heartbeat: async (details: unknown) => details === 'go',
    callHost: async () => null,
  } as unknown as ActivityContext;

  it('serve task.heartbeat built in, and registered functions with the task context', async () => {
    const table = createHostFunctions();
    expect(await table.invoke('task', 'heartbeat', { details: 'go' }, { info: context.info, signal: context.signal, taskToken: 'token', context })).toBe(true);
    table.register('audit', 'record', (args, ctx) => ({ args, id: ctx.info.activityId }));
    expect(await table.invoke('audit', 'record', 1, { info: context.info, signal: context.signal, taskToken: 'token', context })).toEqual({ args: 1, id: 'a' });
    await expect(table.invoke('audit', 'nope', null, { info: context.info, signal: context.signal, taskToken: 'token', context })).rejects.toThrow(
      /no host function audit\.nope is registered in this worker \(it has audit\.record, task\.heartbeat\)/,
    );
    expect(table.list()).toEqual(['audit.record', 'task.heartbeat']);
  });

  it('refuse reserved namespaces and bad names', () => {
    const table = createHostFunctions();
    expect(() => table.register('self', 'cancel', () => null)).toThrow(/namespace self is reserved/);
    expect(() => table.register('messaging', 'send now', () => null)).toThrow(/func "send now" must be 1 to 64/);
  });
});

describe('progress', () => {
  it('becomes heartbeat details within 2,048 characters, JSON kept valid', () => {
    expect(progressDetails('50%')).toBe('50%');
    expect(progressDetails({ step: 1 })).toBe('{"step":1}');
    expect(progressDetails('x'.repeat(5_000))).toHaveLength(2_048);
    const cut = progressDetails({ log: 'y'.repeat(5_000) });
    expect(cut.length).toBeLessThanOrEqual(2_048);
    expect(JSON.parse(cut)).toMatchObject({ truncated: true });
    expect(progressDetails(undefined)).toBe('null');
  });

  it('runActivity yields what an async *run yields and returns the encoded return value', async () => {
    class Counter extends Activity {
      async *run(n: number): AsyncGenerator<number, string> {
        for (let i = 0; i < n; i++) yield i;
        return 'done';
      }
    }
    const definition = {
      name: 'c', version: '1', taskList: 't', activityClass: Counter,
      defaults: { heartbeatTimeout: 'NONE', scheduleToCloseTimeout: '1', scheduleToStartTimeout: '1', startToCloseTimeout: '1' },
    };
    const run = runActivity(definition, '[[3], {}]', context());
    const seen: unknown[] = [];
    let step = await run.next();
    while (!step.done) {
      seen.push(step.value);
      step = await run.next();
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(step.value).toEqual({ status: 'returned', result: '"done"' });
  });

  it('executeActivity answers a plain value at once, a promise once settled, and hands each yield to onProgress', async () => {
    const defaults = { heartbeatTimeout: 'NONE', scheduleToCloseTimeout: '1', scheduleToStartTimeout: '1', startToCloseTimeout: '1' };
    const define = (activityClass: new () => Activity) => ({ name: 'x', version: '1', taskList: 't', activityClass, defaults });
    class Plain extends Activity {
      run(n: number): number {
        return n + 1;
      }
    }
    class Later extends Activity {
      async run(n: number): Promise<number> {
        return n * 2;
      }
    }
    class Failing extends Activity {
      async run(): Promise<never> {
        throw new Error('no');
      }
    }
    class Streaming extends Activity {
      async *run(): AsyncGenerator<string, string> {
        yield 'a';
        yield 'b';
        return 'end';
      }
    }
    const progress: unknown[] = [];
    const onProgress = (value: unknown): void => void progress.push(value);
    // No generator, no promise: the outcome is there before anything is awaited.
    expect(executeActivity(define(Plain), '[[1], {}]', context(), onProgress)).toEqual({ status: 'returned', result: '2' });
    const later = executeActivity(define(Later), '[[4], {}]', context(), onProgress);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual({ status: 'returned', result: '8' });
    expect(await executeActivity(define(Failing), undefined, context(), onProgress)).toMatchObject({ status: 'threw', error: { message: 'no' } });
    expect(executeActivity(define(Plain), 'not json', context(), onProgress)).toMatchObject({ status: 'threw' });
    expect(await executeActivity(define(Streaming), undefined, context(), onProgress)).toEqual({ status: 'returned', result: '"end"' });
    expect(progress).toEqual(['a', 'b']);
  });
});

describe('a task\'s context in a child', () => {
  const info = { activityId: 'a1' } as never;
  const call = (controller: AbortController): CallContext => ({ signal: controller.signal, callerId: 'worker:1', callId: 7 });

  it('its signal, first looked at after the worker cancelled the task, is aborted as an ActivityAbortedError of that kind', () => {
    const run = new AbortController();
    const context = new ChildTaskContext({} as Peer, 'token', info, call(run));
    run.abort(new RemoteError({ type: 'ActivityAbortedError', message: 'the workflow requested cancellation', kind: 'cancelled' }));
    expect(context.signal.aborted).toBe(true);
    expect(context.signal.reason).toBeInstanceOf(ActivityAbortedError);
    expect(context.signal.reason).toMatchObject({ kind: 'cancelled', message: 'the workflow requested cancellation' });
    expect(context.signal).toBe(context.signal);
  });

  it('its signal, looked at before, aborts when the call does; a reason of no known kind passes as it is', () => {
    const run = new AbortController();
    const context = new ChildTaskContext({} as Peer, 'token', info, call(run));
    const { signal } = context;
    expect(signal.aborted).toBe(false);
    const other = new Error('channel closed');
    run.abort(other);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(other);
  });
});

function context(): ActivityContext {
  return {
    taskToken: 't',
    info: {} as ActivityContext['info'],
    signal: new AbortController().signal,
    heartbeat: async () => true,
    callHost: async () => null,
  };
}
