/**
 * Throughput on loopback: no-op activities through the local endpoint (its own process) over real HTTP,
 * scheduled by workflow executions. The worker (on the lean transport, as `createSwfClient` gives it) against
 * the bare AWS SDK v3 loop (the same two calls through a stock `SWFClient`) at the same concurrency, each in
 * a process of its own (`bench/loopback-peer.ts`): tasks per second, CPU per task of that process over its
 * steady state, and the endpoint's CPU, so a reader can tell when the endpoint is the ceiling (its busy
 * share near 1 core). A third side, the lean transport's bare loop with no worker (the `wireFloor`
 * scenario's floor), shows in the same run how low the worker's ratio could go: the wire over the bare
 * SDK loop is the least a worker on that transport can cost.
 */
import { SteadyWindow } from '../fixtures.js';
import type { ForkedLocalSwf } from '../local-server.js';
import { withLoopbackRig } from '../loopback-rig.js';
import type { Peer } from '../peer.js';
import { pairedRatio, ratioOf, setPath, type Sample, type Scenario } from '../scenario.js';
import { round } from '../stats.js';

const CONCURRENCY = [1, 8, 64, 256] as const;
const CPU_LIMIT = 0.35;
const RATE_LIMIT = 1.8;

function tasksFor(c: number, quick: boolean): number {
  if (quick) return c === 1 ? 300 : 1000;
  return c === 1 ? 1500 : 4000;
}

interface Tally {
  us: number;
  cpuUs: number;
  /** Tasks the endpoint's CPU was read over (the whole round: it is read over IPC, not inside the window). */
  endpointTasks: number;
  endpointCpuUs: number;
}

function newTally(): Tally {
  return { us: 0, cpuUs: 0, endpointTasks: 0, endpointCpuUs: 0 };
}

/**
 * One round of `peer` at concurrency `c` measuring `n` tasks, added to `tally`: the peer's wall time and
 * CPU over its steady state (from its 100th, or 2c-th, task to finish, `n` tasks, with `c` more after them,
 * so a new Worker's start and its stop are left out, as a running worker never pays them per task), and
 * the endpoint's CPU over the whole round. `seed` schedules the round's tasks first. No forced
 * collection anywhere: a full `gc()` throws away optimised code, and the next ~1,000 tasks re-warm it,
 * which no running worker pays (docs/performance.md, "Forced collections and re-warming").
 */
async function measured(swf: ForkedLocalSwf, peer: Peer, tally: Tally, c: number, n: number, seed: (count: number) => Promise<void>): Promise<void> {
  const tasks = new SteadyWindow(c, n).tasks;
  await seed(tasks);
  const endpointBefore = await swf.cpuUs();
  const reply = await peer.round(c, n);
  tally.endpointCpuUs += (await swf.cpuUs()) - endpointBefore;
  tally.endpointTasks += tasks;
  tally.us += reply.us;
  tally.cpuUs += reply.cpuUs;
}

