/** One side of the SDK-overhead duel: `bare` or `worker`, answered in process with zero latency. */
import { bareLoop, collectGarbage, inProcessClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from './fixtures.js';
import { noOpTaskSource } from './in-process-handler.js';
import { servePeer } from './peer.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };

const role = process.argv[2];
if (role !== 'bare' && role !== 'worker') throw new Error(`sdk-peer: role must be bare or worker, got ${String(role)}`);
const source = noOpTaskSource(TYPE);
const client = inProcessClient(source.operations);
const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
servePeer(async (c, n) => {
  collectGarbage();
  return role === 'bare' ? bareLoop(client, TARGET, c, n) : workerLoop({ client, registry }, TARGET, c, n);
});
