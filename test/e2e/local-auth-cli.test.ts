/**
 * `flowy-swf local --auth --credentials-file FILE` as users run it, with a worker, the CLIs and a decider
 * signing with keys from that file or the environment: a whole activity run end to end over checked
 * signatures. Also the warning `--host 0.0.0.0` prints without `--auth`.
 */
import { DescribeActivityTypeCommand, PollForActivityTaskCommand, RegisterActivityTypeCommand, SWFClient } from '@aws-sdk/client-swf';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { history, outcomeOf, registerDomain, scheduleActivities, unique, until } from '../integration/helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FLOWY_SWF = join(root, 'dist/bin/flowy-swf.js');
const START_WORKER = join(root, 'dist/bin/start-activity-worker.js');

const DECIDER = { accessKeyId: 'AKIAFLOWYE2EDECIDER1', secretAccessKey: 'decider-secret-0000000000000000000000' };
const WORKER = { accessKeyId: 'AKIAFLOWYE2EWORKER01', secretAccessKey: 'worker-secret-00000000000000000000000' };
const OPERATOR = { accessKeyId: 'AKIAFLOWYE2EOPERATE1', secretAccessKey: 'operator-secret-000000000000000000000' };

const dir = mkdtempSync(join(tmpdir(), 'flowy-swf-auth-'));
const credentialsFile = join(dir, 'credentials');
writeFileSync(
  credentialsFile,
  [
    '# keys the local endpoint accepts: every profile',
    '[default]',
    `aws_access_key_id = ${DECIDER.accessKeyId}`,
    `aws_secret_access_key = ${DECIDER.secretAccessKey}`,
    '',
    '[worker]',
    `aws_access_key_id=${WORKER.accessKeyId}`,
    `aws_secret_access_key=${WORKER.secretAccessKey}`,
    '; the operator finishes tasks by token',
    '[operator]',
    `aws_access_key_id = ${OPERATOR.accessKeyId}`,
    `aws_secret_access_key = ${OPERATOR.secretAccessKey}`,
    'region = us-east-1',
    '',
  ].join('\n'),
);

/** The environment without the caller's AWS settings, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) out[key] = value;
  return { ...out, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: root, env: env(extraEnv) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

/** Starts `flowy-swf local ...`; resolves with its URL once printed. */
function startLocal(args: string[], extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcessWithoutNullStreams; endpoint: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FLOWY_SWF, 'local', '--port', '0', ...args], { cwd: root, env: env(extraEnv) });
    let stdout = '';
    let stderr = '';
    const ready = (): void => {
      const line = /^(http:\/\/\S+)\n/.exec(stdout);
      if (line?.[1] && stderr.includes('stop with Ctrl-C')) resolve({ child, endpoint: line[1], stderr: () => stderr });
    };
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      ready();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      ready();
    });
    child.on('close', (code) => reject(new Error(`flowy-swf local exited ${code}: ${stderr}`)));
    child.on('error', reject);
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('close');
    child.on('close', () => resolve());
    child.kill('SIGTERM');
  });
}

