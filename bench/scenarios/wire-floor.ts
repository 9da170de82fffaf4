/**
 * The wire floor: the poll-and-respond loop on the lean transport alone (no worker) over loopback HTTP to
 * the local endpoint, against the worker on the same transport: what the worker adds to the wire. Each
 * side runs in a process of its own (`bench/loopback-peer.ts`) and is measured over its steady state. The
 * transport is measured on both HTTP clients it offers (undici's Pool, node:http with a keep-alive Agent),
 * which is how its default was chosen.
 */
import { SteadyWindow } from '../fixtures.js';
import { withLoopbackRig } from '../loopback-rig.js';
import type { LoopbackPeerRole } from '../peer.js';
import { pairedRatio, setPath, type Sample, type Scenario } from '../scenario.js';
import { round } from '../stats.js';

const CONCURRENCY = [1, 64] as const;
const LIMIT = 1.15;
const SIDES = ['wire', 'wireNodeHttp', 'worker'] as const;
type Side = (typeof SIDES)[number];
const ROLE: Record<Side, LoopbackPeerRole> = { wire: 'wire', wireNodeHttp: 'wire-node-http', worker: 'worker' };

export const wireFloor: Scenario = {
  name: 'wireFloor',
  title: 'CPU µs per task over loopback: the lean transport alone (undici, node:http) vs the worker on it, each in its own process',
  runs: (quick) => (quick ? 1 : 3),
  measure: ({ quick, run }) =>
    withLoopbackRig(ROLE, async ({ peers, seed }) => {
      const sample: Sample = {};
      for (const c of CONCURRENCY) {
        const n = quick ? 600 : 1500;
        const rounds = quick ? 2 : 4;
        const cpu = new Map<Side, number>(SIDES.map((s) => [s, 0]));
        const us = new Map<Side, number>(SIDES.map((s) => [s, 0]));
        for (let r = 0; r < rounds; r++) {
          const order = (run + r) % 2 === 0 ? SIDES : [...SIDES].reverse();
          for (const side of order) {
            // Each round is measured over the side's steady state (see bench/loopback-peer.ts): a new
            // Worker's start and its stop are left out, as a running worker never pays them per task. No
            // forced collection: it would throw away optimised code that the next ~1,000 tasks re-warm
            // (docs/performance.md, "Forced collections and re-warming").
            await seed(new SteadyWindow(c, n).tasks);
            const reply = await peers[side].round(c, n);
            us.set(side, (us.get(side) ?? 0) + reply.us);
            cpu.set(side, (cpu.get(side) ?? 0) + reply.cpuUs);
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
      return sample;
    }),
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
