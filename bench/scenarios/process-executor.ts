/**
 * The process executor's cost: CPU per no-op task (worker plus children) against inline at concurrency
 * 1 and 64 once the pool is warm (at 64 also with `concurrencyPerChild: 8`), with SWF answered in process at zero latency; a child's start-up time;
 * and each communicator's throughput for a 50 MB message with the worker's memory while it passes.
 */
import { readFileSync } from 'node:fs';
import { Worker, type WorkerOptions } from '../../src/worker/index.js';
import { ActivityRegistry, defaultRegistry, type ActivityDefinition } from '../../src/scanner/index.js';
import { PooledChild } from '../../src/executor/child-process.js';
import { createHostFunctions } from '../../src/executor/index.js';
import { descendants, residentBytes } from '../../src/executor/process-tree.js';
import type { CommunicatorName } from '../../src/ipc/index.js';
import { roundTrip } from '../executor-activities.js';
import '../main-entry-activities.js';
import { collectGarbage, inProcessClient } from '../fixtures.js';
import { noOpTaskSource } from '../in-process-handler.js';
import { benchModule } from '../paths.js';
import { pairedRatio, setPath, type Sample, type Scenario } from '../scenario.js';
import { round } from '../stats.js';

const TYPE = { name: 'bench-noop', version: '1' };
const ROUND_TRIP = { name: 'bench-round-trip', version: '1' };
/** The same no-op in a module that imports the package's main entry instead of `flowy-swf/activity`. */
const MAIN_ENTRY = { name: 'bench-noop-main-entry', version: '1' };
const CONCURRENCY = [1, 64] as const;
const LIMIT = 1.5;
const TICK_US = 1e6 / 100; // /proc CPU times are in clock ticks of 10 ms

