/**
 * The call / stream / cancel protocol over a communicator, in tractor's shape: calls go both ways and
 * are multiplexed by call id; each is acknowledged as `asyncfunc` (one return) or `asyncgen` (yields,
 * then stop); errors come back boxed; cancelling is itself a call (`self.cancel`). See docs/protocol.md.
 */
import { FlowySwfError } from '../swf/errors.js';
import { CommunicatorClosedError, type Communicator } from './communicator.js';
import { Served } from './served.js';
import {
  boxError,
  ProtocolError,
  unboxError,
  type BoxedError,
  type CallMessage,
  type FuncType,
  type Message,
} from './messages.js';

/** How many yields a stream's caller takes before it grants more, unless told otherwise. */
export const DEFAULT_STREAM_CREDIT = 16;

/** What a served function is given besides its arguments. */
export interface CallContext {
  /** Aborted when the caller cancels the call (`self.cancel`) or the channel closes. */
  readonly signal: AbortSignal;
  /** Who called. */
  readonly callerId: string;
  readonly callId: number;
}

/**
 * A function the other side may call. Returning an async iterable (not a promise) makes the call a
 * stream (`asyncgen`): its values are yields and its return value travels with `stop`. Anything else
 * (a value or a promise) is one `return`.
 */
export type Handler = (args: unknown, context: CallContext) => unknown;

/** Finds the handler of `ns`.`func`, or `undefined` when there is none. */
export type HandlerLookup = (ns: string, func: string) => Handler | undefined;

/** No function of that name is served on the other side. */
export class NoSuchFunctionError extends FlowySwfError {
  override name = 'NoSuchFunctionError';
}

/** The caller cancelled the call. */
export class CallCancelledError extends FlowySwfError {
  override name = 'CallCancelledError';
}

/** A stream sent more yields than its caller granted; the caller ends the stream and cancels the call. */
export class StreamOverrunError extends FlowySwfError {
  override name = 'StreamOverrunError';
}

/** A call's answer did not come in time. */
export class CallTimeoutError extends FlowySwfError {
  override name = 'CallTimeoutError';
}

/** Options of {@link Peer}. */
export interface PeerOptions {
  /** This side's caller id: `worker:<pid>`, `child:<pid>`. */
  id: string;
  /** Functions this side serves besides the built-in `self.cancel` and `self.ping` (which answers `{ pid, rss }`). @default none */
  handlers?: HandlerLookup;
}

/** A call this side made: its acknowledgement, its yields (when it streams) and its result. */
export interface RemoteCall extends AsyncIterable<unknown> {
  readonly callId: number;
  /** Resolves with the callee's functype once it acknowledged the call. */
  readonly ack: Promise<FuncType>;
  /** The return value (`asyncfunc`) or the stop value (`asyncgen`); rejects with the remote error. */
  readonly result: Promise<unknown>;
  /** Asks the callee to cancel the call; resolves `true` when it was still running there. */
  cancel(reason?: unknown): Promise<boolean>;
}

interface Outgoing {
  functype: FuncType | undefined;
  credit: number;
  granted: number;
  yields: unknown[];
  ended: boolean;
  wake: (() => void) | undefined;
  resolveAck(functype: FuncType): void;
  rejectAck(error: Error): void;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function' &&
    typeof (value as { then?: unknown }).then !== 'function'
  );
}

/** One end of the protocol: calls the other side and serves its calls, over one communicator. */
export class Peer {
  readonly #comm: Communicator;
  readonly #options: PeerOptions;
  readonly #handlers = new Map<string, Handler>();
  readonly #calls = new Map<number, Outgoing>();
  readonly #served = new Map<number, Served>();
  #nextCallId = 1;
  #closedError: Error | undefined;
  /** Resolves when the channel is closed, with the error that closed it, if any. */
  readonly closed: Promise<Error | undefined>;

