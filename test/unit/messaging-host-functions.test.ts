/**
 * The bridge between messaging and host functions: each worker serves `messaging.send` /
 * `messaging.receive` through its own router; a typed error crosses a real protocol connection with
 * its code; a child's call abandoned by its signal abandons the wait in the worker.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  ActivityRegistry,
  ConfigurationError,
  createHostFunctions,
  InProcessRouter,
  MessageReceiveTimeout,
  MessageSendError,
  newInvocationId,
  type ActivityContext,
  type ActivityInfo,
  type HostCallContext,
  type HostFunctions,
} from 'flowy-swf';
import { ChildTaskContext } from '../../src/executor/child-context.js';
import { Peer, StreamCommunicator, boxError, unboxError } from '../../src/ipc/index.js';
import { compileWorkerOptions } from '../../src/worker/options.js';

const client = { send: async () => ({}) };

function tableOf(router: InProcessRouter, hostFunctions?: HostFunctions): HostFunctions {
  return compileWorkerOptions({ client, registry: new ActivityRegistry(), domain: 'd', taskList: 't', messaging: router, ...(hostFunctions ? { hostFunctions } : {}) })
    .hostFunctions;
}

function infoOf(invocationId: string): ActivityInfo {
  return {
    activityId: 'a',
    activityType: { name: 'n', version: '1' },
    workflowExecution: { workflowId: 'w', runId: 'r' },
    startedEventId: 1,
    taskList: 't',
    domain: 'd',
    invocationId,
  };
}

async function running(router: InProcessRouter, signal = new AbortController().signal): Promise<HostCallContext> {
  const invocationId = newInvocationId();
  await router.register(invocationId);
  const info = infoOf(invocationId);
  return { info, signal, taskToken: 'token', context: { info, signal, taskToken: 'token', heartbeat: async () => true } as ActivityContext };
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('the messaging host functions of a worker', () => {
  it('are bound to that worker\'s own router: two workers in one process route apart', async () => {
    const [routerA, routerB] = [new InProcessRouter(), new InProcessRouter()];
    const [tableA, tableB] = [tableOf(routerA), tableOf(routerB)];
    const [receiverA, senderA, senderB] = [await running(routerA), await running(routerA), await running(routerB)];
    const received = tableA.invoke('messaging', 'receive', { addressee: 'in', timeout: 10 }, receiverA);
    const fromB = await failure(tableB.invoke('messaging', 'send', { invocation_id: receiverA.info.invocationId, addressee: 'in', data: 'B' }, senderB));
    expect(fromB).toBeInstanceOf(MessageSendError);
    expect(fromB.code).toBe('INVOCATION_UNKNOWN');
    expect(await tableA.invoke('messaging', 'send', { invocation_id: receiverA.info.invocationId, addressee: 'in', data: 'A' }, senderA)).toBeNull();
    expect(await received).toEqual({ from: senderA.info.invocationId, addressee: 'in', data: 'A' });
  });

  it('sit over the given table: its functions, registered even later, are served beside them', async () => {
    const base = createHostFunctions();
    const table = tableOf(new InProcessRouter(), base);
    base.register('audit', 'record', () => 'recorded');
    expect(table.list()).toEqual(['audit.record', 'messaging.receive', 'messaging.send', 'task.heartbeat']);
    expect(await table.invoke('audit', 'record', null, await running(new InProcessRouter()))).toBe('recorded');
    expect(base.get('messaging', 'send')).toBeUndefined(); // the shared table stays unbound
  });

  it('cannot be registered by hand: the namespace is the worker\'s', () => {
    const error = (() => {
      try {
        createHostFunctions().register('messaging', 'send', () => null);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/namespace messaging is served by every worker itself.*choose another namespace/);
  });

  it('honour the call\'s signal: an abandoned receive takes no message', async () => {
    const router = new InProcessRouter();
    const table = tableOf(router);
    const controller = new AbortController();
    const [receiver, sender] = [await running(router, controller.signal), await running(router)];
    const waiting = failure(table.invoke('messaging', 'receive', { addressee: 'in' }, receiver));
    controller.abort(new Error('gone'));
    expect(await waiting).toMatchObject({ name: 'MessageReceiveError', code: 'ABORTED' });
    const send = await failure(table.invoke('messaging', 'send', { invocation_id: receiver.info.invocationId, addressee: 'in', data: 1, addressee_timeout: 0.05 }, sender));
    expect(send).toMatchObject({ code: 'ADDRESSEE_TIMEOUT' });
  });
});

describe('a boxed error keeps its code', () => {
  it('boxError / unboxError carry a string code, and only a string', () => {
    const boxed = boxError(new MessageSendError('ADDRESSEE_TIMEOUT', 'nobody waited'));
    expect(boxed).toMatchObject({ type: 'MessageSendError', code: 'ADDRESSEE_TIMEOUT', message: 'nobody waited' });
    expect(unboxError(JSON.parse(JSON.stringify(boxed)))).toMatchObject({ name: 'MessageSendError', code: 'ADDRESSEE_TIMEOUT' });
    expect(boxError(Object.assign(new Error('x'), { code: 42 }))).not.toHaveProperty('code');
  });
});

/** A worker peer serving `table` for one task, and a child task context over a real protocol connection. */
function connected(table: HostFunctions, task: HostCallContext): { child: ChildTaskContext; close(): Promise<void> } {
  const [toChild, toWorker] = [new PassThrough(), new PassThrough()];
  const worker = new Peer(new StreamCommunicator('pipe', toWorker, toChild), {
    id: 'worker:test',
    handlers: (ns, func) =>
      table.get(ns, func) ? (args, call) => table.invoke(ns, func, args, { ...task, signal: AbortSignal.any([task.signal, call.signal]) }) : undefined,
  });
  const childPeer = new Peer(new StreamCommunicator('pipe', toChild, toWorker), { id: 'child:test' });
  const child = new ChildTaskContext(childPeer, 'token', task.info, { signal: new AbortController().signal, callerId: 'worker:test', callId: 1 });
  return {
    child,
    async close() {
      await Promise.all([childPeer.close(), worker.close()]);
    },
  };
}

