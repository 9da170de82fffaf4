/**
 * The wire floor: the poll-and-respond loop on the lean transport alone (no worker) over loopback HTTP to
 * the local endpoint, against the worker on the same transport: what the worker adds to the wire. The
 * transport is measured on both HTTP clients it offers (undici's Pool, node:http with a keep-alive Agent),
 * which is how its default was chosen.
 */
import { LeanSwfTransport, leanTransportFor } from '../../src/swf/transport/index.js';
import { collectGarbage, cpuNowUs, httpClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from '../fixtures.js';
import { forkLocalSwf } from '../local-server.js';
import { pairedRatio, setPath, type Sample, type Scenario } from '../scenario.js';
import { prepareDomain, seedActivityTasks } from '../seed.js';
import { round } from '../stats.js';
import { wireLoop } from '../wire-loop.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };
const CONCURRENCY = [1, 64] as const;
const LIMIT = 1.15;
const SIDES = ['wire', 'wireNodeHttp', 'worker'] as const;
type Side = (typeof SIDES)[number];

export const wireFloor: Scenario = {
  name: 'wireFloor',
  title: 'CPU µs per task over loopback: the lean transport alone (undici, node:http) vs the worker on it',
  runs: (quick) => (quick ? 1 : 3),
  async measure({ quick, run }) {
    const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
    const client = httpClient(swf.endpoint);
    const undici = leanTransportFor(client);
    const nodeHttp = new LeanSwfTransport(client, { httpClient: 'node-http' });
    const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
    const seed = (count: number): Promise<void> =>
      seedActivityTasks(client, { domain: TARGET.domain, taskList: TARGET.taskList, activityType: TYPE, count });
    const loops: Record<Side, (c: number, n: number) => Promise<number>> = {
      wire: (c, n) => wireLoop(undici, TARGET, c, n),
      wireNodeHttp: (c, n) => wireLoop(nodeHttp, TARGET, c, n),
      worker: (c, n) => workerLoop({ client, registry }, TARGET, c, n),
    };
    const sample: Sample = {};
    try {
      await prepareDomain(client, TARGET.domain, TYPE, TARGET.taskList);
      await seed(1500);
      collectGarbage();
      for (const side of SIDES) await loops[side](8, 500);
      for (const c of CONCURRENCY) {
        const n = quick ? 600 : 1500;
        const rounds = 2;
        const cpu = new Map<Side, number>(SIDES.map((s) => [s, 0]));
        const us = new Map<Side, number>(SIDES.map((s) => [s, 0]));
        for (let r = 0; r < rounds; r++) {
          const order = (run + r) % 2 === 0 ? SIDES : [...SIDES].reverse();
          for (const side of order) {
            // No forced collection here: it would throw away optimised code that the next ~1,000 tasks
            // re-warm (docs/performance.md, "Forced collections and re-warming"); the alternating order
            // shares out each side's garbage instead.
            await seed(n);
            const before = cpuNowUs();
            us.set(side, (us.get(side) ?? 0) + (await loops[side](c, n)));
            cpu.set(side, (cpu.get(side) ?? 0) + cpuNowUs() - before);
          }
        }
        const total = rounds * n;
        for (const side of SIDES) {
          sample[`c${c}.${side}CpuUsPerTask`] = (cpu.get(side) ?? 0) / total;
          sample[`c${c}.${side}TasksPerSec`] = total / ((us.get(side) ?? 0) / 1e6);
        }
        sample[`c${c}.runRatio`] = (cpu.get('worker') ?? 0) / (cpu.get('wire') ?? 1);
        sample[`c${c}.runNodeHttpRatio`] = (cpu.get('wireNodeHttp') ?? 0) / (cpu.get('wire') ?? 1);
      }
    } finally {
      await nodeHttp.close();
      client.destroy();
      await swf.close();
    }
    return sample;
  },
  finish(json, get) {
    const checks = CONCURRENCY.map((c) => {
      const ratio = pairedRatio(get, `c${c}.runRatio`, `c${c}.workerCpuUsPerTask`, `c${c}.wireCpuUsPerTask`);
      setPath(json, `c${c}.ratio`, round(ratio));
      setPath(json, `c${c}.nodeHttpOverUndici`, round(pairedRatio(get, `c${c}.runNodeHttpRatio`, `c${c}.wireNodeHttpCpuUsPerTask`, `c${c}.wireCpuUsPerTask`)));
      return { figure: `c${c} worker/wire CPU per task`, value: ratio, target: `≤ ${LIMIT.toFixed(2)}`, met: ratio <= LIMIT };
    });
    json.ratio = round(Math.max(...checks.map((c) => c.value)));
    return checks;
  },
};
