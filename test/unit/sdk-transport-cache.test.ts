/**
 * The SDK path (a client of the user's) on a real `SWFClient` whose request handler answers in process:
 * each operation's middleware stack is built once (the SDK's `cacheMiddleware`), polls included, though
 * every poll carries the worker's abandon signal; the user's middleware still sees every call; and a
 * stop still aborts an open poll's request through the request handler.
 */
import { PollForActivityTaskCommand, RespondActivityTaskCompletedCommand, SWFClient, type SWFClientConfig } from '@aws-sdk/client-swf';
import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { chooseTransport } from '../../src/swf/transport/index.js';
import { Worker } from '../../src/worker/index.js';
import { definition, lookup, until } from './worker-fake-swf.js';

class Beating extends Activity {
  async run(): Promise<string> {
    await this.heartbeat('half way');
    return 'done';
  }
}

const registry = lookup(definition('beating', '1', Beating));

interface Request {
  headers: Record<string, string | undefined>;
  body?: unknown;
}

/** What the request handler saw: operations in order, and each poll's abort signal. */
interface Seen {
  operations: string[];
  pollSignals: (AbortSignal | undefined)[];
}

/**
 * A request handler answering SWF in process: `tasks` activity tasks, then polls that stay open until
 * their request is aborted (as an HTTP handler's do), every other call answered at once.
 */
function inProcess(tasks: number, seen: Seen): NonNullable<SWFClientConfig['requestHandler']> {
  let issued = 0;
  const encoder = new TextEncoder();
  const answer = (output: unknown) => ({
    response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: encoder.encode(JSON.stringify(output)) },
  });
  const handle = async (request: Request, options?: { abortSignal?: AbortSignal }) => {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1);
    seen.operations.push(operation);
    if (operation !== 'PollForActivityTask') return answer(operation === 'RecordActivityTaskHeartbeat' ? { cancelRequested: false } : {});
    seen.pollSignals.push(options?.abortSignal);
    if (issued < tasks) {
      issued++;
      return answer({
        taskToken: `token-${issued}`,
        activityId: `a-${issued}`,
        startedEventId: issued,
        workflowExecution: { workflowId: 'w', runId: 'r' },
        activityType: { name: 'beating', version: '1' },
        input: '[[], {}]',
      });
    }
    const signal = options?.abortSignal;
    return new Promise((_resolve, reject) => {
      const abort = (): void => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  };
  return { handle, updateHttpClientConfig: () => {}, httpHandlerConfigs: () => ({}) } as unknown as NonNullable<SWFClientConfig['requestHandler']>;
}

/** A middleware of the user's: how often each operation's stack was built, and each call it saw. */
function watch(client: SWFClient): { built: Map<string, number>; calls: string[] } {
  const built = new Map<string, number>();
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      built.set(operation, (built.get(operation) ?? 0) + 1);
      return async (args) => {
        calls.push(operation);
        return next(args);
      };
    },
    { step: 'initialize', name: 'usersOwnWatch' },
  );
  return { built, calls };
}

function userClient(tasks: number, seen: Seen, config: Partial<SWFClientConfig> = {}): SWFClient {
  return new SWFClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: inProcess(tasks, seen),
    ...config,
  });
}

function worker(client: SWFClient, extra: { loop?: number; maxConcurrentTasks?: number; maxConcurrentPolls?: number; shutdownGraceMs?: number } = {}): Worker {
  return new Worker({ client, registry, domain: 'd', taskList: 'tl', identity: 'test', maxConcurrentTasks: 4, ...extra });
}

