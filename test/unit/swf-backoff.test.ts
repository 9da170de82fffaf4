import { describe, expect, it } from 'vitest';
import { fullJitterBackoff, withRetry, type Backoff, type Clock } from '../../src/swf/index.js';
import { FakeClock } from './fake-clock.js';

const fakeClock = (): FakeClock => new FakeClock(true);

/** A clock whose sleeps never end unless aborted. */
function stuckClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => 0,
    sleep: (ms, signal) =>
      new Promise<void>((_resolve, reject) => {
        sleeps.push(ms);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
}

const fixedBackoff = (delays: number[]): Backoff & { asked: number[] } => {
  const asked: number[] = [];
  return { asked, delay: (attempt) => (asked.push(attempt), delays[attempt] ?? 999) };
};

const transient = (n: number): Error => Object.assign(new Error(`reset ${n}`), { code: 'ECONNRESET' });

describe('fullJitterBackoff', () => {
  it('is 0 when random() is 0', () => {
    const backoff = fullJitterBackoff({ random: () => 0 });
    expect([0, 1, 5, 20].map((a) => backoff.delay(a))).toEqual([0, 0, 0, 0]);
  });

  it('is just under the ceiling when random() is 0.999, with ceilings doubling from baseMs up to maxMs', () => {
    const backoff = fullJitterBackoff({ baseMs: 100, maxMs: 1_000, random: () => 0.999 });
    expect([0, 1, 2, 3, 4, 5].map((a) => backoff.delay(a))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('uses random() * min(baseMs * 2^attempt, maxMs), defaults 100 and 20,000', () => {
    const backoff = fullJitterBackoff({ random: () => 0.5 });
    expect([0, 1, 2, 7, 8, 9].map((a) => backoff.delay(a))).toEqual([50, 100, 200, 6_400, 10_000, 10_000]);
  });

  it('does not overflow for huge attempt numbers', () => {
    const backoff = fullJitterBackoff({ baseMs: 100, maxMs: 20_000, random: () => 0.999 });
    for (const attempt of [31, 1_024, 1e9, Number.MAX_SAFE_INTEGER]) {
      const delay = backoff.delay(attempt);
      expect(Number.isFinite(delay), String(attempt)).toBe(true);
      expect(delay).toBe(19_980);
    }
  });

  it('stays finite even without a cap', () => {
    const backoff = fullJitterBackoff({ baseMs: 1, maxMs: Number.POSITIVE_INFINITY, random: () => 0.5 });
    expect(Number.isFinite(backoff.delay(1e6))).toBe(true);
  });
});

describe('withRetry', () => {
  it('retries transient errors with the chosen delays and returns the result', async () => {
    const clock = fakeClock();
    const backoff = fixedBackoff([10, 20, 30]);
    const seen: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw transient(attempt);
        return 'done';
      },
      { clock, backoff },
    );
    expect(result).toBe('done');
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(backoff.asked).toEqual([0, 1, 2]);
    expect(clock.sleeps).toEqual([10, 20, 30]);
  });

  it('does not sleep when the first attempt succeeds', async () => {
    const clock = fakeClock();
    expect(await withRetry(async () => 7, { clock })).toBe(7);
    expect(clock.sleeps).toEqual([]);
  });

  it('stops at once on an error that is not retryable, throwing it', async () => {
    const clock = fakeClock();
    const fatal = Object.assign(new Error('bad request'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    let calls = 0;
    await expect(
      withRetry(
        async (attempt) => {
          calls++;
          throw attempt === 0 ? transient(0) : fatal;
        },
        { clock, backoff: fixedBackoff([5]) },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(2);
    expect(clock.sleeps).toEqual([5]);
  });

  it('uses a custom retryable predicate', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw transient(calls);
        },
        { clock, retryable: () => false },
      ),
    ).rejects.toThrow('reset 1');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts, throwing the last error', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw transient(calls);
        },
        { clock, backoff: fixedBackoff([1, 2, 3, 4]), maxAttempts: 3 },
      ),
    ).rejects.toThrow('reset 3');
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([1, 2]);
  });

  it('calls onRetry before each retry with the error, the attempt and the delay', async () => {
    const clock = fakeClock();
    const calls: Array<[string, number, number]> = [];
    const errors = [transient(0), transient(1)];
    await withRetry(
      async (attempt) => {
        const error = errors[attempt];
        if (error) throw error;
        return 'ok';
      },
      { clock, backoff: fixedBackoff([40, 80]), onRetry: (error, attempt, delayMs) => calls.push([(error as Error).message, attempt, delayMs]) },
    );
    expect(calls).toEqual([
      ['reset 0', 0, 40],
      ['reset 1', 1, 80],
    ]);
  });

  it('throws the last error when the signal aborts the wait', async () => {
    const clock = stuckClock();
    const controller = new AbortController();
    const last = transient(0);
    let calls = 0;
    const done = withRetry(
      async () => {
        calls++;
        throw last;
      },
      { clock, backoff: fixedBackoff([60_000]), signal: controller.signal },
    );
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.sleeps).toEqual([60_000]);
    controller.abort(new Error('shutting down'));
    await expect(done).rejects.toBe(last);
    expect(calls).toBe(1);
  });

  it('does not retry once the signal is aborted', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          controller.abort();
          throw transient(calls);
        },
        { clock, signal: controller.signal },
      ),
    ).rejects.toThrow('reset 1');
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });
});
