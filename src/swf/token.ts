import { createHash } from 'node:crypto';
import { SWF_LIMITS, formatCount } from './limits.js';
import { LimitError } from './errors.js';

/**
 * A short, stable digest of a task token, safe for logs and metrics.
 * A task token is a credential: never log it whole.
 */
export function tokenDigest(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex').slice(0, 12);
}

/** Throws a {@link LimitError} when `taskToken` is not a string of 1 to 1,024 characters. */
export function assertTaskToken(taskToken: unknown): asserts taskToken is string {
  if (typeof taskToken !== 'string') {
    throw new LimitError(`taskToken must be a string, got ${taskToken === null ? 'null' : typeof taskToken}; pass the token the activity saw as this.token`);
  }
  if (taskToken.length === 0) {
    throw new LimitError('taskToken is empty; SWF needs 1 to 1,024 characters: pass the token the activity saw as this.token');
  }
  if (taskToken.length > SWF_LIMITS.taskToken) {
    throw new LimitError(
      `taskToken is ${formatCount(taskToken.length)} characters; SWF allows ${formatCount(SWF_LIMITS.taskToken)}: it was cut or mangled on its way here`,
    );
  }
}
