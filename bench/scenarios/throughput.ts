/**
 * Throughput on loopback: no-op activities through the local endpoint (its own process) over real HTTP,
 * scheduled by workflow executions; tasks per second of the worker and of the bare loop at the same
 * concurrency.
 */
import { bareLoop, collectGarbage, httpClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from '../fixtures.js';
import { forkLocalSwf } from '../local-server.js';
import { pairedRatio, ratioOf, setPath, type Sample, type Scenario } from '../scenario.js';
import { prepareDomain, seedActivityTasks } from '../seed.js';
import { round } from '../stats.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };
const CONCURRENCY = [1, 8, 64, 256] as const;
const LIMIT = 0.9;

function tasksFor(c: number, quick: boolean): number {
  if (quick) return c === 1 ? 300 : 1000;
  return c === 1 ? 1500 : 4000;
}

export const throughput: Scenario = {
  name: 'throughput',
  title: 'tasks/s over HTTP to the local endpoint, worker vs bare loop',
  runs: (quick) => (quick ? 1 : 3),
  async measure({ quick, run }) {
    const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
    const client = httpClient(swf.endpoint);
    const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
    const seed = (count: number): Promise<void> =>
      seedActivityTasks(client, { domain: TARGET.domain, taskList: TARGET.taskList, activityType: TYPE, count });
    const sample: Sample = {};
    try {
      await prepareDomain(client, TARGET.domain, TYPE, TARGET.taskList);
      await seed(1000);
      await bareLoop(client, TARGET, 8, 500);
      await workerLoop({ client, registry }, TARGET, 8, 500);
      for (const c of CONCURRENCY) {
        // Two rounds in the order A B B A (A first on even runs), so drift hits both sides alike.
        const half = Math.round(tasksFor(c, quick) / 2);
        let bareUs = 0;
        let workerUs = 0;
        const measureBare = async (): Promise<void> => {
          await seed(half);
          collectGarbage();
          bareUs += await bareLoop(client, TARGET, c, half);
        };
        const measureWorker = async (): Promise<void> => {
          await seed(half);
          collectGarbage();
          workerUs += await workerLoop({ client, registry }, TARGET, c, half);
        };
        const order = run % 2 === 0 ? [measureBare, measureWorker, measureWorker, measureBare] : [measureWorker, measureBare, measureBare, measureWorker];
        for (const step of order) await step();
        sample[`c${c}.bareTasksPerSec`] = (2 * half) / (bareUs / 1e6);
        sample[`c${c}.workerTasksPerSec`] = (2 * half) / (workerUs / 1e6);
        sample[`c${c}.runRatio`] = bareUs / workerUs;
      }
    } finally {
      client.destroy();
      await swf.close();
    }
    return sample;
  },
  finish(json, get) {
    const checks = CONCURRENCY.map((c) => {
      const ratio = pairedRatio(get, `c${c}.runRatio`, `c${c}.workerTasksPerSec`, `c${c}.bareTasksPerSec`);
      setPath(json, `c${c}.ratio`, round(ratio));
      setPath(json, `c${c}.ratioOfMedians`, round(ratioOf(get, `c${c}.workerTasksPerSec`, `c${c}.bareTasksPerSec`)));
      return { figure: `c${c} worker/bare tasks/s`, value: ratio, target: `≥ ${LIMIT.toFixed(2)}`, met: ratio >= LIMIT };
    });
    json.ratio = round(Math.min(...checks.map((c) => c.value)));
    return checks;
  },
};