describe('a child task context over the protocol', () => {
  it('sends, receives and gets typed errors with their codes, as the invocation the worker registered', async () => {
    const router = new InProcessRouter();
    const table = tableOf(router);
    const [task, other] = [await running(router), await running(router)];
    const { child, close } = connected(table, task);
    try {
      const received = table.invoke('messaging', 'receive', { addressee: 'up', timeout: 10 }, other);
      await child.messaging.send(other.info.invocationId, 'up', { n: 1 });
      expect(await received).toEqual({ from: task.info.invocationId, addressee: 'up', data: { n: 1 } });
      const down = child.messaging.receive('down', { timeoutSeconds: 10 });
      await table.invoke('messaging', 'send', { invocation_id: task.info.invocationId, addressee: 'down', data: [2] }, other);
      expect(await down).toEqual({ from: other.info.invocationId, addressee: 'down', data: [2] });
      const unknown = await failure(child.messaging.send(`inv-${'B'.repeat(22)}`, 'up', 1));
      expect(unknown).toBeInstanceOf(MessageSendError);
      expect(unknown.code).toBe('INVOCATION_UNKNOWN');
      const timeout = await failure(child.messaging.receive('never', { timeoutSeconds: 0.05 }));
      expect(timeout).toBeInstanceOf(MessageReceiveTimeout);
    } finally {
      await close();
    }
  });

  it('callHost with a signal cancels the call in the worker: the abandoned receive takes no message', async () => {
    const router = new InProcessRouter();
    const table = tableOf(router);
    const [task, other] = [await running(router), await running(router)];
    const { child, close } = connected(table, task);
    try {
      const controller = new AbortController();
      const waiting = failure(child.callHost('messaging', 'receive', { addressee: 'in' }, { signal: controller.signal }));
      await new Promise((r) => setTimeout(r, 50));
      controller.abort(new Error('the program went away'));
      expect(await waiting).toMatchObject({ name: 'MessageReceiveError', code: 'ABORTED' });
      const send = await failure(table.invoke('messaging', 'send', { invocation_id: task.info.invocationId, addressee: 'in', data: 1, addressee_timeout: 0.1 }, other));
      expect(send).toMatchObject({ code: 'ADDRESSEE_TIMEOUT' });
    } finally {
      await close();
    }
  });
});
