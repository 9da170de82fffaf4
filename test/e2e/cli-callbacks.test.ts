/**
 * `flowy-swf callbacks` as users run it: the built CLI spawned as a process, finishing a real task of the
 * local endpoint over HTTP; bad flags and secrets exit with a message naming them.
 */
import { PollForActivityTaskCommand } from '@aws-sdk/client-swf';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { callbackKeyRing, sealCallbackId } from '../../src/delegation/index.js';
import { workerOptions } from '../../src/cli/worker-command.js';
import { newSecret, put, secretFile } from '../integration/delegation-helpers.js';
import { outcomeOf, registerActivityType, scheduleActivities, unique, useEndpoint } from '../integration/helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FLOWY_SWF = join(root, 'dist/bin/flowy-swf.js');
const suite = useEndpoint();

beforeAll(() => {
  const source = join(root, 'src/cli/callbacks-command.ts');
  if (!existsSync(FLOWY_SWF) || statSync(FLOWY_SWF).mtimeMs < statSync(source).mtimeMs) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  }
  expect(existsSync(FLOWY_SWF), 'dist/bin/flowy-swf.js was not built').toBe(true);
}, 120_000);

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_') && !key.startsWith('FLOWY_SWF_')) env[key] = value;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

function start(args: string[]): { child: ChildProcessWithoutNullStreams; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [FLOWY_SWF, 'callbacks', ...args], { cwd: root, env: cleanEnv() });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  void exited.then(() => clearTimeout(timer));
  return { child, stderr: () => stderr, exited };
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`callbacks exited early with ${code}`)));
  });
}

describe('flowy-swf callbacks', () => {
  it('serves PUT /v1/callbacks/{id} against the endpoint it is given, logs JSON without ids, exits 0 on SIGTERM', async () => {
    const secret = newSecret();
    const domain = await suite.env.newDomain();
    await registerActivityType(suite.env.client, domain, 'cli-delegated', { defaultTaskList: { name: 'cli-delegated' } });
    const activityId = unique('cli');
    const execution = await scheduleActivities(suite.env.client, domain, [{ activityId, name: 'cli-delegated' }]);
    const task = await suite.env.client.send(new PollForActivityTaskCommand({ domain, taskList: { name: 'cli-delegated' } }));
    const id = sealCallbackId(callbackKeyRing([secret]), task.taskToken!, Date.now() + 60_000);

    const run = start(['--port', '0', '--secret-file', secretFile(secret), '--public-url', 'https://hooks.example.com', '--endpoint', suite.env.swf.endpoint, '--region', 'us-east-1']);
    try {
      const url = await firstLine(run.child);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await put(`${url}/v1/callbacks/nonsense`, { state: 'SUCCESS' })).status).toBe(404);
      expect(await put(`${url}/v1/callbacks/${id}`, { state: 'SUCCESS', output: { via: 'cli' } })).toMatchObject({ status: 200 });
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '{"via":"cli"}' });
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      const lines = run.stderr().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['callback service started', 'callback applied', 'callback service stopped']));
      expect(run.stderr()).not.toContain(id);
      expect(run.stderr()).not.toContain(task.taskToken!);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('without --secret-file exits 2 naming the flag; with a short secret exits 1 naming the file and line', async () => {
    const missing = start(['--public-url', 'https://hooks.example.com']);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toContain("required option '--secret-file <path>' not specified");
    const file = secretFile('too-short');
    const short = start(['--port', '0', '--secret-file', file, '--public-url', 'https://hooks.example.com']);
    expect(await short.exited).toBe(1);
    expect(short.stderr()).toContain(`line 2 of ${file} is 9 characters; use at least 32`);
    const badUrl = start(['--secret-file', file, '--public-url', 'hooks.example.com']);
    expect(await badUrl.exited).toBe(2);
    expect(badUrl.stderr()).toMatch(/--public-url.*expected a URL/);
  });

  it('the worker flags --callback-secret-file and --callback-url reach startActivityWorker', () => {
    const options = workerOptions({ domain: 'd', taskList: 't', register: true, logLevel: 'info', callbackSecretFile: '/etc/s', callbackUrl: 'https://h' });
    expect(options).toMatchObject({ callbackSecretFile: '/etc/s', callbackUrl: 'https://h' });
    expect(workerOptions({ domain: 'd', taskList: 't', register: true, logLevel: 'info' })).not.toHaveProperty('callbackUrl');
  });
});
