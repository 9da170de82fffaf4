import { randomBytes } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { systemClock, type Clock } from '../swf/clock.js';
import { MessageReceiveError, MessageSendError, messagingErrorFromJSON, MessagingError } from './errors.js';
import { InProcessRouter } from './in-process-router.js';
import { isInvocationId } from './invocation-id.js';
import { formatSeconds, MESSAGING_DEFAULTS } from './payload.js';
import { startTimer } from './timer.js';
import { decodeEnvelope, redisKeys, type Envelope, type RedisKeys } from './redis-protocol.js';
import type { MessageRouter, RoutedMessage, RouterReceiveRequest, RouterSendRequest } from './types.js';

/** Options of {@link RedisRouter.connect}. */
export interface RedisRouterOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key the router writes. @default 'flowy:msg:' */
  keyPrefix?: string;
  /** How long a finished invocation is remembered, to tell finished from unknown. @default 3600 */
  retentionSeconds?: number;
  /**
   * A worker that has not refreshed its liveness key for this long is taken as gone: its invocations
   * stop being running, and sends in flight to them fail. Refreshed every third of it. @default 30
   */
  livenessSeconds?: number;
  /** Time source for timers. @default systemClock */
  clock?: Clock;
  /** More ioredis options (TLS, sentinels...); `lazyConnect` and `maxRetriesPerRequest` are set by the router. */
  redisOptions?: RedisOptions;
  /** Told about trouble the router recovers from (a lost connection, a malformed envelope). @default silent */
  onWarning?: (message: string, error?: unknown) => void;
}

interface PendingSend {
  readonly targetWorker: string;
  settle(error?: Error): void;
}

const noop = (): void => {};

/** The most a command (not the inbox read) may take before it fails as ROUTER_UNAVAILABLE. */
const COMMAND_TIMEOUT_MS = 5_000;

/** Most envelopes taken from the inbox in one round trip after a blocking pop. */
const INBOX_BATCH = 256;

/**
 * Routes messages between workers through Redis, so activities on different processes and hosts
 * reach each other. Which worker runs an invocation (`inv:<id>`), which finished, whether a worker
 * is alive (`live:<worker>`, refreshed) and each worker's inbox (`inbox:<worker>`, a list) are Redis
 * keys with expiries; a worker hands a message to the target's worker, which delivers it to a
 * local receiver (an {@link InProcessRouter}) and answers in the sender's inbox. See docs/messaging.md
 * for the guarantees.
 */
export class RedisRouter implements MessageRouter {
  readonly kind = 'redis';
  /** This router's worker id: its inbox and liveness keys. */
  readonly workerId = `w-${randomBytes(9).toString('base64url')}`;
  readonly #commands: Redis;
  readonly #blocking: Redis;
  readonly #keys: RedisKeys;
  readonly #local: InProcessRouter;
  readonly #clock: Clock;
  readonly #retentionSeconds: number;
  readonly #livenessMs: number;
  readonly #warn: (message: string, error?: unknown) => void;
  readonly #pending = new Map<string, PendingSend>();
  /** Messages from other workers waiting here for a receiver, by message id: aborted by a cancel. */
  readonly #incoming = new Map<string, AbortController>();
  /** Workers seen alive, with when: a send skips the liveness check within a third of the period. */
  readonly #liveSeen = new Map<string, number>();
  readonly #stop = new AbortController();
  #loops: Promise<unknown> = Promise.resolve();
  #closePromise: Promise<void> | undefined;

  private constructor(options: RedisRouterOptions, commands: Redis, blocking: Redis) {
    this.#commands = commands;
    this.#blocking = blocking;
    this.#keys = redisKeys(options.keyPrefix ?? 'flowy:msg:');
    this.#clock = options.clock ?? systemClock;
    this.#retentionSeconds = Math.ceil(options.retentionSeconds ?? MESSAGING_DEFAULTS.retentionSeconds);
    this.#livenessMs = (options.livenessSeconds ?? 30) * 1000;
    this.#warn = options.onWarning ?? noop;
    this.#local = new InProcessRouter({ clock: this.#clock, retentionSeconds: this.#retentionSeconds });
  }