describe('the SDK path on a client of the user’s', () => {
  it('builds each operation’s middleware stack once (polls: once per poll loop), across 30 polls, heartbeats and responds', async () => {
    const seen: Seen = { operations: [], pollSignals: [] };
    const client = userClient(30, seen);
    const { built, calls } = watch(client);
    expect(chooseTransport(client).kind).toBe('sdk');
    await worker(client, { loop: 30, maxConcurrentPolls: 2 }).run();
    const count = (list: string[], op: string): number => list.filter((o) => o === op).length;
    expect(count(seen.operations, 'PollForActivityTask')).toBe(30);
    expect(count(seen.operations, 'RespondActivityTaskCompleted')).toBe(30);
    expect(count(seen.operations, 'RecordActivityTaskHeartbeat')).toBe(30);
    // Once per operation (polls: once per poll loop): a poll neither rebuilt its own stack nor wiped the
    // others' cached handlers.
    expect(Object.fromEntries(built)).toEqual({ PollForActivityTask: 2, RecordActivityTaskHeartbeat: 1, RespondActivityTaskCompleted: 1 });
    // The user's middleware saw every call all the same.
    expect(calls).toEqual(seen.operations);
    // Every poll reached the request handler with the worker's abandon signal.
    expect(seen.pollSignals.every((s) => s instanceof AbortSignal)).toBe(true);
  });

  it('leaves the user’s client as it was: its middleware, its request handler, its own calls', async () => {
    const seen: Seen = { operations: [], pollSignals: [] };
    const client = userClient(5, seen);
    const { calls } = watch(client);
    const handler = client.config.requestHandler;
    const names = client.middlewareStack.identify();
    const keys = Object.keys(client).filter((key) => key !== 'handlers');
    await worker(client, { loop: 5 }).run();
    expect(client.config.requestHandler).toBe(handler);
    expect(client.middlewareStack.identify()).toEqual(names);
    // Nothing set on the client but the SDK's own cache of handlers.
    expect(Object.keys(client).filter((key) => key !== 'handlers')).toEqual(keys);
    // A call of the user's own, with options, on the same client: its signal is the user's, not the worker's.
    const own = new AbortController();
    const before = seen.pollSignals.length;
    const open = client.send(new PollForActivityTaskCommand({ domain: 'd', taskList: { name: 'tl' } }), { abortSignal: own.signal });
    await until(() => seen.pollSignals.length > before, 'the user’s own poll');
    expect(seen.pollSignals[before]).toBe(own.signal);
    own.abort();
    await expect(open).rejects.toThrow(/abort/i);
    expect(calls.at(-1)).toBe('PollForActivityTask');
  });

  it('a stop aborts the open polls’ requests in the request handler, and run() resolves', async () => {
    const seen: Seen = { operations: [], pollSignals: [] };
    const client = userClient(0, seen);
    const w = worker(client, { maxConcurrentTasks: 3, shutdownGraceMs: 50 });
    const ran = w.run();
    await until(() => seen.pollSignals.length === 3, 'three open polls');
    expect(seen.pollSignals.some((s) => s?.aborted)).toBe(false);
    await w.shutdown();
    await ran;
    // Aborted where the connection lives (the request handler), not merely given up on by the worker.
    expect(seen.pollSignals.map((s) => s?.aborted)).toEqual([true, true, true]);
  });

  it('on a client with a cache already (used before, by an earlier worker), each poll loop still sends its own signal', async () => {
    const seen: Seen = { operations: [], pollSignals: [] };
    const client = userClient(0, seen, { cacheMiddleware: true });
    // A call of the user's before any worker: the client now has its own cache of handlers.
    await client.send(new RespondActivityTaskCompletedCommand({ taskToken: 'before', result: '' }));
    for (const round of [0, 1]) {
      const w = worker(client, { maxConcurrentTasks: 2, shutdownGraceMs: 50 });
      const ran = w.run();
      await until(() => seen.pollSignals.length === 2 * (round + 1), `round ${round}: two open polls`);
      const open = seen.pollSignals.slice(2 * round);
      // Two loops, two signals, neither an earlier worker's (already aborted) one.
      expect(open[0]).not.toBe(open[1]);
      expect(open.map((s) => s?.aborted)).toEqual([false, false]);
      await w.shutdown();
      await ran;
      expect(open.map((s) => s?.aborted)).toEqual([true, true]);
    }
    // The client's own polls (no options) are not bound to a worker's signal.
    const before = seen.pollSignals.length;
    void client.send(new PollForActivityTaskCommand({ domain: 'd', taskList: { name: 'tl' } })).catch(() => {});
    await until(() => seen.pollSignals.length > before, 'the user’s own poll');
    expect(seen.pollSignals[before]).toBeUndefined();
  });

  it('keeps an explicit cacheMiddleware: false (every call builds its stack), and still aborts polls', async () => {
    const seen: Seen = { operations: [], pollSignals: [] };
    const client = userClient(4, seen, { cacheMiddleware: false });
    const { built } = watch(client);
    const w = worker(client, { maxConcurrentTasks: 1, shutdownGraceMs: 50 });
    const ran = w.run();
    await until(() => seen.pollSignals.length === 5, 'the fifth poll open');
    await w.shutdown();
    await ran;
    expect(built.get('PollForActivityTask')).toBe(5);
    expect(built.get('RespondActivityTaskCompleted')).toBe(4);
    expect(seen.pollSignals.at(-1)?.aborted).toBe(true);
  });
});
