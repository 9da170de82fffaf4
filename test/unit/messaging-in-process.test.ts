import { describe, expect, it } from 'vitest';
import {
  InProcessRouter,
  invocationMessaging,
  isInvocationId,
  MessageReceiveError,
  MessageReceiveTimeout,
  MessageSendError,
  messagingErrorFromJSON,
  MessagingError,
  newInvocationId,
} from '../../src/messaging/index.js';
import { failureOf, messagingContract, type TestInvocation } from '../integration/messaging/contract.js';
import { FakeClock, settle } from './fake-clock.js';

async function invocation(router: InProcessRouter, signal = new AbortController().signal): Promise<TestInvocation> {
  const id = newInvocationId();
  await router.register(id);
  return { id, port: invocationMessaging(router, id, signal), finish: () => router.finish(id) };
}

describe('in-process router', () => {
  const router = new InProcessRouter();
  messagingContract(() => ({ near: () => invocation(router), far: () => invocation(router) }));
});

describe('invocation ids', () => {
  it('are inv- and 22 base64url characters, and never repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newInvocationId()));
    expect(ids.size).toBe(10_000);
    for (const id of [...ids].slice(0, 100)) {
      expect(id).toMatch(/^inv-[A-Za-z0-9_-]{22}$/);
      expect(isInvocationId(id)).toBe(true);
      expect(JSON.parse(JSON.stringify([[id], {}]))).toEqual([[id], {}]);
    }
    expect(isInvocationId('inv-short')).toBe(false);
  });
});

