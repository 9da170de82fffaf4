/**
 * Latency hiding: the local endpoint adds 50 ms to every call; with 64 tasks at once the worker should
 * come near 64 / (2 × 50 ms) = 640 tasks/s, because polls and responses of different slots overlap.
 */
import { bareLoop, collectGarbage, httpClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from '../fixtures.js';
import { forkLocalSwf } from '../local-server.js';
import { ratioOf, setPath, type Sample, type Scenario } from '../scenario.js';
import { prepareDomain, seedActivityTasks } from '../seed.js';
import { round } from '../stats.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };
const LATENCY_MS = 50;
const CONCURRENCY = 64;
const IDEAL = CONCURRENCY / ((2 * LATENCY_MS) / 1000);
const LIMIT = 0.8;

export const latencyHiding: Scenario = {
  name: 'latencyHiding',
  title: `tasks/s at concurrency ${CONCURRENCY} with ${LATENCY_MS} ms added to every call (ideal ${IDEAL})`,
  runs: (quick) => (quick ? 1 : 3),
  async measure({ quick, run }) {
    const swf = await forkLocalSwf({ pollTimeoutMs: 5000, latencyMs: LATENCY_MS });
    const client = httpClient(swf.endpoint);
    const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
    const seed = (count: number): Promise<void> =>
      seedActivityTasks(client, { domain: TARGET.domain, taskList: TARGET.taskList, activityType: TYPE, count });
    const n = quick ? 640 : 2560;
    const sample: Sample = {};
    try {
      await prepareDomain(client, TARGET.domain, TYPE, TARGET.taskList);
      await seed(256);
      await workerLoop({ client, registry }, TARGET, CONCURRENCY, 256);
      // CPU of this process while it runs: near 100 % of a core means the client, not the latency, is the limit.
      const timed = async (loop: () => Promise<number>, name: 'bare' | 'worker'): Promise<void> => {
        await seed(n);
        collectGarbage();
        const cpu = process.cpuUsage();
        const us = await loop();
        const used = process.cpuUsage(cpu);
        sample[`${name}TasksPerSec`] = n / (us / 1e6);
        sample[`${name}CpuPercent`] = ((used.user + used.system) / us) * 100;
      };
      const measureBare = (): Promise<void> => timed(() => bareLoop(client, TARGET, CONCURRENCY, n), 'bare');
      const measureWorker = (): Promise<void> => timed(() => workerLoop({ client, registry }, TARGET, CONCURRENCY, n), 'worker');
      if (run % 2 === 0) {
        await measureWorker();
        await measureBare();
      } else {
        await measureBare();
        await measureWorker();
      }
      // For reference: the worker with its default maxConcurrentPolls (5) and 64 slots.
      const few = quick ? 100 : 300;
      await seed(few);
      sample.workerDefaultPollsTasksPerSec = few / ((await workerLoop({ client, registry, maxConcurrentPolls: undefined }, TARGET, CONCURRENCY, few)) / 1e6);
    } finally {
      client.destroy();
      await swf.close();
    }
    return sample;
  },
  finish(json, get) {
    const worker = get('workerTasksPerSec')?.median ?? Number.NaN;
    const ratio = worker / IDEAL;
    json.ideal = IDEAL;
    setPath(json, 'ratio', round(ratio));
    json.bareRatio = round((get('bareTasksPerSec')?.median ?? Number.NaN) / IDEAL);
    json.workerOverBare = round(ratioOf(get, 'workerTasksPerSec', 'bareTasksPerSec'));
    return [{ figure: `worker tasks/s over ideal ${IDEAL}`, value: ratio, target: `≥ ${LIMIT.toFixed(2)}`, met: ratio >= LIMIT }];
  },
};