  /**
   * Connects to Redis, marks this worker alive and starts reading its inbox. Rejects with a
   * `MessageSendError` (`ROUTER_UNAVAILABLE`) naming the server (password hidden) when it cannot connect.
   */
  static async connect(options: RedisRouterOptions): Promise<RedisRouter> {
    checkOptions(options);
    // Loaded here, not at import: a worker without Redis messaging never pays for loading the client.
    const { Redis } = await import('ioredis');
    const base: RedisOptions = { ...options.redisOptions, lazyConnect: true, enableOfflineQueue: true };
    // Commands fail within seconds while Redis is away (a task's register must not hang on it); the
    // inbox read waits through reconnections instead, and is re-sent on the new connection.
    const commands = new Redis(options.url, { maxRetriesPerRequest: 2, commandTimeout: COMMAND_TIMEOUT_MS, ...base, connectionName: 'flowy-messaging' });
    const blocking = new Redis(options.url, { ...base, maxRetriesPerRequest: null, connectionName: 'flowy-messaging-inbox' });
    // ioredis reports connection trouble as events; without a listener Node would print each one.
    const warn = options.onWarning ?? noop;
    commands.on('error', (error: unknown) => warn('Redis connection error (retrying)', error));
    blocking.on('error', (error: unknown) => warn('Redis inbox connection error (retrying)', error));
    try {
      await Promise.all([commands.connect(), blocking.connect()]);
    } catch (error) {
      commands.disconnect();
      blocking.disconnect();
      throw new MessageSendError('ROUTER_UNAVAILABLE', `could not connect to Redis at ${redactUrl(options.url)}: ${(error as Error).message}; start one (docs/messaging.md) or fix the URL`, { cause: error });
    }
    const router = new RedisRouter(options, commands, blocking);
    await router.#beat();
    router.#loops = Promise.all([router.#readInbox(), router.#keepAlive()]);
    return router;
  }

  async register(invocationId: string): Promise<void> {
    await this.#local.register(invocationId);
    await this.#redis(() => this.#commands.set(this.#keys.invocation(invocationId), `R:${this.workerId}`, 'EX', this.#retentionSeconds));
  }

  async finish(invocationId: string): Promise<void> {
    await this.#local.finish(invocationId);
    await this.#redis(() => this.#commands.set(this.#keys.invocation(invocationId), 'F', 'EX', this.#retentionSeconds));
  }

