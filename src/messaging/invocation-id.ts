import { randomBytes } from 'node:crypto';

/** What every invocation id starts with. */
export const INVOCATION_ID_PREFIX = 'inv-';

const INVOCATION_ID = /^inv-[A-Za-z0-9_-]{22}$/;

/**
 * A new invocation id: `inv-` and 16 random bytes in base64url (26 characters in all). 128 random
 * bits make it unique across workers and hosts with no coordination; its characters need no escaping
 * in JSON, SWF input, URLs or Redis keys.
 */
export function newInvocationId(): string {
  return INVOCATION_ID_PREFIX + randomBytes(16).toString('base64url');
}

/** True when `value` has the form {@link newInvocationId} gives. */
export function isInvocationId(value: unknown): boolean {
  return typeof value === 'string' && INVOCATION_ID.test(value);
}
