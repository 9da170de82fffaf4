/**
 * End to end through SWF on the local endpoint: a decider schedules a parent; the parent signals its
 * invocation id; the decider passes it to a child as input; the child streams progress to the parent,
 * which completes with what it got. In one worker (in-process router), then across two worker
 * processes (the built CLI with --messaging redis://...).
 */
import { DescribeActivityTypeCommand, RegisterDomainCommand, RegisterWorkflowTypeCommand, StartWorkflowExecutionCommand, type SWFClient } from '@aws-sdk/client-swf';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSwfClient, startActivityWorker, type Worker } from 'flowy-swf';
import { startLocalSwf, type LocalSwf } from 'flowy-swf/local';
import { ProgressDecider, type ProgressOutcome } from '../../examples/progress-decider.js';
import { exampleSwf } from '../../examples/swf-signals.js';
import { ensureBuilt } from '../reliability/harness.js';
import { describeWithRedis } from '../integration/messaging/redis-env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let seq = 0;

interface Env {
  swf: LocalSwf;
  client: SWFClient;
  domain: string;
}
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setUp(): Promise<Env> {
  const swf = await startLocalSwf({ port: 0, pollTimeoutMs: 500 });
  const client = createSwfClient({ endpoint: swf.endpoint });
  cleanups.push(() => swf.close(), async () => client.destroy());
  const domain = `messaging-${process.pid}-${++seq}`;
  await client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' }));
  await client.send(
    new RegisterWorkflowTypeCommand({
      domain,
      name: 'progress',
      version: '1',
      defaultTaskList: { name: 'decisions' },
      defaultChildPolicy: 'TERMINATE',
      defaultExecutionStartToCloseTimeout: '600',
      defaultTaskStartToCloseTimeout: '30',
    }),
  );
  return { swf, client, domain };
}

async function runWorkflow(e: Env, parentTaskList: string, childTaskList: string, steps: number): Promise<ProgressOutcome> {
  const stop = new AbortController();
  cleanups.push(async () => stop.abort());
  const decider = new ProgressDecider({ client: e.client, domain: e.domain, taskList: 'decisions', parentTaskList, childTaskList, steps });
  await e.client.send(new StartWorkflowExecutionCommand({ domain: e.domain, workflowId: `progress-${++seq}`, workflowType: { name: 'progress', version: '1' } }));
  const timer = setTimeout(() => stop.abort(), 60_000);
  try {
    return await decider.run(stop.signal);
  } finally {
    clearTimeout(timer);
  }
}

function expectStreamed(outcome: ProgressOutcome, steps: number): void {
  expect(outcome.failed).toBeUndefined();
  const parent = outcome.parent as { from: string; steps: number[]; notes: string[] };
  expect(parent.steps).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  expect(parent.notes[0]).toBe(`step 1 of ${steps} done`);
  expect(parent.from).toMatch(/^inv-[A-Za-z0-9_-]{22}$/);
  expect(outcome.child).toEqual({ sent: steps });
}

describe('messaging end to end through SWF', () => {
  it('in one worker: the child streams progress to the parent, which completes with it', async () => {
    const e = await setUp();
    exampleSwf.client = e.client;
    cleanups.push(async () => (exampleSwf.client = undefined));
    let worker: Worker | undefined;
    const done = startActivityWorker({
      domain: e.domain,
      taskList: 'messaging',
      client: e.client,
      packages: [fileURLToPath(new URL('../../examples/activities/messaging.ts', import.meta.url))],
      handleSignals: false,
      logger: pino({ level: 'silent' }),
      onWorker: (w) => (worker = w),
    });
    cleanups.push(async () => {
      await worker?.shutdown({ force: true });
      await done.catch(() => {});
    });
    while (!worker) await new Promise((r) => setTimeout(r, 20));
    expectStreamed(await runWorkflow(e, 'messaging', 'messaging', 7), 7);
  });
});

describeWithRedis('messaging end to end through SWF, two worker processes on Redis', (url) => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('the parent runs in one worker process, the child in another; progress goes through Redis', async () => {
    const e = await setUp();
    const workers = ['parents', 'children'].map((taskList) => startCliWorker(e, taskList, url));
    await typesRegistered(e, ['collect-progress', 'report-progress']);
    const outcome = await runWorkflow(e, 'parents', 'children', 5);
    expectStreamed(outcome, 5);
    for (const w of workers) expect(w.stderr()).not.toMatch(/"level":50/);
  }, 90_000);
});

/** Waits until the workers have registered the activity types, so scheduling them cannot fail. */
async function typesRegistered(e: Env, names: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      try {
        await e.client.send(new DescribeActivityTypeCommand({ domain: e.domain, activityType: { name, version: '1' } }));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

function startCliWorker(e: Env, taskList: string, redisUrl: string): { process: ChildProcess; stderr: () => string } {
  const proc = spawn(
    process.execPath,
    [
      'dist/bin/start-activity-worker.js',
      '--domain', e.domain,
      '--task-list', taskList,
      '--endpoint', e.swf.endpoint,
      '--package', 'dist/examples/activities/messaging.js',
      '--messaging', redisUrl,
      '--log-level', 'warn',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', AWS_ENDPOINT_URL_SWF: e.swf.endpoint } },
  );
  let stderr = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (c: string) => (stderr = (stderr + c).slice(-20_000)));
  cleanups.push(async () => {
    if (proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    const exited = once(proc, 'exit');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  return { process: proc, stderr: () => stderr };
}