  constructor(communicator: Communicator, options: PeerOptions) {
    this.#comm = communicator;
    this.#options = options;
    this.register('self', 'cancel', (args) => this.#cancelServed(args));
    this.register('self', 'ping', () => ({ pid: process.pid, rss: process.memoryUsage.rss() }));
    this.closed = this.#readLoop();
  }

  /** Serves `ns`.`func`; a later registration of the same name replaces it. */
  register(ns: string, func: string, handler: Handler): void {
    this.#handlers.set(`${ns}.${func}`, handler);
  }

  /** Whether the channel is still open. */
  get isOpen(): boolean {
    return this.#closedError === undefined;
  }

  /** Calls `ns`.`func` with `args`; see {@link RemoteCall}. `callerId` replaces this side's id on this call. */
  open(ns: string, func: string, args: unknown, options: { credit?: number; callerId?: string } = {}): RemoteCall {
    const callId = this.#nextCallId++;
    const credit = options.credit ?? DEFAULT_STREAM_CREDIT;
    let resolveAck!: (f: FuncType) => void;
    let rejectAck!: (e: Error) => void;
    let resolve!: (v: unknown) => void;
    let reject!: (e: Error) => void;
    const ack = new Promise<FuncType>((res, rej) => ((resolveAck = res), (rejectAck = rej)));
    const result = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)));
    ack.catch(() => {});
    result.catch(() => {});
    const call: Outgoing = {
      functype: undefined,
      credit,
      granted: 0,
      yields: [],
      ended: false,
      wake: undefined,
      resolveAck,
      rejectAck,
      resolve: (v) => this.#endCall(callId, call, () => resolve(v)),
      reject: (e) => this.#endCall(callId, call, () => (rejectAck(e), reject(e))),
    };
    if (this.#closedError) {
      call.reject(this.#closedError);
    } else {
      this.#calls.set(callId, call);
      const message: CallMessage = { type: 'call', callId, callerId: options.callerId ?? this.#options.id, ns, func, args, credit };
      try {
        this.#comm.write(message);
      } catch (error) {
        call.reject(error as Error);
      }
    }
    return {
      callId,
      ack,
      result,
      cancel: (reason?: unknown) => this.#cancelRemote(callId, reason),
      [Symbol.asyncIterator]: () => this.#yields(callId, call),
    };
  }

  /**
   * Calls `ns`.`func` and resolves with its return (or stop) value; yields of a stream are dropped.
   * `timeoutMs` rejects with `CallTimeoutError` when no answer came in time; `callerId` replaces this side's id;
   * `signal` cancels the call on the other side when it aborts (the call then rejects with what the callee threw).
   */
  async call(ns: string, func: string, args: unknown, options: { timeoutMs?: number; callerId?: string; signal?: AbortSignal } = {}): Promise<unknown> {
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    const remote = this.open(ns, func, args, options.callerId === undefined ? {} : { callerId: options.callerId });
    const drain = (async () => {
      for await (const _ of remote) {
        // a stream's values are not wanted here
      }
    })();
    drain.catch(() => {});
    if (!signal) return this.#answerWithin(ns, func, remote, options.timeoutMs);
    const onAbort = (): void => void remote.cancel(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.#answerWithin(ns, func, remote, options.timeoutMs);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** `remote`'s result, or `CallTimeoutError` (the call given up on) when it did not come within `timeoutMs`. */
  #answerWithin(ns: string, func: string, remote: RemoteCall, timeoutMs: number | undefined): Promise<unknown> {
    if (timeoutMs === undefined) return remote.result;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const call = this.#calls.get(remote.callId);
        const error = new CallTimeoutError(`${ns}.${func} did not answer within ${timeoutMs} ms`);
        if (call) call.reject(error);
        reject(error);
      }, timeoutMs);
    });
    return Promise.race([remote.result, timeout]).finally(() => clearTimeout(timer));
  }

  /** Closes the channel: calls in flight reject, served calls are aborted. */
  async close(): Promise<void> {
    await this.#comm.close();
    await this.closed;
  }

  async *#yields(callId: number, call: Outgoing): AsyncGenerator<unknown, void> {
    for (;;) {
      if (call.yields.length > 0) {
        const value = call.yields.shift();
        call.granted++;
        if (call.granted >= Math.max(1, Math.floor(call.credit / 2)) && !call.ended) {
          const n = call.granted;
          call.granted = 0;
          this.#safeWrite({ type: 'credit', callId, n });
        }
        yield value;
        continue;
      }
      if (call.ended) return;
      await new Promise<void>((resolve) => (call.wake = resolve));
      call.wake = undefined;
    }
  }

  #endCall(callId: number, call: Outgoing, settle: () => void): void {
    if (call.ended) return;
    call.ended = true;
    this.#calls.delete(callId);
    settle();
    call.wake?.();
  }

  async #cancelRemote(callId: number, reason: unknown): Promise<boolean> {
    if (!this.#calls.has(callId)) return false;
    const boxed: BoxedError | undefined = reason === undefined ? undefined : boxError(reason);
    try {
      return (await this.call('self', 'cancel', boxed ? { callId, reason: boxed } : { callId })) === true;
    } catch {
      return false;
    }
  }

  #cancelServed(args: unknown): boolean {
    const { callId, reason } = (args ?? {}) as { callId?: unknown; reason?: BoxedError };
    const served = typeof callId === 'number' ? this.#served.get(callId) : undefined;
    if (!served) return false;
    served.abort(reason ? unboxError(reason) : new CallCancelledError(`call ${String(callId)} was cancelled by its caller`));
    return true;
  }

  async #readLoop(): Promise<Error | undefined> {
    for (;;) {
      const message = await this.#comm.read();
      if (message === undefined) break;
      try {
        this.#dispatch(message);
      } catch (error) {
        await this.#comm.close();
        this.#shutdown(error as Error);
        return error as Error;
      }
    }
    const error = await this.#comm.closed;
    this.#shutdown(error ?? new CommunicatorClosedError(`the ${this.#comm.name} channel closed: the other process ended or closed it`));
    return error;
  }

  #shutdown(error: Error): void {
    this.#closedError ??= error;
    for (const call of [...this.#calls.values()]) call.reject(error);
    for (const served of this.#served.values()) served.abort(error);
  }

  #dispatch(message: Message): void {
    if (message.type === 'call') {
      void this.#serve(message);
      return;
    }
    if (message.type === 'credit') {
      const served = this.#served.get(message.callId);
      if (served) {
        served.credit += message.n;
        served.wake?.();
      }
      return;
    }
    const call = this.#calls.get(message.callId);
    if (!call) return; // a late answer to a call given up on (timed out, channel reset)
    switch (message.type) {
      case 'ack':
        call.functype = message.functype;
        call.resolveAck(message.functype);
        return;
      case 'return':
        if (call.functype !== 'asyncfunc') throw new ProtocolError(`return for call ${message.callId}, which was not acknowledged as asyncfunc`);
        call.resolve(message.value);
        return;
      case 'yield':
        if (call.functype !== 'asyncgen') throw new ProtocolError(`yield for call ${message.callId}, which was not acknowledged as asyncgen`);
        call.yields.push(message.value);
        if (call.yields.length > call.credit) {
          call.reject(new StreamOverrunError(`call ${message.callId} sent ${call.yields.length} yields with ${call.credit} granted; the stream is ended and the call cancelled`));
          void this.#cancelRemote(message.callId, undefined);
          return;
        }
        call.wake?.();
        return;
      case 'stop':
        if (call.functype !== 'asyncgen') throw new ProtocolError(`stop for call ${message.callId}, which was not acknowledged as asyncgen`);
        call.resolve(message.value);
        return;
      case 'error':
        call.reject(unboxError(message.error));
        return;
    }
  }

  #safeWrite(message: Message): boolean {
    try {
      this.#comm.write(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a value-carrying message; a value with no JSON form (or too large) becomes the call's error. */
  #answer(message: Message): void {
    try {
      this.#comm.write(message);
    } catch (error) {
      if (error instanceof CommunicatorClosedError) return;
      this.#safeWrite({ type: 'error', callId: message.callId, error: boxError(error) });
    }
  }

  async #serve(message: CallMessage): Promise<void> {
    const { callId } = message;
    const handler = this.#handlers.get(`${message.ns}.${message.func}`) ?? this.#options.handlers?.(message.ns, message.func);
    if (!handler) {
      const error = new NoSuchFunctionError(`no function ${message.ns}.${message.func} is served by ${this.#options.id}`);
      this.#safeWrite({ type: 'error', callId, error: boxError(error) });
      return;
    }
    const served = new Served(message.callerId, callId, message.credit ?? DEFAULT_STREAM_CREDIT);
    if (this.#closedError) served.abort(this.#closedError);
    this.#served.set(callId, served);
    try {
      const out = handler(message.args, served);
      if (isAsyncIterable(out)) {
        this.#safeWrite({ type: 'ack', callId, functype: 'asyncgen' });
        await this.#stream(callId, served, out[Symbol.asyncIterator]());
      } else {
        this.#safeWrite({ type: 'ack', callId, functype: 'asyncfunc' });
        const value = await out;
        this.#answer({ type: 'return', callId, value });
      }
    } catch (error) {
      this.#safeWrite({ type: 'error', callId, error: boxError(error) });
    } finally {
      this.#served.delete(callId);
    }
  }

  async #stream(callId: number, served: Served, it: AsyncIterator<unknown>): Promise<void> {
    for (;;) {
      while (served.credit <= 0) {
        if (served.aborted) {
          await it.return?.();
          throw served.reason;
        }
        await new Promise<void>((resolve) => (served.wake = resolve));
        served.wake = undefined;
      }
      const step = await it.next();
      if (step.done) {
        this.#answer({ type: 'stop', callId, value: step.value });
        return;
      }
      served.credit--;
      this.#answer({ type: 'yield', callId, value: step.value });
    }
  }
}
