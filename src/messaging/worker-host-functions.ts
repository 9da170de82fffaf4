import { HostFunctions } from '../executor/host-functions.js';
import { messagingHostHandlers } from './host-handlers.js';
import type { MessageRouter } from './types.js';

/**
 * The host functions one worker serves: `base` (the user's table, looked up at call time) with
 * `messaging.send` and `messaging.receive` bound to this worker's `router`, acting as the calling
 * task's invocation and abandoned when the call's signal aborts. Made per worker, never registered in
 * the process's default table: two workers in one process may route through different routers.
 * @internal
 */
export function workerHostFunctions(base: HostFunctions, router: MessageRouter): HostFunctions {
  const handlers = messagingHostHandlers(router);
  return new HostFunctions(base, {
    'messaging.send': (args, context) => handlers.send(args, context),
    'messaging.receive': (args, context) => handlers.receive(args, context),
  });
}