beforeAll(() => {
  if (!existsSync(FLOWY_SWF) || !existsSync(START_WORKER)) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  expect(existsSync(FLOWY_SWF), 'dist/bin/flowy-swf.js was not built').toBe(true);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowy-swf local --auth --credentials-file', { timeout: 90_000 }, () => {
  let local: Awaited<ReturnType<typeof startLocal>>;
  let decider: SWFClient;

  beforeAll(async () => {
    local = await startLocal(['--auth', '--credentials-file', credentialsFile, '--poll-timeout', '30000']);
    decider = new SWFClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: DECIDER, maxAttempts: 1 });
  }, 60_000);
  afterAll(async () => {
    decider?.destroy();
    if (local) await stop(local.child);
  });

  it('says on stderr that signatures are checked, and against which keys', () => {
    expect(local.stderr()).toContain(`auth on: every request must carry an AWS Signature Version 4 made with a key from ${credentialsFile}`);
  });

  it('runs an activity end to end: a worker signing with AWS_ACCESS_KEY_ID/SECRET from its environment completes it', async () => {
    const domain = await registerDomain(decider);
    const running = run(
      START_WORKER,
      ['--domain', domain, '--task-list', 'demo-activities', '--package', 'examples/activities', '--loop', '1', '--log-level', 'warn'],
      { AWS_ENDPOINT_URL_SWF: local.endpoint, AWS_ACCESS_KEY_ID: WORKER.accessKeyId, AWS_SECRET_ACCESS_KEY: WORKER.secretAccessKey },
    );
    // The worker registers `add` (signed with its own key); its one poll is held until the task comes.
    await until('the worker registered add', () =>
      decider.send(new DescribeActivityTypeCommand({ domain, activityType: { name: 'add', version: '1' } })).then(() => true, () => false),
    30_000);
    const execution = await scheduleActivities(decider, domain, [{ activityId: 'sum', name: 'add', args: [2, 3], taskList: 'demo-activities' }]);
    const worker = await running;
    expect(worker.stderr).not.toMatch(/error/i);
    expect(worker.code).toBe(0);
    expect(await outcomeOf(decider, execution, 'sum')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '5' });
  });

  it('lets `flowy-swf complete` finish a task by token with a profile of the credentials file (AWS_PROFILE)', async () => {
    const domain = await registerDomain(decider);
    await decider.send(
      new RegisterActivityTypeCommand({ domain, name: 'approve', version: '1', defaultTaskStartToCloseTimeout: '60', defaultTaskScheduleToCloseTimeout: '120', defaultTaskScheduleToStartTimeout: '60', defaultTaskHeartbeatTimeout: 'NONE' }),
    );
    const execution = await scheduleActivities(decider, domain, [{ activityId: 'approval', name: 'approve', taskList: 'approvals' }]);
    const task = await decider.send(new PollForActivityTaskCommand({ domain, taskList: { name: 'approvals' }, identity: 'e2e' }));
    expect(task.taskToken).toBeTruthy();
    const completed = await run(FLOWY_SWF, ['complete', task.taskToken ?? '', '{"approved":true}', '--endpoint', local.endpoint], {
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_PROFILE: 'operator',
    });
    expect(completed.stderr).toBe('');
    expect(completed.code).toBe(0);
    const events = await history(decider, execution);
    expect(events.find((e) => e.eventType === 'ActivityTaskCompleted')?.activityTaskCompletedEventAttributes?.result).toBe('{"approved":true}');
  });

  it('refuses a worker with no keys: it exits 1 naming UnrecognizedClientException', async () => {
    const domain = await registerDomain(decider);
    const worker = await run(START_WORKER, ['--domain', domain, '--task-list', unique('nobody'), '--package', 'examples/activities', '--loop', '1'], {
      AWS_ENDPOINT_URL_SWF: local.endpoint,
    });
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/UnrecognizedClientException: The security token included in the request is invalid/);
  });
});

describe('flowy-swf local --host 0.0.0.0', { timeout: 60_000 }, () => {
  it('warns without --auth that anyone on the network could call it, and not with --auth', async () => {
    const open = await startLocal(['--host', '0.0.0.0']);
    try {
      expect(open.stderr()).toMatch(/WARNING: the local SWF endpoint is bound to 0\.0\.0\.0, not loopback, with NO authentication: anyone who can reach this port can register domains, start, signal and terminate workflows, read every history/);
      expect(open.stderr()).toMatch(/turn on --auth/);
    } finally {
      await stop(open.child);
    }
    const closed = await startLocal(['--host', '0.0.0.0', '--auth'], { AWS_ACCESS_KEY_ID: DECIDER.accessKeyId, AWS_SECRET_ACCESS_KEY: DECIDER.secretAccessKey });
    try {
      expect(closed.stderr()).not.toMatch(/WARNING/);
      expect(closed.stderr()).toContain('made with a key from this environment (AWS_ACCESS_KEY_ID)');
    } finally {
      await stop(closed.child);
    }
  });

  it('refuses to start with --auth and no key anywhere, saying where keys come from', async () => {
    const failed = await run(FLOWY_SWF, ['local', '--port', '0', '--auth']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/auth is on but no access key was given: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*--credentials-file FILE/);
    const misuse = await run(FLOWY_SWF, ['local', '--port', '0', '--credentials-file', credentialsFile]);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toMatch(/--credentials-file takes effect only with --auth/);
  });
});
