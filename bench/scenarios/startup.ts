/**
 * Start-up: the built `start-activity-worker` CLI from process start to its first poll, scanning 200
 * generated activity modules (and 1, and a bare `node -e 0`, for scale; and 200 against an endpoint
 * that adds 20 ms to each call, first start and restart). The first poll is seen by the local endpoint
 * (in this process) as a poll waiting on the task list.
 */
import { SWFClient, RegisterDomainCommand } from '@aws-sdk/client-swf';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalSwf, type LocalSwf } from '../../src/local/index.js';
import { BENCH_CREDENTIALS } from '../fixtures.js';
import { repoRoot } from '../paths.js';
import type { Sample, Scenario } from '../scenario.js';
import { round } from '../stats.js';

const DOMAIN = 'bench';
const SIZES = [1, 200] as const;
/** A round trip like a real SWF endpoint's, for the registration of 200 types. */
const REMOTE_LATENCY_MS = 20;

/**
 * Writes `count` activity modules importing `flowy-swf` under `bench/.generated/` (gitignored): inside
 * the repository, so the package resolves its own name.
 */
export function generateActivityModules(count: number): string {
  const dir = join(repoRoot(), 'bench', '.generated', `startup-${count}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(3, '0');
    writeFileSync(
      join(dir, `activity-${n}.js`),
      `import { Activity, activity } from 'flowy-swf';\n\n` +
        `export class Activity${n} extends Activity {\n  run(value) {\n    return { echoed: value, by: ${i} };\n  }\n}\n\n` +
        `activity('startup-${n}', 1, 'startup', { startToClose: 60 })(Activity${n});\n`,
    );
  }
  return dir;
}

async function msUntilExit(args: string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  await once(child, 'exit');
  return performance.now() - started;
}

/** Spawns the CLI and resolves with the ms until the endpoint sees its poll. */
async function msUntilFirstPoll(swf: LocalSwf, dir: string, taskList: string): Promise<number> {
  const root = repoRoot();
  const waitingBefore = swf.stats().waitingPolls;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'dist', 'bin', 'start-activity-worker.js'), '--domain', DOMAIN, '--task-list', taskList, '--package', dir, '--endpoint', swf.endpoint, '--log-level', 'warn'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = once(child, 'exit').then(() => (exited = true));
  try {
    for (;;) {
      if (swf.stats().waitingPolls > waitingBefore) return performance.now() - started;
      if (exited) throw new Error(`start-activity-worker exited before polling: ${stderr.trim()}`);
      if (performance.now() - started > 60_000) throw new Error('start-activity-worker did not poll within 60 s');
      await sleep(1);
    }
  } finally {
    if (!exited) child.kill('SIGKILL');
    await exit;
  }
}

export const startup: Scenario = {
  name: 'startup',
  title: 'start-activity-worker: process start to first poll, scanning 200 activity modules',
  runs: (quick) => (quick ? 2 : 5),
  async measure({ run }) {
    const dirs = new Map(SIZES.map((n) => [n, generateActivityModules(n)]));
    const swf = await startLocalSwf({ pollTimeoutMs: 60_000, warn: () => {} });
    const remote = await startLocalSwf({ pollTimeoutMs: 60_000, latencyMs: REMOTE_LATENCY_MS, warn: () => {} });
    const sample: Sample = {};
    try {
      for (const endpoint of [swf.endpoint, remote.endpoint]) {
        const client = new SWFClient({ endpoint, region: 'us-east-1', credentials: BENCH_CREDENTIALS });
        await client.send(new RegisterDomainCommand({ name: DOMAIN, workflowExecutionRetentionPeriodInDays: '1' }));
        client.destroy();
      }
      sample.nodeBareMs = await msUntilExit(['-e', '0']);
      for (const n of SIZES) {
        sample[`classes${n}.msToFirstPoll`] = await msUntilFirstPoll(swf, dirs.get(n) as string, `startup-${n}-${run}`);
      }
      sample[`classes200Latency${REMOTE_LATENCY_MS}ms.msToFirstPoll`] = await msUntilFirstPoll(remote, dirs.get(200) as string, `startup-remote-${run}`);
      // A restart: the types exist, so each one costs RegisterActivityType (TypeAlreadyExistsFault) and DescribeActivityType.
      sample[`classes200Latency${REMOTE_LATENCY_MS}msRestart.msToFirstPoll`] = await msUntilFirstPoll(remote, dirs.get(200) as string, `startup-remote-${run}`);
    } finally {
      await Promise.all([swf.close(), remote.close()]);
    }
    return sample;
  },
  finish(json, get) {
    const one = get('classes1.msToFirstPoll')?.median ?? Number.NaN;
    const many = get('classes200.msToFirstPoll')?.median ?? Number.NaN;
    const remote = get(`classes200Latency${REMOTE_LATENCY_MS}ms.msToFirstPoll`)?.median ?? Number.NaN;
    // What each of the 199 extra classes adds (scan, import, one RegisterActivityType), locally and at 20 ms a call.
    json.msPerExtraClass = round((many - one) / 199);
    json[`msPerExtraClassLatency${REMOTE_LATENCY_MS}ms`] = round((remote - one) / 199);
    // The issue names no number for start-up: it is reported, not judged.
    return [];
  },
};
