/**
 * `npm run bench [-- scenario ...]`: runs each scenario several times, each run in a fresh process,
 * prints medians with min and max, checks the targets and writes `bench/results/latest.json`.
 *
 * Options (arguments or environment):
 * - scenario names, e.g. `npm run bench -- sdkOverhead throughput` (or `BENCH_SCENARIOS=a,b`); default all.
 * - `--quick` or `BENCH_QUICK=1`: shorter runs for development; results go to `bench/results/quick.json.tmp`.
 * - `--runs=N` or `BENCH_RUNS=N`: runs per scenario instead of each scenario's own count.
 *
 * One run by hand, e.g. to profile it: `node --cpu-prof dist/bench/run.js --child throughput 0 1`
 * (scenario, run index, quick 1/0); it prints its figures.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchModule, repoRoot } from './paths.js';
import type { Sample, Scenario, TargetCheck } from './scenario.js';
import { setPath } from './scenario.js';
import { callbacks } from './scenarios/callbacks.js';
import { latencyHiding } from './scenarios/latency-hiding.js';
import { localScale } from './scenarios/local-scale.js';
import { localMemory } from './scenarios/local-memory.js';
import { localAbuse } from './scenarios/local-abuse.js';
import { longTasks } from './scenarios/long-tasks.js';
import { messaging } from './scenarios/messaging.js';
import { sdkOverhead } from './scenarios/sdk-overhead.js';
import { startup } from './scenarios/startup.js';
import { throughput } from './scenarios/throughput.js';
import { processExecutor } from './scenarios/process-executor.js';
import { isolation } from './scenarios/isolation.js';
import { wireFloor } from './scenarios/wire-floor.js';
import { idlePolls } from './scenarios/idle-polls.js';
import { loopbackGap } from './scenarios/loopback-gap.js';
import { markdownTable, round, show, summarize, type Summary } from './stats.js';

const SCENARIOS: readonly Scenario[] = [sdkOverhead, throughput, wireFloor, idlePolls, loopbackGap, latencyHiding, longTasks, localScale, localMemory, localAbuse, startup, callbacks, messaging, processExecutor, isolation];

interface Settings {
  scenarios: Scenario[];
  quick: boolean;
  runs: number | undefined;
}

function parseSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  let quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  let runs = env.BENCH_RUNS ? Number(env.BENCH_RUNS) : undefined;
  const names: string[] = (env.BENCH_SCENARIOS ?? '').split(',').filter(Boolean);
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--runs=')) runs = Number(arg.slice('--runs='.length));
    else names.push(...arg.split(',').filter(Boolean));
  }
  if (runs !== undefined && !(Number.isInteger(runs) && runs > 0)) throw new TypeError(`runs must be a positive integer, got ${runs}`);
  const byName = new Map(SCENARIOS.map((s) => [s.name.toLowerCase(), s]));
  const scenarios = names.length === 0 ? [...SCENARIOS] : names.map((n) => {
    const found = byName.get(n.toLowerCase());
    if (!found) throw new TypeError(`unknown scenario ${JSON.stringify(n)}; the scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return found;
  });
  return { scenarios, quick, runs };
}

/** One run of `scenario` in a fresh Node process with `--expose-gc`; resolves with its figures. */
async function runInChild(scenario: Scenario, run: number, quick: boolean): Promise<Sample> {
  const child = fork(benchModule('run'), ['--child', scenario.name, String(run), quick ? '1' : '0'], {
    // The AWS SDK's notice about future Node versions and the worker's MaxListenersExceededWarning (see
    // docs/performance.md) would repeat in every run; the figures are what the bench is for.
    execArgv: [...process.execArgv, '--expose-gc', '--disable-warning=NodeVersionSupportWarning', '--disable-warning=MaxListenersExceededWarning'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let sample: Sample | undefined;
  let failure: string | undefined;
  child.on('message', (message: { sample?: Sample; error?: string }) => {
    sample = message.sample;
    failure = message.error;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (sample) return sample;
  throw new Error(`${scenario.name} run ${run + 1} failed (exit ${code}): ${failure ?? 'no result'}`);
}

async function child(name: string, run: number, quick: boolean): Promise<void> {
  const scenario = SCENARIOS.find((s) => s.name === name);
  try {
    if (!scenario) throw new Error(`no scenario ${name}`);
    const sample = await scenario.measure({ quick, run });
    // Started by hand (e.g. under --cpu-prof) there is no parent to tell: print the figures.
    if (process.send) process.send({ sample });
    else console.log(JSON.stringify(sample, null, 2));
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (process.send) process.send({ error: text });
    else console.error(text);
    process.exitCode = 1;
  }
  // Open handles (sockets kept alive, timers) must not keep a finished run alive.
  process.disconnect?.();
  setImmediate(() => process.exit());
}

interface ScenarioReport {
  json: Record<string, unknown>;
  rows: string[][];
  checks: TargetCheck[];
}

function report(scenario: Scenario, samples: Sample[]): ScenarioReport {
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s)))];
  const summaries = new Map<string, Summary>();
  const json: Record<string, unknown> = {};
  for (const key of keys) {
    const values = samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length === 0) continue;
    const s = summarize(values);
    summaries.set(key, s);
    setPath(json, key, { median: round(s.median), min: round(s.min), max: round(s.max) });
  }
  const checks = scenario.finish(json, (key) => summaries.get(key));
  json.runs = samples.length;
  json.targets = checks.map((c) => ({ figure: c.figure, value: round(c.value), target: c.target, met: c.met }));
  const rows = [...summaries].map(([key, s]) => [scenario.name, key, show(s.median), show(s.min), show(s.max)]);
  return { json, rows, checks };
}

