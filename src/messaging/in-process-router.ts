import { systemClock, type Clock } from '../swf/clock.js';
import { startTimer } from './timer.js';
import { formatCount } from '../swf/limits.js';
import { MessageReceiveError, MessageReceiveTimeout, MessageSendError } from './errors.js';
import { isInvocationId } from './invocation-id.js';
import { formatSeconds, MESSAGING_DEFAULTS } from './payload.js';
import type { MessageRouter, RoutedMessage, RouterReceiveRequest, RouterSendRequest } from './types.js';

/** Options of an {@link InProcessRouter}. */
export interface InProcessRouterOptions {
  /** How long a finished invocation is remembered, to tell `INVOCATION_FINISHED` from `INVOCATION_UNKNOWN`. @default 3600 */
  retentionSeconds?: number;
  /** Most finished invocations remembered; the oldest are forgotten first. @default 50000 */
  maxRetained?: number;
  /** Time source for timeouts. @default systemClock */
  clock?: Clock;
}

/** A party waiting on a port: a receiver, or a sender whose message waits for one. */
interface Waiter<T> {
  settle(value: T): void;
  fail(error: Error): void;
}
interface Offer extends Waiter<void> {
  readonly from: string;
  readonly data: string;
}
interface Port {
  readonly receivers: Waiter<RoutedMessage>[];
  readonly offers: Offer[];
}
type Invocation = Map<string, Port>;

/** The ports of an invocation nobody waits on yet (most never have one): shared, never written to (see #portsOf). */
const NO_PORTS: Invocation = new Map();

/**
 * Routes messages between invocations running in this process: the default, with no setup. Every
 * worker in the process shares one ({@link defaultMessageRouter}), so activities of different workers
 * in one process reach each other too.
 *
 * A message is handed from sender to receiver in memory: the send resolves as the receive does. It is
 * held only while its send waits for a receiver, and dropped when that send fails.
 */
export class InProcessRouter implements MessageRouter {
  readonly kind = 'in-process';
  readonly #running = new Map<string, Invocation>();
  /** Finished ids with when they finished, oldest first. */
  readonly #finished = new Map<string, number>();
  readonly #retentionMs: number;
  /** When the oldest remembered finished id finished: no walk of #finished until one is due to go. */
  #oldestAt = Number.POSITIVE_INFINITY;
  readonly #maxRetained: number;
  readonly #clock: Clock;
  #closed = false;

  constructor(options: InProcessRouterOptions = {}) {
    const retention = options.retentionSeconds ?? MESSAGING_DEFAULTS.retentionSeconds;
    if (typeof retention !== 'number' || !(retention >= 0)) throw new TypeError(`retentionSeconds must be a number ≥ 0, got ${String(retention)}`);
    const max = options.maxRetained ?? 50_000;
    if (!Number.isInteger(max) || max < 0) throw new TypeError(`maxRetained must be an integer ≥ 0, got ${String(max)}`);
    this.#retentionMs = retention * 1000;
    this.#maxRetained = max;
    this.#clock = options.clock ?? systemClock;
  }

