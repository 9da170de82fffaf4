/**
 * The README's Quick start in a fresh `npm init -y` project (npm 11 writes `"type": "commonjs"`), with the
 * package installed from `npm pack`: `.ts` activities written verbatim from the README, `npx flowy-swf
 * list`, a worker run under `npx` against a local endpoint that completes a real task, `require('flowy-swf')`,
 * and what Ctrl-C (SIGINT to the process group, as a terminal sends it) does to `npx` and to the worker.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFlowyInput } from '../../src/swf/codec.js';
import { createSwfClient } from '../../src/swf/client.js';
import { startLocalSwf, type LocalSwf } from '../../src/local/index.js';
import { activityTasks, Decider, ensureBuilt, fullHistory, registerDomain, until } from '../reliability/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);
let dir: string;
let project: string;

/** The environment of a user's shell: no vitest NODE_OPTIONS, no test-only variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key.startsWith('npm_')) delete env[key];
  return env;
}

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'flowy-swf-pack-'));
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env: userEnv() });
  const filename = (JSON.parse(stdout) as Array<{ filename: string }>)[0]?.filename;
  if (!filename) throw new Error(`npm pack printed no file name: ${stdout}`);
  project = join(dir, 'my-project');
  await mkdir(project);
  await exec('npm', ['init', '-y'], { cwd: project, env: userEnv() });
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, filename)], { cwd: project, env: userEnv(), timeout: 240_000 });
  // activities/echo.ts exactly as the README's Quick start shows it.
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const echo = /```ts\n(\/\/ activities\/echo\.ts\n[\s\S]*?)```/.exec(readme)?.[1];
  if (!echo) throw new Error('README.md has no Quick start block starting with // activities/echo.ts');
  await mkdir(join(project, 'activities'));
  await writeFile(join(project, 'activities', 'echo.ts'), echo);
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the Quick start in a fresh npm init -y project', () => {
  it('is a CommonJS project, as npm init -y makes it', async () => {
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as { type?: string };
    // npm 11 writes "type": "commonjs"; older npm writes nothing, which Node also reads as CommonJS.
    expect(pkg.type ?? 'commonjs').toBe('commonjs');
  });

  it('npx flowy-swf list --package ./activities lists the .ts activity', async () => {
    const { stdout } = await exec('npx', ['flowy-swf', 'list', '--package', './activities'], { cwd: project, env: userEnv() });
    expect(stdout).toMatch(/^echo\s+1\s+my-tasklist\s+30\s+420\s+120\s+300$/m);
  });

  it("require('flowy-swf') works in the CommonJS project", async () => {
    const { stdout } = await exec(process.execPath, ['-e', "const f = require('flowy-swf'); console.log(typeof f.Activity, typeof f.startActivityWorker)"], {
      cwd: project,
      env: userEnv(),
    });
    expect(stdout.trim()).toBe('function function');
  });

  describe('npx start-activity-worker against a local endpoint', () => {
    let swf: LocalSwf;
    beforeAll(async () => {
      swf = await startLocalSwf({ pollTimeoutMs: 60_000 });
    });
    afterAll(async () => swf?.close());

    it('runs the echo task, and Ctrl-C stops it cleanly (npx itself ends by SIGINT, as docs/cli.md says)', async () => {
      const client = createSwfClient({ endpoint: swf.endpoint });
      await registerDomain(client, 'my-domain');
      const child = spawn(
        'npx',
        ['start-activity-worker', '--domain', 'my-domain', '--task-list', 'my-tasklist', '--package', './activities', '--endpoint', swf.endpoint, '--shutdown-grace', '2'],
        { cwd: project, env: userEnv(), detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const decider = new Decider({ client, domain: 'my-domain', activityType: { name: 'echo', version: '1' }, activityTaskList: 'my-tasklist', input: () => encodeFlowyInput(['hello']) });
      try {
        decider.start();
        await decider.startExecution('quick-start', ['item-0']);
        await until('the echo task to complete', () => swf.stats().openExecutions === 0, 60_000, 100);
        const runId = decider.runIds.get('quick-start')!;
        const tasks = activityTasks(await fullHistory(client, 'my-domain', { workflowId: 'quick-start', runId }));
        expect(tasks.map((t) => [t.closedAs, t.result])).toEqual([['ActivityTaskCompleted', '"hello"']]);
        // A terminal's Ctrl-C: SIGINT to the whole foreground process group (npx, its shell, the worker).
        process.kill(-child.pid!, 'SIGINT');
        const exit = await exited;
        expect(stderr).toMatch(/activity worker stopped/);
        expect(stderr).not.toMatch(/not reported/);
        // npm runs the bin through `sh -c`; sh ends by the SIGINT it got too, and npx re-raises it: a shell
        // shows 130. The worker itself exited 0 ("activity worker stopped" above).
        expect(exit).toEqual({ code: null, signal: 'SIGINT' });
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
        await decider.stop();
        client.destroy();
      }
    });
  });
});
