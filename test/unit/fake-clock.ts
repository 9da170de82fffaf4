/** A fake clock for unit tests: time moves only when a test says so, and every sleep is recorded. */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Clock } from '../../src/swf/clock.js';

/** Lets every pending promise continuation and I/O callback run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await nextMacrotask();
}

/** A clock that moves only when told to; records every sleep asked for. */
export class FakeClock implements Clock {
  #now = 1_000_000;
  readonly sleeps: number[] = [];
  readonly #timers: Array<{ at: number; fire: () => void }> = [];
  /** When true, every sleep ends at once and moves the clock by its length. */
  constructor(readonly autoAdvance = false) {}

  now(): number {
    return this.#now;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.autoAdvance) {
      this.#now += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const timer = {
        at: this.#now + Math.max(0, ms),
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Moves time forward by `ms`, firing due timers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fire();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}
