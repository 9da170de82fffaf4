/**
 * Isolation: 2 activities burn CPU while 200 others heartbeat every second with a 5 s heartbeat
 * timeout, on a local endpoint over HTTP. Inline, the burners hold the worker's event loop; with the
 * process executor they run in children. Worst heartbeat gap and tasks timed out, each way.
 * `BENCH_ISOLATION_SECONDS` sets how long the burners burn. @default 20 (8 with --quick)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from '../../src/worker/index.js';
import { ActivityRegistry, defaultRegistry, type ActivityDefinition } from '../../src/scanner/index.js';
import { PollForActivityTaskCommand, RecordActivityTaskHeartbeatCommand, type SWFClient } from '@aws-sdk/client-swf';
import '../executor-activities.js';
import { BENCH_DEFAULTS, httpClient } from '../fixtures.js';
import { forkLocalSwf } from '../local-server.js';
import { benchModule } from '../paths.js';
import type { Sample, Scenario } from '../scenario.js';
import { prepareDomain, seedActivityTasks } from '../seed.js';

const DOMAIN = 'bench-isolation';
const TASK_LIST = 'isolation';
const BURN = { name: 'bench-burn', version: '1' };
const BEAT = { name: 'bench-beat', version: '1' };
const BEATERS = 200;

function definition(type: { name: string; version: string }, extra: Partial<ActivityDefinition>): ActivityDefinition {
  const decorated = defaultRegistry().get(type.name, type.version)!;
  return Object.freeze({ ...decorated, file: benchModule('executor-activities'), ...extra });
}

async function once(mode: 'inline' | 'process', burnMs: number): Promise<Record<string, number>> {
  const swf = await forkLocalSwf({ pollTimeoutMs: 1000 });
  const client = httpClient(swf.endpoint);
  const lastBeat = new Map<string, number>();
  let worstGapMs = 0;
  // Gaps as the worker sends heartbeats, from the moment the task arrived: a blocked event loop sends none.
  const watched: Pick<SWFClient, 'send'> = {
    send: (async (command: Parameters<SWFClient['send']>[0]) => {
      if (command instanceof RecordActivityTaskHeartbeatCommand) {
        const token = command.input.taskToken ?? '';
        const now = performance.now();
        const last = lastBeat.get(token);
        if (last !== undefined) worstGapMs = Math.max(worstGapMs, now - last);
        lastBeat.set(token, now);
      }
      const answer = (await client.send(command)) as { taskToken?: string; activityType?: { name?: string } };
      if (command instanceof PollForActivityTaskCommand && answer.taskToken && answer.activityType?.name === BEAT.name) {
        lastBeat.set(answer.taskToken, performance.now());
      }
      return answer;
    }) as SWFClient['send'],
  };
  const outcomes = new Map<string, number>();
  // A blocked loop also delays seeing a poll's answer and sending a heartbeat, so the gaps the worker
  // observes miss the stall itself; the loop's longest stall is the gap SWF saw for every running task.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  try {
    await prepareDomain(client, DOMAIN, BURN, TASK_LIST, BENCH_DEFAULTS);
    await prepareDomain(client, DOMAIN, BEAT, TASK_LIST, { ...BENCH_DEFAULTS, heartbeatTimeout: '5' });
    const beatMs = burnMs + 3_000;
    await seedActivityTasks(client, { domain: DOMAIN, taskList: TASK_LIST, activityType: BEAT, count: BEATERS, input: JSON.stringify([[beatMs], {}]) });
    await seedActivityTasks(client, { domain: DOMAIN, taskList: TASK_LIST, activityType: BURN, count: 2, input: JSON.stringify([[burnMs], {}]) });
    const registry = new ActivityRegistry();
    registry.register(definition(BURN, mode === 'process' ? { executor: 'process' } : {}));
    registry.register(definition(BEAT, {}));
    const worker = new Worker({
      client: watched,
      domain: DOMAIN,
      taskList: TASK_LIST,
      identity: `bench-${mode}`,
      registry,
      maxConcurrentTasks: BEATERS + 2,
      maxConcurrentPolls: 16,
      maxHeartbeatsPerSecond: 1_000,
      loop: BEATERS + 2,
      metrics: { taskFinished: (name, _v, outcome) => outcomes.set(`${name}.${outcome}`, (outcomes.get(`${name}.${outcome}`) ?? 0) + 1) },
    });
    loopDelay.enable();
    await worker.run();
  } finally {
    loopDelay.disable();
    client.destroy();
    await swf.close();
  }
  const stallMs = loopDelay.max / 1e6;
  return {
    worstHeartbeatGapS: Math.max(worstGapMs, stallMs) / 1000,
    eventLoopMaxStallS: stallMs / 1000,
    beatersTimedOut: outcomes.get('bench-beat.timed-out') ?? 0,
    beatersCompleted: outcomes.get('bench-beat.completed') ?? 0,
    burnersCompleted: outcomes.get('bench-burn.completed') ?? 0,
  };
}

export const isolation: Scenario = {
  name: 'isolation',
  title: '2 CPU burners and 200 heartbeating tasks (5 s timeout): worst heartbeat gap and time-outs, inline vs process',
  runs: () => 1,
  async measure({ quick }) {
    const seconds = Number(process.env.BENCH_ISOLATION_SECONDS ?? (quick ? 8 : 20));
    const sample: Sample = { burnSeconds: seconds };
    for (const mode of ['process', 'inline'] as const) {
      const r = await once(mode, seconds * 1000);
      for (const [k, v] of Object.entries(r)) sample[`${mode}.${k}`] = v;
    }
    return sample;
  },
  finish(json, get) {
    const timedOut = get('process.beatersTimedOut')?.median ?? Number.NaN;
    const gap = get('process.worstHeartbeatGapS')?.median ?? Number.NaN;
    json.heartbeatTimeoutS = 5;
    return [
      { figure: 'process executor: heartbeating tasks timed out', value: timedOut, target: '= 0', met: timedOut === 0 },
      { figure: 'process executor: worst heartbeat gap (s)', value: gap, target: '< 5', met: gap < 5 },
    ];
  },
};
