/**
 * One side of the SDK-overhead duel, answered in process with zero latency:
 * - `bare`, `worker`: what `sdkOverhead` compares (the worker on a client of the user's: the SDK path, with
 *   `cacheMiddleware` turned on by the worker);
 * - `bare-cached`: the bare loop with `cacheMiddleware: true`, the like-for-like of the worker's SDK path;
 * - `bare-als`: the bare loop after one `AsyncLocalStorage.run`, which turns on Node's promise hooks
 *   for the whole process as the worker's activity context does;
 * - `worker-nosignal`: the worker with a client that drops the `abortSignal` the worker gives each poll.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SWFClient } from '@aws-sdk/client-swf';
import { bareLoop, collectGarbage, inProcessClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from './fixtures.js';
import { noOpTaskSource } from './in-process-handler.js';
import { SDK_PEER_ROLES, servePeer, type SdkPeerRole } from './peer.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };

const role = process.argv[2] as SdkPeerRole;
if (!SDK_PEER_ROLES.includes(role)) throw new Error(`sdk-peer: role must be one of ${SDK_PEER_ROLES.join(', ')}, got ${String(role)}`);
const source = noOpTaskSource(TYPE);
const client = inProcessClient(source.operations);
const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
const withoutSignal: Pick<SWFClient, 'send'> = { send: ((command: Parameters<SWFClient['send']>[0]) => client.send(command)) as SWFClient['send'] };
if (role === 'bare-als') new AsyncLocalStorage<object>().run({}, () => {});
if (role === 'bare-cached') (client.config as { cacheMiddleware?: boolean }).cacheMiddleware = true;
// One collection before the first round and none between rounds: a forced full `gc()` throws away
// optimised code that the next ~1,000 tasks re-warm, which no running worker pays (docs/performance.md,
// "Forced collections and re-warming"). Each side lives in its own process, so no side collects another's garbage.
collectGarbage();
// Each round is measured over its steady state (servePeer): a new Worker's start (its poll loops' handler
// stacks, among others) and its stop are left out, as a running worker never pays them per task.
servePeer((c, tasks, onFinished) => {
  switch (role) {
    case 'bare':
    case 'bare-cached':
    case 'bare-als':
      return bareLoop(client, TARGET, c, tasks, onFinished);
    case 'worker':
      return workerLoop({ client, registry }, TARGET, c, tasks, onFinished);
    case 'worker-nosignal':
      return workerLoop({ client: withoutSignal, registry }, TARGET, c, tasks, onFinished);
  }
});
