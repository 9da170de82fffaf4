import { describe, expect, it } from 'vitest';
import {
  hostCallMessaging,
  InProcessRouter,
  MessageReceiveTimeout,
  MessageSendError,
  messagingErrorFromJSON,
  messagingHostHandlers,
  MessagingError,
  newInvocationId,
  type HostCall,
  type MessagingHostContext,
} from '../../src/messaging/index.js';
import { failureOf } from '../integration/messaging/contract.js';

async function caller(router: InProcessRouter, signal = new AbortController().signal): Promise<MessagingHostContext> {
  const invocationId = newInvocationId();
  await router.register(invocationId);
  return { info: { invocationId }, signal };
}

/** A process boundary as the IPC protocol makes one: JSON both ways, errors boxed with toJSON(). */
function overJson(handlers: ReturnType<typeof messagingHostHandlers>, context: MessagingHostContext): HostCall {
  return async (name, args) => {
    const handler = name === 'messaging.send' ? handlers.send : handlers.receive;
    try {
      return JSON.parse(JSON.stringify(await handler(JSON.parse(JSON.stringify(args)), context))) as unknown;
    } catch (error) {
      throw JSON.parse(JSON.stringify(error instanceof MessagingError ? error.toJSON() : { message: String(error) })) as unknown;
    }
  };
}

describe('messaging host handlers (the worker side of messaging.send / messaging.receive)', () => {
  it('send takes snake_case JSON arguments and resolves null once a receiver took the data', async () => {
    const router = new InProcessRouter();
    const handlers = messagingHostHandlers(router);
    const [child, parent] = [await caller(router), await caller(router)];
    const received = handlers.receive({ addressee: 'progress', timeout: 10 }, parent);
    const answer = await handlers.send({ invocation_id: parent.info.invocationId, addressee: 'progress', data: { pct: 50 }, addressee_timeout: 5, timeout: null }, child);
    expect(answer).toBeNull();
    expect(await received).toEqual({ from: child.info.invocationId, addressee: 'progress', data: { pct: 50 } });
  });

  it('errors are the typed ones with a code, and survive toJSON / fromJSON', async () => {
    const router = new InProcessRouter();
    const handlers = messagingHostHandlers(router);
    const [a, b] = [await caller(router), await caller(router)];
    const sendError = await handlers.send({ invocation_id: b.info.invocationId, addressee: 'p', data: 1, addressee_timeout: 0.1 }, a).catch((e: unknown) => e);
    expect(sendError).toBeInstanceOf(MessageSendError);
    expect(messagingErrorFromJSON(JSON.parse(JSON.stringify(sendError)))).toMatchObject({ name: 'MessageSendError', code: 'ADDRESSEE_TIMEOUT' });
    const receiveError = await handlers.receive({ addressee: 'p', timeout: 0.1 }, b).catch((e: unknown) => e);
    expect(receiveError).toBeInstanceOf(MessageReceiveTimeout);
    const unknown = await handlers.send({ invocation_id: newInvocationId(), addressee: 'p', data: null }, a).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'INVOCATION_UNKNOWN' });
  });

  it('refuses malformed arguments with INVALID_ARGUMENT naming what is wrong', async () => {
    const router = new InProcessRouter();
    const handlers = messagingHostHandlers(router);
    const a = await caller(router);
    expect(await failureOf(handlers.send(null, a))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('object of arguments') });
    expect(await failureOf(handlers.send({ invocation_id: a.info.invocationId, addressee: 'p' }, a))).toMatchObject({ message: expect.stringContaining('needs data') });
    expect(await failureOf(handlers.send({ invocation_id: 7, addressee: 'p', data: 1 }, a))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await failureOf(handlers.send({ invocation_id: a.info.invocationId, addressee: 'p', data: 1, timeout: 'soon' }, a))).toMatchObject({
      message: expect.stringContaining('timeout'),
    });
    expect(await failureOf(handlers.receive({ addressee: 3 }, a))).toMatchObject({ name: 'MessageReceiveError', code: 'INVALID_ARGUMENT' });
  });

  it('abandons a call when the caller task signal aborts', async () => {
    const router = new InProcessRouter();
    const handlers = messagingHostHandlers(router);
    const abort = new AbortController();
    const a = await caller(router, abort.signal);
    const pending = failureOf(handlers.receive({ addressee: 'p' }, a));
    abort.abort(new Error('cancel requested'));
    expect(await pending).toMatchObject({ code: 'ABORTED' });
  });

  it('hostCallMessaging over a JSON boundary behaves like the in-worker port, typed errors included', async () => {
    const router = new InProcessRouter();
    const handlers = messagingHostHandlers(router);
    const [child, parent] = [await caller(router), await caller(router)];
    const childPort = hostCallMessaging(overJson(handlers, child));
    const parentPort = hostCallMessaging(overJson(handlers, parent));
    const received = parentPort.receive('p', { timeoutSeconds: 10 });
    await childPort.send(parent.info.invocationId, 'p', [1, 'two'], { addresseeTimeoutSeconds: Number.POSITIVE_INFINITY });
    expect(await received).toEqual({ from: child.info.invocationId, addressee: 'p', data: [1, 'two'] });
    await expect(parentPort.receive('p', { timeoutSeconds: 0.05 })).rejects.toBeInstanceOf(MessageReceiveTimeout);
    const failure = await childPort.send(parent.info.invocationId, 'q', 1, { addresseeTimeoutSeconds: 0 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MessageSendError);
    expect(failure).toMatchObject({ code: 'ADDRESSEE_TIMEOUT' });
    // Checked on the child side, with no round trip.
    await expect(childPort.send(parent.info.invocationId, 'p', 'z'.repeat(300_000))).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
  });
});
