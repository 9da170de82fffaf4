import { FlowySwfError } from '../swf/errors.js';

interface Waiter {
  grant(): void;
  reject(reason: unknown): void;
}

/**
 * A counting slot limiter: at most `capacity` holders at once, waiters served first come, first served.
 * The worker reserves a slot before it starts a poll, so it never holds a task it has no slot for.
 */
export class Semaphore {
  #free: number;
  readonly #waiters: Waiter[] = [];

  constructor(readonly capacity: number) {
    this.#free = capacity;
  }

  /** Slots held right now. */
  get inUse(): number {
    return this.capacity - this.#free;
  }

  /** Slots free right now. */
  get available(): number {
    return this.#free;
  }

  /** Takes a slot when one is free, without waiting. */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  /** Waits for a slot. Rejects with the signal's reason, holding nothing, when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire()) return Promise.resolve();
    // No signal (the worker's poll loops): the waiter is the promise's own functions, no closures.
    if (!signal) return new Promise<void>((grant, reject) => void this.#waiters.push({ grant, reject }));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Rejects every waiter with `reason`; none of them gets a slot. Cheaper than a signal on each `acquire`. */
  rejectWaiters(reason: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  /** Gives a slot back: to the longest waiter if any, else to the pool. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) {
      next.grant();
      return;
    }
    if (this.#free >= this.capacity) throw new FlowySwfError('Semaphore.release() called more often than acquire()');
    this.#free++;
  }
}
