/**
 * One side of the loopback scenarios (`throughput`, `wireFloor`) in a process of its own, as the issue's
 * outside measurement ran the worker: neither side then pays for what the other loaded, optimised or
 * switched on (the AWS SDK's code and garbage, the worker's `AsyncLocalStorage` promise hooks). Each
 * round polls the local endpoint at `argv[3]` for `new SteadyWindow(c, n).tasks` tasks, which the scenario
 * schedules first, and answers the CPU µs and wall µs of this process over the round's steady state.
 * Roles:
 * - `bare`: the same two calls through a stock AWS SDK v3 client (`cacheMiddleware` off, as it ships);
 * - `worker`: the worker on the project's own client (`createSwfClient`: the lean transport);
 * - `wire`, `wire-node-http`: the lean transport alone, no worker, on undici or on `node:http`.
 */
import { LeanSwfTransport, leanTransportFor } from '../src/swf/transport/index.js';
import { bareLoop, bareSdkClient, httpClient, NoOpActivity, registryOf, workerLoop, } from './fixtures.js';
import { LOOPBACK_PEER_ROLES, LOOPBACK_TARGET as TARGET, LOOPBACK_TYPE as TYPE, servePeer, type LoopbackPeerRole } from './peer.js';
import { wireLoop } from './wire-loop.js';

type Loop = (c: number, n: number, onFinished: () => void) => Promise<number>;

function loopFor(role: LoopbackPeerRole, endpoint: string): Loop {
  const client = httpClient(endpoint);
  switch (role) {
    case 'bare': {
      const bare = bareSdkClient(endpoint);
      return (c, n, onFinished) => bareLoop(bare, TARGET, c, n, onFinished);
    }
    case 'worker': {
      const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
      return (c, n, onFinished) => workerLoop({ client, registry }, TARGET, c, n, onFinished);
    }
    case 'wire': {
      const transport = leanTransportFor(client);
      return (c, n, onFinished) => wireLoop(transport, TARGET, c, n, onFinished);
    }
    case 'wire-node-http': {
      const transport = new LeanSwfTransport(client, { httpClient: 'node-http' });
      return (c, n, onFinished) => wireLoop(transport, TARGET, c, n, onFinished);
    }
  }
}

const [role, endpoint] = process.argv.slice(2) as [LoopbackPeerRole, string];
if (!LOOPBACK_PEER_ROLES.includes(role)) throw new Error(`loopback-peer: role must be one of ${LOOPBACK_PEER_ROLES.join(', ')}, got ${String(role)}`);
if (!endpoint) throw new Error('loopback-peer: the endpoint URL is the second argument');
servePeer(loopFor(role, endpoint));