/** CPU µs used so far by this process's executor children (Linux /proc). */
function childrenCpuUs(): number {
  let ticks = 0;
  for (const pid of descendants(process.pid)) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * TICK_US;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * How a variant runs tasks: inline, or in child processes taking `perChild` tasks at once; `roundTrip`
 * runs inline an activity that makes one protocol call (`self.ping`) to one of `c` idle children per task.
 */
interface Variant {
  executor: 'inline' | 'process';
  perChild?: number;
  roundTrip?: boolean;
}

/**
 * The variants measured at concurrency `c`: inline, the process executor as it comes, (at c64) 8 tasks
 * per child, and the floor: inline plus one bare protocol round trip to a child per task.
 */
function variants(c: number): Record<string, Variant> {
  return {
    inline: { executor: 'inline' },
    process: { executor: 'process' },
    ...(c > 1 ? { processPerChild8: { executor: 'process', perChild: 8 } } : {}),
    roundTrip: { executor: 'inline', roundTrip: true },
  };
}

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** `c` idle children on the pipe communicator, pinged in turn by `bench-round-trip`; returns how to stop them. */
async function roundTripChildren(c: number): Promise<() => Promise<void>> {
  const children = await Promise.all(
    Array.from({ length: c }, () =>
      PooledChild.start({ communicator: 'pipe', memoryLimitMb: 512, startTimeoutMs: 30_000, nodeArgs: [], log: quietLog, hostFunctions: () => undefined }),
    ),
  );
  let next = 0;
  roundTrip.to = () => children[next++ % children.length]!.peer.call('self', 'ping', null);
  return async () => {
    await Promise.all(children.map(async (child) => (await child.peer.close(), await child.exited)));
  };
}

type ActivityType = { name: string; version: string };

/** A worker on SWF answered in process with tasks of `type`, whose class the children load from the bench module `module`. */
function benchWorker(
  module: string,
  type: ActivityType,
  options: Omit<WorkerOptions, 'client' | 'registry' | 'domain' | 'taskList' | 'identity'>,
): { worker: Worker; client: ReturnType<typeof inProcessClient> } {
  const client = inProcessClient(noOpTaskSource(type).operations);
  const registry = new ActivityRegistry();
  registry.register(Object.freeze({ ...defaultRegistry().get(type.name, type.version)!, file: benchModule(module) }) as ActivityDefinition);
  return { worker: new Worker({ client, registry, domain: 'bench', taskList: 'bench', identity: 'bench', ...options }), client };
}

/** CPU µs per task (worker and children) over `measured` tasks after `warm` ones, on a fresh worker of one executor. */
async function cpuPerTask(variant: Variant, c: number, warm: number, measured: number): Promise<{ worker: number; children: number }> {
  let finished = 0;
  let start = [0, 0];
  let end = [0, 0];
  const { worker, client } = benchWorker('executor-activities', variant.roundTrip ? ROUND_TRIP : TYPE, {
    executor: variant.executor,
    processExecutor: { maxTasksPerChild: 1_000_000, idleTimeoutMs: 600_000, concurrencyPerChild: variant.perChild ?? 1 },
    maxConcurrentTasks: c,
    maxConcurrentPolls: c,
    loop: warm + measured,
    metrics: {
      taskFinished: () => {
        finished++;
        // The /proc scan for the children's times lies outside the worker's measured window.
        if (finished === warm) {
          const children = childrenCpuUs();
          start = [cpuUs(), children];
        }
        if (finished === warm + measured) end = [cpuUs(), childrenCpuUs()];
      },
    },
  });
  const stopChildren = variant.roundTrip ? await roundTripChildren(c) : undefined;
  collectGarbage();
  await worker.run();
  client.destroy();
  await stopChildren?.();
  return { worker: (end[0]! - start[0]!) / measured, children: (end[1]! - start[1]!) / measured };
}

/**
 * A fresh worker's first task, in a new child that loads the activity's module `module`: ms from the
 * worker's start to the task's end (child start, module load, task), and the child's resident memory then.
 */
async function firstTask(module: string, type: ActivityType): Promise<{ ms: number; rssMiB: number }> {
  let ms = 0;
  let rss = 0;
  const started = performance.now();
  const { worker, client } = benchWorker(module, type, {
    executor: 'process',
    maxConcurrentTasks: 1,
    maxConcurrentPolls: 1,
    loop: 1,
    metrics: {
      taskFinished: () => {
        ms = performance.now() - started;
        rss = descendants(process.pid).reduce((sum, pid) => sum + (residentBytes(pid) ?? 0), 0);
      },
    },
  });
  await worker.run();
  client.destroy();
  return { ms, rssMiB: rss / 2 ** 20 };
}

async function startupMs(communicator: CommunicatorName): Promise<number> {
  const started = performance.now();
  const child = await PooledChild.start({
    communicator,
    memoryLimitMb: 512,
    startTimeoutMs: 30_000,
    nodeArgs: [],
    log: quietLog,
    hostFunctions: () => undefined,
  });
  const ms = performance.now() - started;
  await child.peer.close();
  await child.exited;
  return ms;
}

/** Sends a 50 MB message to a child (the ping carries it) and waits for the answer; MB/s and the worker's peak RSS growth. */
async function throughput(communicator: CommunicatorName): Promise<{ mbPerSec: number; peakRssGrowthMiB: number }> {
  const child = await PooledChild.start({
    communicator,
    memoryLimitMb: 1024,
    startTimeoutMs: 30_000,
    nodeArgs: [],
    log: quietLog,
    hostFunctions: () => undefined,
  });
  try {
    const payload = { blob: 'x'.repeat(50 * 1024 * 1024) };
    collectGarbage();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const started = performance.now();
    await child.peer.call('self', 'ping', payload);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { mbPerSec: 50 / seconds, peakRssGrowthMiB: (peak - before) / 2 ** 20 };
  } finally {
    await child.peer.close();
    await child.exited;
  }
}

export const processExecutor: Scenario = {
  name: 'processExecutor',
  title: 'process executor: CPU per no-op task vs inline (warm pool), child start-up, 50 MB through each communicator',
  runs: (quick) => (quick ? 1 : 3),
  async measure({ quick, run }) {
    const sample: Sample = {};
    for (const c of CONCURRENCY) {
      const warm = c === 1 ? 100 : c * 10;
      const measured = quick ? (c === 1 ? 500 : 2_000) : c === 1 ? 2_000 : 8_000;
      const all = variants(c);
      // Rotate the order from run to run: whatever runs first or last pays no more than the others.
      const names = Object.keys(all);
      const order = names.map((_, i) => names[(i + run) % names.length]!);
      const us: Record<string, { worker: number; children: number }> = {};
      for (const name of order) us[name] = await cpuPerTask(all[name]!, c, warm, measured);
      const inline = us.inline!.worker + us.inline!.children;
      sample[`c${c}.inlineCpuUsPerTask`] = inline;
      for (const name of names.filter((n) => n !== 'inline')) {
        const total = us[name]!.worker + us[name]!.children;
        sample[`c${c}.${name}CpuUsPerTask`] = total;
        sample[`c${c}.${name}WorkerCpuUsPerTask`] = us[name]!.worker;
        sample[`c${c}.${name}ChildrenCpuUsPerTask`] = us[name]!.children;
        sample[`c${c}.${name === 'process' ? 'runRatio' : `${name}RunRatio`}`] = total / inline;
        if (name === 'process') sample[`c${c}.overRoundTrip`] = total / (us.roundTrip!.worker + us.roundTrip!.children);
      }
    }
    if (process.env.BENCH_EXECUTOR_CPU_ONLY === '1') return sample;
    // The first task in a fresh child, its module importing the authoring entry or the main one, in turns.
    const first: Record<'activityEntry' | 'mainEntry', { ms: number[]; rssMiB: number[] }> = { activityEntry: { ms: [], rssMiB: [] }, mainEntry: { ms: [], rssMiB: [] } };
    for (let i = 0; i < (quick ? 2 : 4); i++) {
      for (const entry of i % 2 === 0 ? (['activityEntry', 'mainEntry'] as const) : (['mainEntry', 'activityEntry'] as const)) {
        const t = entry === 'activityEntry' ? await firstTask('executor-activities', TYPE) : await firstTask('main-entry-activities', MAIN_ENTRY);
        first[entry].ms.push(t.ms);
        first[entry].rssMiB.push(t.rssMiB);
      }
    }
    for (const entry of ['activityEntry', 'mainEntry'] as const) {
      sample[`firstTask.${entry}Ms`] = median(first[entry].ms);
      sample[`firstTask.${entry}ChildRssMiB`] = median(first[entry].rssMiB);
    }
    for (const communicator of ['pipe', 'socket'] as const) {
      const starts: number[] = [];
      for (let i = 0; i < (quick ? 3 : 5); i++) starts.push(await startupMs(communicator));
      sample[`startup.${communicator}Ms`] = median(starts);
      const t = await throughput(communicator);
      sample[`message50MB.${communicator}MBPerSec`] = t.mbPerSec;
      sample[`message50MB.${communicator}PeakRssGrowthMiB`] = t.peakRssGrowthMiB;
    }
    return sample;
  },
  finish(json, get) {
    const checks = CONCURRENCY.map((c) => {
      const ratio = pairedRatio(get, `c${c}.runRatio`, `c${c}.processCpuUsPerTask`, `c${c}.inlineCpuUsPerTask`);
      setPath(json, `c${c}.ratio`, round(ratio));
      return { figure: `c${c} process/inline CPU per task`, value: ratio, target: `≤ ${LIMIT.toFixed(2)}`, met: ratio <= LIMIT };
    });
    const packed = pairedRatio(get, 'c64.processPerChild8RunRatio', 'c64.processPerChild8CpuUsPerTask', 'c64.inlineCpuUsPerTask');
    setPath(json, 'c64.perChild8Ratio', round(packed));
    for (const c of CONCURRENCY) {
      // The floor: one bare protocol round trip to a child per task, over inline. Not a target; it shows how
      // much of the process executor's ratio any task in a child pays on this machine.
      setPath(json, `c${c}.floorRatio`, round(pairedRatio(get, `c${c}.roundTripRunRatio`, `c${c}.roundTripCpuUsPerTask`, `c${c}.inlineCpuUsPerTask`)));
    }
    checks.push({ figure: 'c64 process (concurrencyPerChild 8)/inline CPU per task', value: packed, target: `≤ ${LIMIT.toFixed(2)}`, met: packed <= LIMIT });
    return checks;
  },
};
