import { FlowySwfError } from '../swf/errors.js';

/**
 * Thrown from `run` to free the worker's slot without responding. The task stays open in SWF until
 * something finishes it by token with the async scheduler (`complete`, `fail`, `cancel`), or it times out.
 * Flowy's `SuspendTask`.
 */
export class SuspendTask extends FlowySwfError {
  override name = 'SuspendTask';
  constructor(message = 'task suspended; it will be finished later by its token') {
    super(message);
  }
}