  /** Where an invocation is, as far as this router knows. @internal */
  status(invocationId: string): 'running' | 'finished' | 'unknown' {
    if (this.#running.has(invocationId)) return 'running';
    const at = this.#finished.get(invocationId);
    return at !== undefined && this.#clock.now() - at <= this.#retentionMs ? 'finished' : 'unknown';
  }

  /** Ids running here right now. @internal */
  runningIds(): IterableIterator<string> {
    return this.#running.keys();
  }

  register(invocationId: string): Promise<void> {
    try {
      this.registerNow(invocationId);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve();
  }

  /**
   * {@link register} done at once: throws instead of rejecting (the worker's hot path). `fresh` skips
   * the look-up among finished ids, for an id just drawn by `newInvocationId` (128 random bits): in a
   * table of up to `maxRetained` ids, that look-up is a cache miss per task. @internal
   */
  registerNow(invocationId: string, fresh = false): void {
    if (this.#running.has(invocationId) || (!fresh && this.#finished.has(invocationId))) {
      throw new Error(`invocation ${invocationId} was registered before: ids must be new`);
    }
    this.#running.set(invocationId, NO_PORTS);
  }

  finish(invocationId: string): Promise<void> {
    this.finishNow(invocationId);
    return Promise.resolve();
  }

  /** {@link finish} done at once (the worker's hot path). @internal */
  finishNow(invocationId: string): void {
    const invocation = this.#running.get(invocationId);
    if (!invocation) return;
    this.#running.delete(invocationId);
    this.#remember(invocationId);
    for (const [addressee, port] of invocation) {
      for (const offer of port.offers.splice(0)) {
        offer.fail(new MessageSendError('INVOCATION_FINISHED', `invocation ${invocationId} finished before anything received on ${JSON.stringify(addressee)}; the message was not delivered`));
      }
      for (const receiver of port.receivers.splice(0)) {
        receiver.fail(new MessageReceiveError('INVOCATION_FINISHED', `invocation ${invocationId} finished while waiting on ${JSON.stringify(addressee)}`));
      }
    }
  }

  send(request: RouterSendRequest): Promise<void> {
    const { to, addressee, addresseeTimeoutMs, timeoutMs, signal } = request;
    if (this.#closed) return Promise.reject(new MessageSendError('ROUTER_UNAVAILABLE', 'the message router is closed'));
    const invocation = this.#running.get(to);
    if (!invocation) return Promise.reject(this.notRunning(to, this.status(to)));
    const port = invocation.get(addressee);
    const receiver = port?.receivers.shift();
    if (receiver) {
      receiver.settle({ from: request.from, addressee, data: request.data });
      this.#prune(invocation, addressee);
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(sendAborted(signal));
    const limit = Math.min(addresseeTimeoutMs, timeoutMs);
    const timeout = (): Error =>
      addresseeTimeoutMs <= timeoutMs
        ? new MessageSendError('ADDRESSEE_TIMEOUT', `invocation ${to} runs, but nothing received on ${JSON.stringify(addressee)} within ${formatSeconds(addresseeTimeoutMs)} (addresseeTimeoutSeconds); the message was dropped`)
        : new MessageSendError('TIMEOUT', `the send to ${JSON.stringify(addressee)} of invocation ${to} took longer than ${formatSeconds(timeoutMs)} (timeoutSeconds); the message was dropped`);
    if (limit <= 0) return Promise.reject(timeout());
    return this.#wait<void>(this.#portsOf(to, invocation), addressee, limit, signal, timeout, sendAborted, (waiter) => ({ ...waiter, from: request.from, data: request.data }), 'offers');
  }

  receive(request: RouterReceiveRequest): Promise<RoutedMessage> {
    const { invocationId, addressee, timeoutMs, signal } = request;
    if (this.#closed) return Promise.reject(new MessageReceiveError('ROUTER_UNAVAILABLE', 'the message router is closed'));
    const invocation = this.#running.get(invocationId);
    if (!invocation) {
      return Promise.reject(new MessageReceiveError('INVOCATION_FINISHED', `invocation ${invocationId} is not running here: only a running activity receives messages`));
    }
    const offer = invocation.get(addressee)?.offers.shift();
    if (offer) {
      offer.settle();
      this.#prune(invocation, addressee);
      return Promise.resolve({ from: offer.from, addressee, data: offer.data });
    }
    if (signal?.aborted) return Promise.reject(receiveAborted(signal));
    const timeout = (): Error => new MessageReceiveTimeout(`no message came to ${JSON.stringify(addressee)} within ${formatSeconds(timeoutMs)} (timeoutSeconds)`);
    if (timeoutMs <= 0) return Promise.reject(timeout());
    return this.#wait<RoutedMessage>(this.#portsOf(invocationId, invocation), addressee, timeoutMs, signal, timeout, receiveAborted, (waiter) => waiter, 'receivers');
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const invocation of this.#running.values()) {
      for (const port of invocation.values()) {
        for (const offer of port.offers.splice(0)) offer.fail(new MessageSendError('ROUTER_UNAVAILABLE', 'the message router was closed before a receiver came'));
        for (const receiver of port.receivers.splice(0)) receiver.fail(new MessageReceiveError('ROUTER_UNAVAILABLE', 'the message router was closed'));
      }
    }
    return Promise.resolve();
  }

  /** The error for a send to an invocation that does not run here. @internal */
  notRunning(to: string, status: 'running' | 'finished' | 'unknown'): MessageSendError {
    if (status === 'finished') {
      return new MessageSendError('INVOCATION_FINISHED', `invocation ${to} has finished; messages reach only running invocations`);
    }
    if (!isInvocationId(to)) {
      return new MessageSendError(
        'INVOCATION_UNKNOWN',
        `${JSON.stringify(to.length > 60 ? `${to.slice(0, 60)}…` : to)} is not an invocation id (they look like inv- and 22 base64url characters): pass the target's activityInfo().invocationId`,
      );
    }
    return new MessageSendError(
      'INVOCATION_UNKNOWN',
      `no invocation ${to} has run (or it finished more than ${formatSeconds(this.#retentionMs)} ago and is forgotten); check the id the target passed on`,
    );
  }

  /** Queues a waiter on a port with its timer and abort listener; whichever ends it first wins. */
  #wait<T>(
    invocation: Invocation,
    addressee: string,
    limitMs: number,
    signal: AbortSignal | undefined,
    timeout: () => Error,
    aborted: (signal: AbortSignal) => Error,
    make: (waiter: Waiter<T>) => Waiter<T>,
    side: 'offers' | 'receivers',
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const done = (): void => {
        cancelTimer?.();
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter = make({
        settle: (value) => {
          done();
          resolve(value);
        },
        fail: (error) => {
          done();
          reject(error);
        },
      });
      let port = invocation.get(addressee);
      if (!port) invocation.set(addressee, (port = { receivers: [], offers: [] }));
      const list = port[side] as Waiter<T>[];
      const leave = (error: Error): void => {
        const i = list.indexOf(waiter);
        if (i < 0) return; // already taken
        list.splice(i, 1);
        this.#prune(invocation, addressee);
        waiter.fail(error);
      };
      const onAbort = (): void => leave(aborted(signal as AbortSignal));
      list.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(limitMs)) cancelTimer = startTimer(this.#clock, limitMs, () => leave(timeout()));
    });
  }

  /** The invocation's own map of ports, made when the first party waits on one. */
  #portsOf(invocationId: string, invocation: Invocation): Invocation {
    if (invocation !== NO_PORTS) return invocation;
    const ports: Invocation = new Map();
    this.#running.set(invocationId, ports);
    return ports;
  }

  #prune(invocation: Invocation, addressee: string): void {
    const port = invocation.get(addressee);
    if (port && port.offers.length === 0 && port.receivers.length === 0) invocation.delete(addressee);
  }

