import { InProcessRouter } from './in-process-router.js';

let shared: InProcessRouter | undefined;

/**
 * The process's shared {@link InProcessRouter}, made on first use: every worker built without a
 * `messaging` option uses it, so activities of different workers in one process reach each other.
 */
export function defaultMessageRouter(): InProcessRouter {
  return (shared ??= new InProcessRouter());
}
