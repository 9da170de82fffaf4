/**
 * One loop over loopback HTTP, by hand, for profiling: `node --cpu-prof dist/bench/profile-loopback.js
 * <side> [c=8] [tasks=3000]`, then `node dist/bench/profile-summary.js CPU.*.cpuprofile`; or, to profile
 * the measured loop alone (no set-up, no warm-up), `node dist/bench/profile-loopback.js <side> <c> <tasks> out.cpuprofile`. Sides: `worker`
 * (lean transport), `worker-sdk` (the worker through a stock SDK client), `worker-sdk-5polls` (the same with the CLI's default of
 * 5 open polls), `bare` (the bare SDK loop),
 * `bare-als` (the bare loop after one AsyncLocalStorage.run, which turns on Node's async hooks as the
 * worker's activity context does), `wire` (the lean transport alone, undici), `wire-als` (the same with the async hooks on, as in `wireFloor`, where the worker ran first), `wire-node-http` (the same on node:http). Prints CPU µs per task.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { LeanSwfTransport, leanTransportFor } from '../src/swf/transport/index.js';
import { bareLoop, bareSdkClient, collectGarbage, cpuNowUs, httpClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from './fixtures.js';
import { forkLocalSwf } from './local-server.js';
import { prepareDomain, seedActivityTasks } from './seed.js';
import { wireLoop } from './wire-loop.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };
const [side = 'worker', cArg = '8', nArg = '3000', profileOut] = process.argv.slice(2);
const c = Number(cArg);
const n = Number(nArg);

const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
const client = httpClient(swf.endpoint);
const bare = bareSdkClient(swf.endpoint);
const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
await prepareDomain(client, TARGET.domain, TYPE, TARGET.taskList);
await seedActivityTasks(client, { domain: TARGET.domain, taskList: TARGET.taskList, activityType: TYPE, count: n + 500 });
if (side.endsWith('-als')) new AsyncLocalStorage<object>().run({}, () => {});
let nodeWire: LeanSwfTransport | undefined;
const run = (tasks: number): Promise<number> => {
  switch (side) {
    case 'worker':
      return workerLoop({ client, registry }, TARGET, c, tasks);
    case 'worker-sdk':
      return workerLoop({ client: bare, registry, transport: 'sdk' }, TARGET, c, tasks);
    case 'worker-sdk-5polls':
      return workerLoop({ client: bare, registry, transport: 'sdk', maxConcurrentPolls: Math.min(5, c) }, TARGET, c, tasks);
    case 'wire':
    case 'wire-als':
      return wireLoop(leanTransportFor(client), TARGET, c, tasks);
    case 'wire-node-http':
      return wireLoop((nodeWire ??= new LeanSwfTransport(client, { httpClient: 'node-http' })), TARGET, c, tasks);
    default:
      return bareLoop(bare, TARGET, c, tasks);
  }
};
await run(500);
collectGarbage();
const session = profileOut ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const cpu = cpuNowUs();
const us = await run(n);
const cpuUs = cpuNowUs() - cpu;
if (session && profileOut) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileOut, JSON.stringify(profile));
  session.disconnect();
}
console.log(JSON.stringify({ side, c, n, tasksPerSec: Math.round(n / (us / 1e6)), cpuUsPerTask: Math.round(cpuUs / n) }));
client.destroy();
bare.destroy();
await swf.close();
process.exit(0);
