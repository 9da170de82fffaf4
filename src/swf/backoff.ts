import { systemClock, type Clock } from './clock.js';
import { isTransient } from './errors.js';

/** How long to wait before retry number `attempt` (0 for the first retry). */
export interface Backoff {
  delay(attempt: number): number;
}

/** Options of {@link fullJitterBackoff}. */
export interface FullJitterOptions {
  /** First ceiling, in ms. @default 100 */
  baseMs?: number;
  /** Largest ceiling, in ms. @default 20000 */
  maxMs?: number;
  /** A source of numbers in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Full-jitter exponential backoff: `random() * min(baseMs * 2^attempt, maxMs)`.
 * Spreads the retries of many workers so they do not hit SWF in step.
 */
export function fullJitterBackoff(options: FullJitterOptions = {}): Backoff {
  const baseMs = options.baseMs ?? 100;
  const maxMs = options.maxMs ?? 20_000;
  const random = options.random ?? Math.random;
  return {
    delay(attempt) {
      const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
      return Math.floor(random() * ceiling);
    },
  };
}

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** @default fullJitterBackoff() */
  backoff?: Backoff;
  /** @default systemClock */
  clock?: Clock;
  /** Which errors to retry. @default isTransient */
  retryable?: (error: unknown) => boolean;
  /** Give up after this many attempts in all. @default Infinity */
  maxAttempts?: number;
  /** Stops waiting between attempts; the last error is thrown. */
  signal?: AbortSignal;
  /** Called before each retry with the error and the delay chosen. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Calls `fn` until it succeeds, the error is not retryable, attempts run out, or `signal` aborts.
 * Throws the last error seen.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  try {
    return await fn(0);
  } catch (error) {
    return await retryAfter(error, fn, options);
  }
}

/**
 * @internal {@link withRetry} after its first attempt failed with `first`: for callers that make the first
 * attempt themselves (the common case, one call that succeeds, then costs no retry loop). `fn` is
 * called with attempt numbers from 1.
 */
export async function retryAfter<T>(first: unknown, fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const backoff = options.backoff ?? fullJitterBackoff();
  const clock = options.clock ?? systemClock;
  const retryable = options.retryable ?? isTransient;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  let error = first;
  for (let attempt = 1; ; attempt++) {
    if (!retryable(error) || attempt >= maxAttempts || options.signal?.aborted) throw error;
    const delayMs = backoff.delay(attempt - 1);
    options.onRetry?.(error, attempt - 1, delayMs);
    try {
      await clock.sleep(delayMs, options.signal);
    } catch {
      throw error;
    }
    try {
      return await fn(attempt);
    } catch (next) {
      error = next;
    }
  }
}