function machine(): Record<string, unknown> {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2), process.env);
  const info = machine();
  process.stderr.write(
    `flowy-swf bench: ${settings.scenarios.map((s) => s.name).join(', ')}${settings.quick ? ' (quick)' : ''} on ${String(info.cores)} cores, Node ${process.version}\n`,
  );
  const results: Record<string, unknown> = {};
  const rows: string[][] = [];
  const checks: { scenario: string; check: TargetCheck }[] = [];
  let failed = false;
  for (const scenario of settings.scenarios) {
    const runs = settings.runs ?? scenario.runs(settings.quick);
    const samples: Sample[] = [];
    for (let run = 0; run < runs; run++) {
      const started = Date.now();
      try {
        samples.push(await runInChild(scenario, run, settings.quick));
        process.stderr.write(`  ${scenario.name} run ${run + 1}/${runs}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      } catch (error) {
        failed = true;
        process.stderr.write(`  ${(error as Error).message}\n`);
      }
    }
    if (samples.length === 0) continue;
    const r = report(scenario, samples);
    results[scenario.name] = r.json;
    rows.push(...r.rows);
    checks.push(...r.checks.map((check) => ({ scenario: scenario.name, check })));
  }

  console.log(`\n${settings.quick ? 'QUICK MODE: not comparable to full runs\n' : ''}${String(info.cores)} cores, Node ${process.version}, ${String(info.date)}\n`);
  console.log(markdownTable(['scenario', 'figure', 'median', 'min', 'max'], rows));
  console.log(`\n${markdownTable(
    ['scenario', 'target', 'measured', 'goal', ''],
    checks.map(({ scenario, check }) => [scenario, check.figure, show(check.value), check.target, check.met ? 'met' : 'MISSED']),
  )}`);

  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, settings.quick ? 'quick.json.tmp' : 'latest.json');
  let out: Record<string, unknown> = {};
  // A run of some scenarios replaces theirs and keeps the others' last full figures.
  const partial = settings.scenarios.length < SCENARIOS.length;
  if (partial && existsSync(file)) {
    try {
      out = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      out = {};
    }
  }
  for (const [name, value] of Object.entries(results)) {
    (value as Record<string, unknown>).date = info.date;
    out[name] = value;
  }
  out.machine = info;
  out.quick = settings.quick;
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${join('bench', 'results', settings.quick ? 'quick.json.tmp' : 'latest.json')}`);
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] ?? '', Number(process.argv[4] ?? 0), process.argv[5] === '1');
} else {
  await main();
}