  #remember(invocationId: string): void {
    const now = this.#clock.now();
    this.#finished.set(invocationId, now);
    if (this.#oldestAt === Number.POSITIVE_INFINITY) this.#oldestAt = now;
    // Most calls forget nothing: walk (an iterator per call) only when the oldest is due to go.
    if (this.#finished.size <= this.#maxRetained && now - this.#oldestAt <= this.#retentionMs) return;
    this.#oldestAt = Number.POSITIVE_INFINITY;
    for (const [id, at] of this.#finished) {
      if (this.#finished.size <= this.#maxRetained && now - at <= this.#retentionMs) {
        this.#oldestAt = at;
        break;
      }
      this.#finished.delete(id);
    }
  }

  /** How many finished ids are remembered. @internal */
  get retained(): number {
    return this.#finished.size;
  }

  /** For logs: `3 running, 120 remembered finished`. @internal */
  describe(): string {
    return `${formatCount(this.#running.size)} running, ${formatCount(this.#finished.size)} remembered finished`;
  }
}

function sendAborted(signal: AbortSignal): MessageSendError {
  return new MessageSendError('ABORTED', `the send was abandoned: ${reasonOf(signal)}; the message was not delivered`);
}

function receiveAborted(signal: AbortSignal): MessageReceiveError {
  return new MessageReceiveError('ABORTED', `the receive was abandoned: ${reasonOf(signal)}`);
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason);
}
