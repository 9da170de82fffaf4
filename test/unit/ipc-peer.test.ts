/** The protocol over an in-memory socket pair: calls both ways, streams with credit, errors, cancel, close. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FrameDecoder,
  FrameError,
  NoSuchFunctionError,
  Peer,
  RemoteError,
  StreamCommunicator,
  StreamOverrunError,
  type Handler,
} from '../../src/ipc/index.js';

function pair(): [StreamCommunicator, StreamCommunicator] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  return [new StreamCommunicator('pipe', bToA, aToB), new StreamCommunicator('pipe', aToB, bToA)];
}

function peers(aHandlers: Record<string, Handler> = {}, bHandlers: Record<string, Handler> = {}): [Peer, Peer] {
  const [ca, cb] = pair();
  const a = new Peer(ca, { id: 'a', handlers: (ns, f) => aHandlers[`${ns}.${f}`] });
  const b = new Peer(cb, { id: 'b', handlers: (ns, f) => bHandlers[`${ns}.${f}`] });
  return [a, b];
}

describe('writes', () => {
  it('a quick call\'s ack and return leave in one write; a side that writes at once sends each message alone', async () => {
    const toServer = new PassThrough();
    const toCaller = new PassThrough();
    const chunks: Buffer[] = [];
    toCaller.on('data', (c: Buffer) => chunks.push(c));
    const server = new Peer(new StreamCommunicator('pipe', toServer, toCaller), {
      id: 'server',
      handlers: (ns, f) => (ns === 'x' && f === 'echo' ? async (args) => args : undefined),
    });
    const sent: Buffer[] = [];
    toServer.on('data', (c: Buffer) => sent.push(c));
    const caller = new Peer(new StreamCommunicator('pipe', toCaller, toServer, undefined, 'now'), { id: 'caller' });
    expect(await caller.call('x', 'echo', { n: 1 })).toEqual({ n: 1 });
    // One chunk holding two frames: the ack, then the return.
    expect(chunks).toHaveLength(1);
    expect(new FrameDecoder().push(chunks[0]!)).toMatchObject([{ type: 'ack' }, { type: 'return', value: { n: 1 } }]);
    const before = sent.length;
    const streamed = caller.open('x', 'echo', 1);
    const other = caller.open('x', 'echo', 2);
    expect(sent.length - before).toBe(2); // written at once, each alone
    await Promise.all([streamed.result, other.result]);
    await Promise.all([caller.close(), server.close()]);
  });
});

describe('framing', () => {
  it('decodes frames split at every byte and several frames in one chunk', () => {
    const frames = Buffer.concat([...encodeFrame({ a: 1 }), ...encodeFrame({ b: 'é✓' }), ...encodeFrame([3])]);
    const decoder = new FrameDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < frames.length; i++) out.push(...decoder.push(frames.subarray(i, i + 1)));
    expect(out).toEqual([{ a: 1 }, { b: 'é✓' }, [3]]);
    expect(new FrameDecoder().push(frames)).toEqual([{ a: 1 }, { b: 'é✓' }, [3]]);
    const large = 'é'.repeat(100_000);
    const parts = encodeFrame(large);
    expect(parts).toHaveLength(2); // header and body, the body not copied
    expect(new FrameDecoder().push(Buffer.concat(parts))).toEqual([large]);
  });

  it('refuses a message over the limit on both ends, naming sizes and the option', () => {
    expect(() => encodeFrame('x'.repeat(100), 50)).toThrow(/102 bytes; this communicator takes at most 50 bytes \(maxMessageBytes\)/);
    const header = encodeFrame('x'.repeat(100))[0]!.subarray(0, 4);
    expect(() => new FrameDecoder(50).push(header)).toThrow(FrameError);
    expect(() => encodeFrame({ n: 1n })).toThrow(/no JSON form/);
  });
});

describe('Peer', () => {
  it('calls both ways, acknowledged asyncfunc, multiplexed by call id', async () => {
    const [a, b] = peers(
      { 'host.double': (args) => (args as { n: number }).n * 2 },
      {
        'task.slow': async (args) => {
          await new Promise((r) => setTimeout(r, 30));
          return `slow ${String(args)}`;
        },
        'task.callback': async () => b.call('host', 'double', { n: 21 }),
      },
    );
    const slow = a.open('task', 'slow', 'x');
    const quick = a.open('task', 'callback', null);
    expect(await slow.ack).toBe('asyncfunc');
    expect(await quick.result).toBe(42);
    expect(await slow.result).toBe('slow x');
    await a.close();
  });

  it('streams yields and carries the generator return value with stop', async () => {
    const [a] = peers({}, {
      'task.count': async function* (args) {
        for (let i = 0; i < (args as number); i++) yield i;
        return 'finished';
      },
    });
    const call = a.open('task', 'count', 40, { credit: 4 });
    const seen: unknown[] = [];
    for await (const v of call) seen.push(v);
    expect(await call.ack).toBe('asyncgen');
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await call.result).toBe('finished');
    await a.close();
  });

  it('a stream waits for credit: an unread stream is paused, not buffered without end', async () => {
    let produced = 0;
    const [a] = peers({}, {
      'task.fast': async function* () {
        for (;;) yield produced++;
      },
    });
    const call = a.open('task', 'fast', null, { credit: 8 });
    await call.ack;
    await new Promise((r) => setTimeout(r, 50));
    expect(produced).toBeLessThanOrEqual(9);
    expect(await call.cancel()).toBe(true);
    await expect(call.result).rejects.toMatchObject({ name: 'CallCancelledError' });
    await a.close();
  });

  it('a sender that ignores credit overruns: the stream fails with StreamOverrunError', async () => {
    const aToB = new PassThrough();
    const bToA = new PassThrough();
    const a = new Peer(new StreamCommunicator('pipe', bToA, aToB), { id: 'a' });
    const call = a.open('task', 'rude', null, { credit: 2 });
    const write = (m: unknown): void => {
      for (const b of encodeFrame(m)) bToA.write(b);
    };
    write({ type: 'ack', callId: call.callId, functype: 'asyncgen' });
    for (let i = 0; i < 5; i++) write({ type: 'yield', callId: call.callId, value: i });
    await expect(call.result).rejects.toBeInstanceOf(StreamOverrunError);
    await a.close();
  });

  it('boxes errors with type, message, stack and cause chain', async () => {
    const [a] = peers({}, {
      'task.fail': () => {
        throw new RangeError('outer', { cause: new TypeError('inner') });
      },
    });
    const error = (await a.call('task', 'fail', null).catch((e: unknown) => e)) as RemoteError;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.name).toBe('RangeError');
    expect(error.message).toBe('outer');
    expect(error.stack).toMatch(/^RangeError: outer\n\s+at /);
    expect((error.cause as RemoteError).name).toBe('TypeError');
    expect((error.cause as RemoteError).message).toBe('inner');
    await expect(a.call('nope', 'missing', null)).rejects.toMatchObject({ name: NoSuchFunctionError.name, message: /no function nope\.missing/ });
    await a.close();
  });

  it('cancel is a call: the callee signal aborts with the reason, the cancel answers true, then false', async () => {
    let seenReason: unknown;
    const [a] = peers({}, {
      'task.wait': (_args, ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((seenReason = ctx.signal.reason), reject(ctx.signal.reason)))),
    });
    const call = a.open('task', 'wait', null);
    await call.ack;
    const reason = Object.assign(new Error('stop now'), { name: 'ActivityAbortedError', kind: 'cancelled' });
    expect(await call.cancel(reason)).toBe(true);
    await expect(call.result).rejects.toMatchObject({ name: 'ActivityAbortedError', kind: 'cancelled' });
    expect((seenReason as RemoteError).kind).toBe('cancelled');
    expect(await call.cancel()).toBe(false);
    await a.close();
  });

  it('a handler that first looks at its signal after the cancel came finds it aborted with the first reason', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let seen: { aborted: boolean; reason: unknown } | undefined;
    const [a] = peers({}, {
      'task.late': async (_args, ctx) => {
        await gate; // the signal is not looked at before the cancels arrive
        seen = { aborted: ctx.signal.aborted, reason: ctx.signal.reason };
        return 'done';
      },
    });
    const call = a.open('task', 'late', null);
    await call.ack;
    const first = Object.assign(new Error('first'), { name: 'ActivityAbortedError', kind: 'cancelled' });
    expect(await call.cancel(first)).toBe(true);
    expect(await call.cancel(new Error('second'))).toBe(true);
    release();
    expect(await call.result).toBe('done');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toMatchObject({ name: 'ActivityAbortedError', message: 'first', kind: 'cancelled' });
    await a.close();
  });

  it('call with a signal cancels the call in the callee when the signal aborts; an aborted signal sends nothing', async () => {
    let calls = 0;
    const [a] = peers({}, {
      'task.wait': (_args, ctx) => {
        calls++;
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      },
    });
    const controller = new AbortController();
    const waiting = a.call('task', 'wait', null, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(Object.assign(new Error('gave up'), { name: 'ActivityAbortedError', kind: 'cancelled' }));
    await expect(waiting).rejects.toMatchObject({ name: 'ActivityAbortedError', kind: 'cancelled', message: 'gave up' });
    await expect(a.call('task', 'wait', null, { signal: controller.signal })).rejects.toThrow('gave up');
    expect(calls).toBe(1);
    await a.close();
  });

  it('a value with no JSON form becomes the call error; a closed channel rejects calls in flight', async () => {
    const [a, b] = peers({}, { 'task.bigint': () => 1n, 'task.never': () => new Promise(() => {}) });
    await expect(a.call('task', 'bigint', null)).rejects.toMatchObject({ name: 'FrameError' });
    const never = a.call('task', 'never', null);
    await b.close();
    await expect(never).rejects.toMatchObject({ name: 'CommunicatorClosedError' });
    expect(a.isOpen).toBe(false);
  });

  it('a call times out with CallTimeoutError', async () => {
    const [a] = peers({}, { 'task.never': () => new Promise(() => {}) });
    await expect(a.call('task', 'never', null, { timeoutMs: 20 })).rejects.toMatchObject({ name: 'CallTimeoutError' });
    await a.close();
  });
});