export const throughput: Scenario = {
  name: 'throughput',
  title: 'tasks/s and CPU per task over HTTP to the local endpoint, worker (lean transport) vs bare AWS SDK v3 loop (and the lean transport alone, the floor), each in its own process',
  runs: (quick) => (quick ? 1 : 3),
  measure: ({ quick, run }) =>
    withLoopbackRig({ bare: 'bare', worker: 'worker', wire: 'wire' }, async ({ swf, peers, seed }) => {
      const sample: Sample = {};
      for (const c of CONCURRENCY) {
        // Two rounds per side in the order A B C C B A (reversed on odd runs), so drift hits every side alike.
        const half = Math.round(tasksFor(c, quick) / 2);
        const b = newTally();
        const w = newTally();
        const f = newTally();
        const sides = [
          () => measured(swf, peers.bare, b, c, half, seed),
          () => measured(swf, peers.worker, w, c, half, seed),
          () => measured(swf, peers.wire, f, c, half, seed),
        ];
        const once = run % 2 === 0 ? sides : [...sides].reverse();
        for (const step of [...once, ...[...once].reverse()]) await step();
        const n = 2 * half;
        sample[`c${c}.bareTasksPerSec`] = n / (b.us / 1e6);
        sample[`c${c}.workerTasksPerSec`] = n / (w.us / 1e6);
        sample[`c${c}.wireTasksPerSec`] = n / (f.us / 1e6);
        sample[`c${c}.bareCpuUsPerTask`] = b.cpuUs / n;
        sample[`c${c}.workerCpuUsPerTask`] = w.cpuUs / n;
        sample[`c${c}.wireCpuUsPerTask`] = f.cpuUs / n;
        sample[`c${c}.endpointCpuUsPerTaskBare`] = b.endpointCpuUs / b.endpointTasks;
        sample[`c${c}.endpointCpuUsPerTaskWorker`] = w.endpointCpuUs / w.endpointTasks;
        // The endpoint's busy share of one core while the worker ran: near 1, the endpoint is the ceiling.
        sample[`c${c}.endpointBusyWorker`] = (w.endpointCpuUs / w.endpointTasks) * (n / w.us);
        sample[`c${c}.endpointBusyBare`] = (b.endpointCpuUs / b.endpointTasks) * (n / b.us);
        sample[`c${c}.runRatio`] = b.us / w.us;
        sample[`c${c}.runCpuRatio`] = w.cpuUs / b.cpuUs;
        // The floor of runCpuRatio: the transport alone over the bare SDK loop; and the worker over that floor.
        sample[`c${c}.runWireCpuRatio`] = f.cpuUs / b.cpuUs;
        sample[`c${c}.runWorkerOverWire`] = w.cpuUs / f.cpuUs;
      }
      return sample;
    }),
  finish(json, get) {
    const checks = CONCURRENCY.map((c) => {
      const cpu = pairedRatio(get, `c${c}.runCpuRatio`, `c${c}.workerCpuUsPerTask`, `c${c}.bareCpuUsPerTask`);
      const rate = pairedRatio(get, `c${c}.runRatio`, `c${c}.workerTasksPerSec`, `c${c}.bareTasksPerSec`);
      setPath(json, `c${c}.cpuRatio`, round(cpu));
      setPath(json, `c${c}.ratio`, round(rate));
      setPath(json, `c${c}.ratioOfMedians`, round(ratioOf(get, `c${c}.workerTasksPerSec`, `c${c}.bareTasksPerSec`)));
      setPath(json, `c${c}.wireCpuRatio`, round(pairedRatio(get, `c${c}.runWireCpuRatio`, `c${c}.wireCpuUsPerTask`, `c${c}.bareCpuUsPerTask`)));
      setPath(json, `c${c}.workerOverWire`, round(pairedRatio(get, `c${c}.runWorkerOverWire`, `c${c}.workerCpuUsPerTask`, `c${c}.wireCpuUsPerTask`)));
      return { figure: `c${c} worker/bare CPU per task`, value: cpu, target: `≤ ${CPU_LIMIT.toFixed(2)}`, met: cpu <= CPU_LIMIT };
    });
    const rate64 = pairedRatio(get, 'c64.runRatio', 'c64.workerTasksPerSec', 'c64.bareTasksPerSec');
    const busy = get('c64.endpointBusyWorker')?.median ?? 0;
    checks.push({
      figure: `c64 worker/bare tasks/s (endpoint busy ${round(busy)} core)`,
      value: rate64,
      target: `≥ ${RATE_LIMIT.toFixed(2)} or endpoint ≥ 0.9 core`,
      met: rate64 >= RATE_LIMIT || busy >= 0.9,
    });
    json.ratio = round(Math.max(...CONCURRENCY.map((c) => pairedRatio(get, `c${c}.runCpuRatio`, `c${c}.workerCpuUsPerTask`, `c${c}.bareCpuUsPerTask`))));
    return checks;
  },
};
