import { FlowySwfError } from '../swf/errors.js';
import { brandOf, isBranded } from './shared.js';

const SUSPEND_BRAND = brandOf('SuspendTask');

/**
 * Thrown from `run` to free the worker's slot without responding. The task stays open in SWF until
 * something finishes it by token with the async scheduler (`complete`, `fail`, `cancel`), or it times out.
 * Flowy's `SuspendTask`.
 */
export class SuspendTask extends FlowySwfError {
  /** True for a `SuspendTask` of any copy of flowy-swf in the process: a worker recognises yours. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, SuspendTask, SUSPEND_BRAND, value);
  }
  override name = 'SuspendTask';
  readonly [SUSPEND_BRAND] = true;
  constructor(message = 'task suspended; it will be finished later by its token') {
    super(message);
  }
}
