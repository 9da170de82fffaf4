import type { Clock } from '../swf/clock.js';

/**
 * A token bucket shared by every task of a worker: at most `burst` calls at once, refilled at
 * `perSecond`. Waiters are served first come, first served. SWF throttles heartbeats per account with
 * the same kind of bucket (2,000, refilled at 160 per second); keeping a worker under its own share
 * spreads a burst of heartbeats out instead of emptying SWF's bucket and drawing throttling errors.
 * @internal
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #waiters: Array<{ since: number; resolve: () => void }> = [];
  #head = 0;
  #draining = false;

  /**
   * @param onLate called when a caller got its token after waiting `lateAfterMs` or more, with how long it
   *   waited and how many still wait: the budget is too small for the work.
   */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
    private readonly onLate?: (waitedMs: number, waiting: number) => void,
    private readonly lateAfterMs = 5_000,
  ) {
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Callers waiting for a token right now. */
  get waiting(): number {
    return this.#waiters.length - this.#head;
  }

  /**
   * Resolves when a token is taken. `urgent` takes one at once even when the bucket is empty (it goes
   * into debt that later callers wait out): for the last heartbeat before a task's response.
   */
  take(urgent = false): Promise<void> {
    this.#refill();
    if (urgent || (this.waiting === 0 && this.#tokens >= 1)) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#waiters.push({ since: this.clock.now(), resolve });
      if (!this.#draining) void this.#drain();
    });
  }

  #refill(): void {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.perSecond) / 1000);
    this.#last = now;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.waiting > 0) {
        this.#refill();
        if (this.#tokens >= 1) {
          this.#tokens -= 1;
          const next = this.#waiters[this.#head];
          this.#waiters[this.#head++] = SERVED;
          if (next) {
            next.resolve();
            const waitedMs = this.clock.now() - next.since;
            if (waitedMs >= this.lateAfterMs) this.onLate?.(waitedMs, this.waiting);
          }
          if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
            this.#waiters.splice(0, this.#head);
            this.#head = 0;
          }
          continue;
        }
        await this.clock.sleep(Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond)));
      }
    } finally {
      this.#draining = false;
    }
  }
}

const SERVED = { since: 0, resolve: (): void => {} };
