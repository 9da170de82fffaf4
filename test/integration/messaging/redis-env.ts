/**
 * The Redis the messaging tests use: `FLOWY_TEST_REDIS_URL` (`.ci/run` starts one and sets it).
 * Under CI (`CI` set) a missing URL fails the tests; on a developer machine they are skipped with a
 * note saying how to run them.
 */
import { describe, it } from 'vitest';

/** The URL, or undefined when unset outside CI. */
export const REDIS_URL: string | undefined = process.env.FLOWY_TEST_REDIS_URL || undefined;

/** `describe` when Redis is there; otherwise a failing test under CI, a skipped one with a note locally. */
export function describeWithRedis(name: string, body: (url: string) => void): void {
  if (REDIS_URL) {
    describe(name, () => body(REDIS_URL));
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('needs Redis', () => {
        throw new Error('FLOWY_TEST_REDIS_URL is not set under CI: .ci/run must start redis-server and export it');
      });
    });
    return;
  }
  describe.skip(`${name} (skipped: set FLOWY_TEST_REDIS_URL=redis://127.0.0.1:6379 to a Redis you can write to; see docs/messaging.md)`, () => {
    it('needs Redis', () => {});
  });
}

let seq = 0;
/** A key prefix no other test uses, so tests on one Redis do not meet. */
export function uniquePrefix(): string {
  return `flowy-test:${process.pid}:${Date.now()}:${++seq}:`;
}
