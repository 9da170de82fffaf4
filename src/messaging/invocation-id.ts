import { randomFillSync } from 'node:crypto';

/** What every invocation id starts with. */
export const INVOCATION_ID_PREFIX = 'inv-';

const INVOCATION_ID = /^inv-[A-Za-z0-9_-]{22}$/;

const ID_BYTES = 16;
/** Random bytes drawn 256 ids at a time (one call into the CSPRNG, as `crypto.randomUUID` batches its own): one draw per task costs more. */
const POOL_BYTES = ID_BYTES * 256;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

/**
 * A new invocation id: `inv-` and 16 random bytes in base64url (26 characters in all). 128 random
 * bits make it unique across workers and hosts with no coordination; its characters need no escaping
 * in JSON, SWF input, URLs or Redis keys.
 */
export function newInvocationId(): string {
  if (poolAt >= POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const id = INVOCATION_ID_PREFIX + pool.toString('base64url', poolAt, poolAt + ID_BYTES);
  poolAt += ID_BYTES;
  return id;
}

/** True when `value` has the form {@link newInvocationId} gives. */
export function isInvocationId(value: unknown): boolean {
  return typeof value === 'string' && INVOCATION_ID.test(value);
}