describe('in-process router timing (fake clock)', () => {
  it('waits 90 s for an addressee by default, then fails with ADDRESSEE_TIMEOUT', async () => {
    const clock = new FakeClock();
    const router = new InProcessRouter({ clock });
    const [a, b] = [await invocation(router), await invocation(router)];
    let outcome: unknown;
    a.port.send(b.id, 'late', 1).then(
      () => (outcome = 'delivered'),
      (error: unknown) => (outcome = error),
    );
    await clock.advance(89_999);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    expect(outcome).toBeInstanceOf(MessageSendError);
    expect((outcome as MessageSendError).code).toBe('ADDRESSEE_TIMEOUT');
    expect((outcome as MessageSendError).message).toContain('90 s');
  });

  it('remembers a finished invocation for retentionSeconds, then calls it unknown', async () => {
    const clock = new FakeClock();
    const router = new InProcessRouter({ clock, retentionSeconds: 60 });
    const [a, b] = [await invocation(router), await invocation(router)];
    await b.finish();
    expect((await failureOf(a.port.send(b.id, 'x', 1))).code).toBe('INVOCATION_FINISHED');
    await clock.advance(60_001);
    const failure = await failureOf(a.port.send(b.id, 'x', 1));
    expect(failure.code).toBe('INVOCATION_UNKNOWN');
    expect(failure.message).toContain('60 s');
  });

  it('forgets the oldest finished invocations beyond maxRetained', async () => {
    const router = new InProcessRouter({ maxRetained: 2 });
    const sender = await invocation(router);
    const done = [await invocation(router), await invocation(router), await invocation(router)];
    for (const d of done) await d.finish();
    expect(router.retained).toBe(2);
    expect(router.status(done[0]!.id)).toBe('unknown');
    expect(router.status(done[2]!.id)).toBe('finished');
    expect((await failureOf(sender.port.send(done[1]!.id, 'x', 1))).code).toBe('INVOCATION_FINISHED');
  });

  it('keeps the ports of each invocation apart, also for invocations nobody waited on before', async () => {
    const router = new InProcessRouter();
    const [a, b, sender] = [await invocation(router), await invocation(router), await invocation(router)];
    const aGets = a.port.receive('x', { timeoutSeconds: 5 });
    const bGets = b.port.receive('x', { timeoutSeconds: 5 });
    await sender.port.send(b.id, 'x', 'for b');
    await expect(bGets).resolves.toMatchObject({ from: sender.id, data: 'for b' });
    // b finishing fails only b's waits: a's receive still waits, and takes the message sent to a.
    const bWaits = failureOf(b.port.receive('x'));
    await b.finish();
    expect((await bWaits).code).toBe('INVOCATION_FINISHED');
    await sender.port.send(a.id, 'x', 'for a');
    await expect(aGets).resolves.toMatchObject({ data: 'for a' });
    // A third invocation that never waited has no message waiting on its own port.
    await expect(sender.port.receive('x', { timeoutSeconds: 0 })).rejects.toBeInstanceOf(MessageReceiveTimeout);
  });

  it('forgets finished invocations older than retentionSeconds when the next one finishes', async () => {
    const clock = new FakeClock();
    const router = new InProcessRouter({ clock, retentionSeconds: 60 });
    const old = [await invocation(router), await invocation(router)];
    for (const o of old) await o.finish();
    await clock.advance(30_000);
    const newer = await invocation(router);
    await newer.finish();
    expect(router.retained).toBe(3);
    await clock.advance(30_001);
    const last = await invocation(router);
    await last.finish();
    expect(router.retained).toBe(2);
    expect(router.status(newer.id)).toBe('finished');
    await clock.advance(30_000);
    await (await invocation(router)).finish();
    expect(router.retained).toBe(2);
    expect(router.status(newer.id)).toBe('unknown');
  });

  it('a receive with timeout 0 takes only a message already offered', async () => {
    const router = new InProcessRouter();
    const [a, b] = [await invocation(router), await invocation(router)];
    await expect(b.port.receive('p', { timeoutSeconds: 0 })).rejects.toBeInstanceOf(MessageReceiveTimeout);
    const sending = a.port.send(b.id, 'p', 'waiting');
    await settle();
    await expect(b.port.receive('p', { timeoutSeconds: 0 })).resolves.toMatchObject({ data: 'waiting' });
    await sending;
  });

  it('abandons waits when the task signal aborts, and fails receives of a finished invocation', async () => {
    const router = new InProcessRouter();
    const abort = new AbortController();
    const a = await invocation(router, abort.signal);
    const b = await invocation(router);
    const sending = failureOf(a.port.send(b.id, 'p', 1));
    const receiving = failureOf(a.port.receive('q'));
    abort.abort(new Error('cancel requested'));
    expect(await sending).toMatchObject({ code: 'ABORTED' });
    expect((await receiving).code).toBe('ABORTED');
    const waiting = failureOf(b.port.receive('r'));
    await b.finish();
    expect(await waiting).toMatchObject({ name: 'MessageReceiveError', code: 'INVOCATION_FINISHED' });
    // The aborted send was not kept: a receiver gets nothing.
    await expect(b.port.receive('p', { timeoutSeconds: 0 })).rejects.toMatchObject({ code: 'INVOCATION_FINISHED' });
  });

  it('refuses bad arguments with INVALID_ARGUMENT naming them', async () => {
    const router = new InProcessRouter();
    const [a, b] = [await invocation(router), await invocation(router)];
    expect(await failureOf(a.port.send(b.id, '', 1))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('addressee') });
    expect(await failureOf(a.port.send(b.id, 'x'.repeat(257), 1))).toMatchObject({ message: expect.stringContaining('257 characters') });
    expect(await failureOf(a.port.send(b.id, 'p', undefined))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('undefined') });
    expect(await failureOf(a.port.send(b.id, 'p', 10n))).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('JSON') });
    expect(await failureOf(a.port.send(b.id, 'p', 1, { addresseeTimeoutSeconds: -1 }))).toMatchObject({
      message: expect.stringContaining('addresseeTimeoutSeconds'),
    });
    expect(await failureOf(a.port.send(42 as unknown as string, 'p', 1))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await failureOf(b.port.receive('p', { timeoutSeconds: Number.NaN }))).toMatchObject({ name: 'MessageReceiveError', code: 'INVALID_ARGUMENT' });
  });

  it('fails what waits when the router closes', async () => {
    const router = new InProcessRouter();
    const [a, b] = [await invocation(router), await invocation(router)];
    const sending = failureOf(a.port.send(b.id, 'p', 1));
    const receiving = failureOf(b.port.receive('q'));
    await router.close();
    expect((await sending).code).toBe('ROUTER_UNAVAILABLE');
    expect((await receiving).code).toBe('ROUTER_UNAVAILABLE');
  });
});

describe('messaging errors cross a process boundary as JSON', () => {
  it('toJSON and fromJSON give back the same class, code and message', () => {
    const errors: MessagingError[] = [
      new MessageSendError('ADDRESSEE_TIMEOUT', 'nobody came'),
      new MessageReceiveTimeout('nothing came'),
      new MessageReceiveError('ABORTED', 'cancelled'),
    ];
    for (const error of errors) {
      const json = JSON.parse(JSON.stringify(error)) as unknown;
      const back = MessagingError.fromJSON(json);
      expect(back.constructor).toBe(error.constructor);
      expect(back).toMatchObject({ name: error.name, code: error.code, message: error.message });
    }
  });

  it('rebuilds a foreign shape as ROUTER_UNAVAILABLE quoting it, never as a real answer', () => {
    expect(messagingErrorFromJSON({ name: 'MessageSendError', code: 'NOPE', message: 'x' })).toMatchObject({ code: 'ROUTER_UNAVAILABLE' });
    const odd = messagingErrorFromJSON('boom');
    expect(odd).toBeInstanceOf(MessageSendError);
    expect(odd.message).toContain('boom');
  });
});
