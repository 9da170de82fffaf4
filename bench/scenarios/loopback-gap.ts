/**
 * Why the worker on the SDK path costs more than the bare loop over loopback HTTP than in process: each
 * side in a fresh process of its own (bench/profile-loopback.ts, its own endpoint), taking turns. Sides:
 * the bare SDK loop; the same after one AsyncLocalStorage.run (Node's async hooks on, as the worker's
 * activity context turns them on); the worker on the SDK path with as many polls as tasks; the same with
 * the CLI's default of 5 open polls.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { benchModule } from '../paths.js';
import { setPath, type Sample, type Scenario } from '../scenario.js';
import { round } from '../stats.js';

const run = promisify(execFile);
const SIDES = ['bare', 'bare-als', 'worker-sdk', 'worker-sdk-5polls'] as const;
const CONCURRENCY = [1, 64] as const;

async function side(name: string, c: number, n: number): Promise<number> {
  const { stdout } = await run(process.execPath, ['--disable-warning=NodeVersionSupportWarning', benchModule('profile-loopback'), name, String(c), String(n)], {
    maxBuffer: 1 << 20,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '{}';
  return (JSON.parse(line) as { cpuUsPerTask: number }).cpuUsPerTask;
}

export const loopbackGap: Scenario = {
  name: 'loopbackGap',
  title: 'CPU µs per task over loopback, each side in its own process: what the worker adds to the bare SDK loop, and why',
  runs: (quick) => (quick ? 1 : 2),
  async measure({ quick, run: index }) {
    const n = quick ? 800 : 2000;
    const sample: Sample = {};
    for (const c of CONCURRENCY) {
      const order = index % 2 === 0 ? SIDES : [...SIDES].reverse();
      for (const s of order) sample[`c${c}.${s}CpuUsPerTask`] = await side(s, c, n);
      const bare = sample[`c${c}.bareCpuUsPerTask`] ?? Number.NaN;
      for (const s of SIDES.slice(1)) sample[`c${c}.${s}OverBare`] = (sample[`c${c}.${s}CpuUsPerTask`] ?? Number.NaN) / bare;
    }
    return sample;
  },
  finish(json, get) {
    for (const c of CONCURRENCY) {
      setPath(json, `c${c}.alsShare`, round((get(`c${c}.bare-alsOverBare`)?.median ?? Number.NaN) - 1));
    }
    return [];
  },
};