  async send(request: RouterSendRequest): Promise<void> {
    if (this.#stop.signal.aborted) throw new MessageSendError('ROUTER_UNAVAILABLE', 'the message router is closed');
    // Ids are unique: what this worker knows of its own invocations is the truth, with no round trip.
    const local = this.#local.status(request.to);
    if (local !== 'unknown') return this.#local.send(request);
    // Not an id any worker gives: no round trip, and no odd key in Redis.
    if (!isInvocationId(request.to)) throw this.#local.notRunning(request.to, 'unknown');
    const state = await this.#redis(() => this.#commands.get(this.#keys.invocation(request.to)));
    if (state === null) throw this.#local.notRunning(request.to, 'unknown');
    if (!state.startsWith('R:')) throw this.#local.notRunning(request.to, 'finished');
    const worker = state.slice(2);
    if (!(await this.#alive(worker))) throw workerGone(request.to, worker, 'before the message was sent');
    return this.#sendRemote(request, worker);
  }

  receive(request: RouterReceiveRequest): Promise<RoutedMessage> {
    if (this.#stop.signal.aborted) return Promise.reject(new MessageReceiveError('ROUTER_UNAVAILABLE', 'the message router is closed'));
    // The receiving invocation runs on this worker: its messages come to this worker's inbox.
    return this.#local.receive(request);
  }

  /** Stops reading the inbox, marks this worker gone, fails what still waits, and disconnects. Idempotent. */
  close(): Promise<void> {
    return (this.#closePromise ??= this.#close());
  }

  async #close(): Promise<void> {
    this.#stop.abort();
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.settle(new MessageSendError('ROUTER_UNAVAILABLE', 'the message router was closed before the target answered'));
    }
    // Messages from other workers still waiting here fail (ROUTER_UNAVAILABLE), and their senders are told.
    await this.#local.close();
    const tidy = (async () => {
      // Wakes this worker's inbox read at once, instead of waiting for a timeout.
      await this.#commands.rpush(this.#keys.inbox(this.workerId), JSON.stringify({ t: 's', w: this.workerId }));
      await this.#commands.del(this.#keys.live(this.workerId));
      await this.#loops;
    })();
    // With Redis away, none of that answers: close anyway.
    await Promise.race([tidy.catch(noop), this.#clock.sleep(2_000)]);
    this.#blocking.disconnect();
    // QUIT goes after the answers still queued; a Redis that does not answer is simply dropped.
    await Promise.race([this.#commands.quit().catch(noop), this.#clock.sleep(1_000)]);
    this.#commands.disconnect();
  }

  #sendRemote(request: RouterSendRequest, worker: string): Promise<void> {
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(new MessageSendError('ABORTED', 'the send was abandoned before it left; the message was not delivered'));
    const id = randomBytes(12).toString('base64url');
    const envelope: Envelope = {
      t: 'm',
      id,
      from: request.from,
      to: request.to,
      a: request.addressee,
      d: request.data,
      at: Number.isFinite(request.addresseeTimeoutMs) ? request.addresseeTimeoutMs : null,
      tm: Number.isFinite(request.timeoutMs) ? request.timeoutMs : null,
      r: this.workerId,
    };
    return new Promise<void>((resolve, reject) => {
      let cancelTimer: (() => void) | undefined;
      const settle = (error?: Error): void => {
        this.#pending.delete(id);
        cancelTimer?.();
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const withdraw = (error: Error): void => {
        if (!this.#pending.has(id)) return;
        settle(error);
        void this.#push(worker, { t: 'c', id }).catch(noop);
      };
      const onAbort = (): void => withdraw(new MessageSendError('ABORTED', `the send was abandoned (${reasonOf(signal)}); it was withdrawn, but a receiver may have taken it just before`));
      this.#pending.set(id, { targetWorker: worker, settle });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(request.timeoutMs)) {
        cancelTimer = startTimer(this.#clock, request.timeoutMs, () =>
          withdraw(new MessageSendError('TIMEOUT', `no answer from the worker of invocation ${request.to} within ${formatSeconds(request.timeoutMs)} (timeoutSeconds); the message was withdrawn, but may have been delivered just before`)),
        );
      }
      this.#push(worker, envelope).catch((error: unknown) => {
        if (this.#pending.has(id)) settle(unavailable(error));
      });
    });
  }

  async #push(worker: string, envelope: Envelope): Promise<void> {
    const key = this.#keys.inbox(worker);
    // The inbox of a worker that died expires with the rest of its keys.
    await this.#commands.multi().rpush(key, JSON.stringify(envelope)).expire(key, this.#retentionSeconds).exec();
  }

  /** Reads this worker's inbox until closed: messages for its invocations, answers to its sends, withdrawals. */
  async #readInbox(): Promise<void> {
    const key = this.#keys.inbox(this.workerId);
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      let popped: [string, string] | null;
      let more: string[] | null = null;
      try {
        popped = await this.#blocking.blpop(key, 0);
        // Whatever else queued meanwhile comes in one more round trip, not one each.
        if (popped) more = await this.#blocking.lpop(key, INBOX_BATCH);
        failures = 0;
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        this.#warn('reading the messaging inbox failed; retrying', error);
        await this.#clock.sleep(Math.min(5_000, 100 * 2 ** failures++), this.#stop.signal).catch(noop);
        continue;
      }
      if (popped) this.#dispatch(popped[1]);
      for (const text of more ?? []) this.#dispatch(text);
    }
  }

  #dispatch(text: string): void {
    const envelope = decodeEnvelope(text);
    if (!envelope) {
      this.#warn(`dropped a malformed envelope from the messaging inbox: ${text.slice(0, 200)}`);
      return;
    }
    switch (envelope.t) {
      case 'm':
        this.#deliver(envelope);
        return;
      case 'r': {
        const pending = this.#pending.get(envelope.id);
        pending?.settle(envelope.e ? messagingErrorFromJSON(envelope.e) : undefined);
        return;
      }
      case 'c':
        this.#incoming.get(envelope.id)?.abort(new Error('the sender withdrew the message'));
        return;
      case 's':
        return;
    }
  }

  /** Hands a message from another worker to a local receiver, then answers the sender. */
  #deliver(m: Extract<Envelope, { t: 'm' }>): void {
    const controller = new AbortController();
    this.#incoming.set(m.id, controller);
    // Leaves the sender's own timer a margin to hear the outcome before it gives up.
    const timeoutMs = m.tm === null ? Number.POSITIVE_INFINITY : Math.max(0, m.tm - Math.min(250, m.tm / 4));
    this.#local
      .send({
        from: m.from,
        to: m.to,
        addressee: m.a,
        data: m.d,
        addresseeTimeoutMs: m.at ?? Number.POSITIVE_INFINITY,
        timeoutMs,
        signal: controller.signal,
      })
      .then(
        () => undefined,
        (error: unknown) => (error instanceof MessagingError ? error.toJSON() : unavailable(error).toJSON()),
      )
      .then((e) => {
        this.#incoming.delete(m.id);
        return this.#push(m.r, e ? { t: 'r', id: m.id, e } : { t: 'r', id: m.id });
      })
      .catch((error: unknown) => this.#warn(`could not answer the sender of message ${m.id}`, error));
  }

  /** Refreshes this worker's liveness and its invocations' keys; fails sends whose target's worker is gone. */
  async #keepAlive(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        await this.#clock.sleep(this.#livenessMs / 3, this.#stop.signal);
      } catch {
        return;
      }
      try {
        await this.#beat();
        await this.#checkPending();
      } catch (error) {
        this.#warn('messaging heartbeat to Redis failed; retrying', error);
      }
    }
  }

  async #beat(): Promise<void> {
    const batch = this.#commands.multi().set(this.#keys.live(this.workerId), '1', 'PX', Math.ceil(this.#livenessMs));
    // SET, not EXPIRE: an entry lost (Redis restarted, a register that failed) comes back within a beat.
    // The batch is built and queued in one turn on the connection `finish` writes on too, so a finish
    // is either in it (not running any more: left out) or queued after it (its F wins).
    for (const id of this.#local.runningIds()) batch.set(this.#keys.invocation(id), `R:${this.workerId}`, 'EX', this.#retentionSeconds);
    await batch.exec();
  }

  async #checkPending(): Promise<void> {
    const workers = new Set([...this.#pending.values()].map((p) => p.targetWorker));
    for (const worker of workers) {
      this.#liveSeen.delete(worker);
      if (await this.#alive(worker)) continue;
      for (const [id, pending] of this.#pending) {
        if (pending.targetWorker !== worker) continue;
        this.#pending.delete(id);
        pending.settle(workerGone('the target', worker, 'while the message was in flight; it was not delivered, or its delivery was never confirmed'));
      }
    }
  }

  async #alive(worker: string): Promise<boolean> {
    const seen = this.#liveSeen.get(worker);
    const now = this.#clock.now();
    if (seen !== undefined && now - seen < this.#livenessMs / 3) return true;
    const alive = (await this.#redis(() => this.#commands.exists(this.#keys.live(worker)))) === 1;
    if (alive) this.#liveSeen.set(worker, now);
    else this.#liveSeen.delete(worker);
    if (this.#liveSeen.size > 10_000) this.#liveSeen.clear();
    return alive;
  }

  async #redis<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function workerGone(invocation: string, worker: string, when: string): MessageSendError {
  return new MessageSendError(
    'INVOCATION_FINISHED',
    `invocation ${invocation} is no longer running: its worker ${worker} stopped refreshing its liveness (crashed, killed or cut off) ${when}`,
  );
}

function unavailable(error: unknown): MessageSendError {
  return new MessageSendError('ROUTER_UNAVAILABLE', `Redis did not answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

function reasonOf(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : String(reason);
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

function checkOptions(options: RedisRouterOptions): void {
  if (!options || typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError(`messaging.redis must be a redis:// or rediss:// URL, got ${JSON.stringify(options?.url)}`);
  }
  for (const name of ['retentionSeconds', 'livenessSeconds'] as const) {
    const v = options[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new TypeError(`${name} must be a number of seconds > 0, got ${String(v)}`);
  }
}
