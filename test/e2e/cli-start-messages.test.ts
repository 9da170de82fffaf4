/** What the CLIs and the library say at start when the setup cannot work or looks wrong (issue #8). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSwf, type LocalSwf } from '../../src/local/index.js';
import { createSwfClient } from '../../src/swf/client.js';
import { ensureBuilt, registerDomain } from '../reliability/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../dist/bin/flowy-swf.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../reliability/fixtures/activities/', import.meta.url));

/** An environment with no region anywhere: no variables, no config file. */
function noRegionEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
  for (const key of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL_SWF', 'AWS_ENDPOINT_URL', 'AWS_PROFILE']) delete env[key];
  env.AWS_ACCESS_KEY_ID = 'x';
  env.AWS_SECRET_ACCESS_KEY = 'y';
  return env;
}

async function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [file, ...args], { cwd: ROOT, env, timeout: 60_000 });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

/** The log lines' messages (JSON lines off a terminal), one per line. */
function messages(stderr: string): string {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return String((JSON.parse(line) as { msg?: unknown }).msg);
      } catch {
        return line;
      }
    })
    .join('\n');
}

const NAMES_EVERY_WAY = /AWS region is missing: pass --region .*set AWS_REGION.*--endpoint \/ AWS_ENDPOINT_URL_SWF/;

beforeAll(() => ensureBuilt(), 300_000);

describe('"Region is missing" names --region, AWS_REGION and --endpoint', () => {
  it('from flowy-swf complete', async () => {
    const r = await run(CLI, ['complete', 'some-token', '{}'], noRegionEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(NAMES_EVERY_WAY);
  });

  it('from the worker', async () => {
    const r = await run(CLI, ['worker', '--domain', 'd', '--task-list', 'reliability', '--package', FIXTURES, '--log-level', 'silent'], noRegionEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(NAMES_EVERY_WAY);
  });

  it('from asyncScheduler()', async () => {
    const script = `const { asyncScheduler } = await import(${JSON.stringify(new URL('../../dist/src/index.js', import.meta.url).href)});
try { await asyncScheduler().complete('some-token', 1); } catch (e) { console.error(e.name + ': ' + e.message); process.exit(1); }`;
    const r = await run('--input-type=module', ['-e', script], noRegionEnv()).catch(() => ({ code: -1, stderr: '' }));
    // node -e with --input-type: the "file" slot carries the flag.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`ConfigurationError: ${NAMES_EVERY_WAY.source}`));
  });
});

describe('the worker at start', () => {
  let swf: LocalSwf;
  beforeAll(async () => {
    swf = await startLocalSwf({ pollTimeoutMs: 200 });
    const client = createSwfClient({ endpoint: swf.endpoint });
    await registerDomain(client, 'start-messages');
    client.destroy();
  });
  afterAll(async () => swf?.close());

  it('warns when no activity it found defaults to the task list it polls', async () => {
    const args = ['worker', '--domain', 'start-messages', '--endpoint', swf.endpoint, '--package', FIXTURES, '--loop', '1', '--log-level', 'warn'];
    const other = await run(CLI, [...args, '--task-list', 'elsewhere'], { ...process.env, NODE_OPTIONS: '' });
    expect(other.code).toBe(0);
    expect(messages(other.stderr)).toMatch(/no activity found defaults to task list "elsewhere", the one this worker polls \(they default to "reliability"\)/);
    const same = await run(CLI, [...args, '--task-list', 'reliability'], { ...process.env, NODE_OPTIONS: '' });
    expect(same.code).toBe(0);
    expect(same.stderr).not.toMatch(/no activity found defaults/);
  });
});
