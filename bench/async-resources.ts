/**
 * Counts the async resources (promises, timers, socket writes, ...) created per task, by kind, for a loop
 * in process and over loopback HTTP: `node dist/bench/async-resources.js`. The count does not depend on
 * how busy the machine is. With an AsyncLocalStorage in use (the worker's activity context), Node 20 runs
 * a hook for each of them, so the worker's extra cost over a bare loop grows with this count: this is
 * what places the gap between the in-process and the loopback ratios (see docs/performance.md).
 */
import { createHook } from 'node:async_hooks';
import { leanTransportFor } from '../src/swf/transport/index.js';
import { bareLoop, bareSdkClient, httpClient, inProcessClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from './fixtures.js';
import { noOpTaskSource } from './in-process-handler.js';
import { forkLocalSwf } from './local-server.js';
import { prepareDomain, seedActivityTasks } from './seed.js';
import { wireLoop } from './wire-loop.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };
const N = 400;
const C = 8;

const counts = new Map<string, number>();
let counting = false;
createHook({
  init(_id, type) {
    if (counting) counts.set(type, (counts.get(type) ?? 0) + 1);
  },
}).enable();

async function count(label: string, loop: () => Promise<unknown>): Promise<Record<string, unknown>> {
  counts.clear();
  counting = true;
  await loop();
  counting = false;
  const perTask = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => [type, Math.round((n / N) * 10) / 10]));
  const total = [...counts.values()].reduce((a, b) => a + b, 0) / N;
  return { label, total: Math.round(total * 10) / 10, perTask };
}

const source = noOpTaskSource(TYPE);
const inProcess = inProcessClient(source.operations);
const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
const results: Record<string, unknown>[] = [];
await bareLoop(inProcess, TARGET, C, N);
await workerLoop({ client: inProcess, registry }, TARGET, C, N);
results.push(await count('in process: bare SDK loop', () => bareLoop(inProcess, TARGET, C, N)));
results.push(await count('in process: worker, SDK path', () => workerLoop({ client: inProcess, registry }, TARGET, C, N)));

const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
const client = httpClient(swf.endpoint);
const bare = bareSdkClient(swf.endpoint);
await prepareDomain(client, TARGET.domain, TYPE, TARGET.taskList);
const seed = (n: number): Promise<void> => seedActivityTasks(client, { domain: TARGET.domain, taskList: TARGET.taskList, activityType: TYPE, count: n });
await seed(2 * N);
await bareLoop(bare, TARGET, C, N);
await workerLoop({ client, registry }, TARGET, C, N);
const loopback: [string, () => Promise<unknown>][] = [
  ['loopback: bare SDK loop', () => bareLoop(bare, TARGET, C, N)],
  ['loopback: worker, SDK path', () => workerLoop({ client: bare, registry, transport: 'sdk' }, TARGET, C, N)],
  ['loopback: lean transport alone', () => wireLoop(leanTransportFor(client), TARGET, C, N)],
  ['loopback: worker, lean transport', () => workerLoop({ client, registry }, TARGET, C, N)],
];
for (const [label, loop] of loopback) {
  await seed(N);
  results.push(await count(label, loop));
}
console.log(JSON.stringify(results, null, 1));
client.destroy();
bare.destroy();
await swf.close();
process.exit(0);
