import type { Clock } from '../swf/clock.js';

/**
 * Sends one heartbeat with encoded details; resolves `true` to go on, `false` to stop. Must not reject.
 * `urgent` is set for the flush before a task's response, which must not wait its turn.
 */
export type HeartbeatSend = (details: string | undefined, urgent: boolean) => Promise<boolean>;

interface Batch {
  details: string | undefined;
  promise: Promise<boolean>;
  resolve: (keepGoing: boolean) => void;
}

/**
 * Resolves with `value` after the event loop has turned once. A promise that resolves at once would let
 * `while (await heartbeat()) {}` starve the event loop: no call would go out and no answer come in.
 */
function answerSoon(value: boolean): Promise<boolean> {
  return new Promise((resolve) => setImmediate(resolve, value));
}

function newBatch(details: string | undefined): Batch {
  let resolve!: (keepGoing: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { details, promise, resolve };
}

/**
 * The heartbeats of one task. At most one call is in flight, and calls start at least `intervalMs`
 * apart. A request that can be sent at once waits for SWF's answer. Any other (one is in flight, or the
 * window has not opened yet) resolves at once with what is known (`true` unless SWF already said stop)
 * and its details ride on one follow-up call that carries the newest details. An activity is never
 * slowed down by the throttle; it learns of a cancel request on its next heartbeat after SWF said so,
 * and at once through its signal.
 * @internal
 */
export class HeartbeatCoalescer {
  #pending: Batch | undefined;
  #pump: Promise<void> | undefined;
  #wake: AbortController | undefined;
  #urgent = false;
  #closed = false;
  /** SWF answered stop (cancel requested, task closed): every later request resolves `false`. */
  #stopped = false;
  /** When the last call started (clock ms); `-Infinity` before the first. */
  lastSentAt = Number.NEGATIVE_INFINITY;
  /** The newest details asked for, sent or not. */
  lastDetails: string | undefined;

  constructor(
    private readonly send: HeartbeatSend,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Asks for a heartbeat with these (already encoded) details. */
  request(details: string | undefined): Promise<boolean> {
    if (this.#closed || this.#stopped) return answerSoon(false);
    this.lastDetails = details;
    if (this.#pending) {
      this.#pending.details = details;
      return answerSoon(true);
    }
    const sendsNow = !this.#pump && this.clock.now() >= this.lastSentAt + this.intervalMs;
    const batch = newBatch(details);
    this.#pending = batch;
    this.#pump ??= this.#run();
    return sendsNow ? batch.promise : answerSoon(true);
  }

  /** Sends what is pending now, ignoring the throttle, and waits for every call to end. */
  flush(): Promise<void> {
    if (!this.#pump) return Promise.resolve();
    this.#urgent = true;
    this.#wake?.abort();
    return this.#pump;
  }

  /** No more calls: what is pending resolves `false`, and so does every later request. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.abort();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(false);
  }

  async #run(): Promise<void> {
    try {
      while (this.#pending && !this.#closed) {
        const waitMs = this.lastSentAt + this.intervalMs - this.clock.now();
        if (waitMs > 0 && !this.#urgent) {
          this.#wake = new AbortController();
          try {
            await this.clock.sleep(waitMs, this.#wake.signal);
          } catch {
            // Woken early by flush() or close().
          }
          this.#wake = undefined;
          continue;
        }
        const batch = this.#pending;
        this.#pending = undefined;
        this.lastSentAt = this.clock.now();
        const keepGoing = await this.send(batch.details, this.#urgent);
        if (!keepGoing) this.#stopped = true;
        batch.resolve(keepGoing);
      }
    } finally {
      this.#pump = undefined;
      if (this.#pending) {
        const pending = this.#pending;
        this.#pending = undefined;
        pending.resolve(false);
      }
    }
  }
}

/** The heartbeat timeout of an activity type in ms, or `undefined` for `NONE` or anything not whole seconds. */
export function heartbeatTimeoutMs(timeout: string | undefined): number | undefined {
  if (timeout === undefined || !/^\d+$/.test(timeout)) return undefined;
  const seconds = Number(timeout);
  return seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Heartbeats for an activity that does not: every `periodMs`, when no call started in the last
 * `periodMs`, asks for one with the newest details. The first check comes after `firstDelayMs` (a random
 * point in the first period), so tasks that started together do not all heartbeat together: a burst of
 * them would wait long for the worker's heartbeat budget. A period in which `alive()` is false is
 * skipped (the process executor's rule for a child that answers no ping). Ends when `signal` aborts or a heartbeat says stop.
 * @internal
 */
export async function autoHeartbeat(
  coalescer: HeartbeatCoalescer,
  clock: Clock,
  periodMs: number,
  signal: AbortSignal,
  firstDelayMs = periodMs,
  alive: () => boolean = () => true,
): Promise<void> {
  for (let delayMs = firstDelayMs; ; delayMs = periodMs) {
    try {
      await clock.sleep(delayMs, signal);
    } catch {
      return;
    }
    if (signal.aborted) return;
    if (clock.now() - coalescer.lastSentAt < periodMs) continue;
    // A child process that stopped answering is not covered for: SWF's heartbeat timeout may catch it.
    if (!alive()) continue;
    if (!(await coalescer.request(coalescer.lastDetails))) return;
  }
}
