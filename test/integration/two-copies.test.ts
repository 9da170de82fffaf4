/**
 * Two real copies of flowy-swf in one process: the built package (`dist/`) and a copy of it in another
 * directory, as when a CLI installed on its own runs activities that import the project's copy. The
 * worker of copy A runs activities written against copy B: B's `this.signal`, `this.token`,
 * `this.heartbeat()`, the `heartbeat()` / `cancellationSignal()` shortcuts and B's `SuspendTask` must all
 * reach A's per-task state. Runs in a child process of plain Node (no vitest module graph).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../reliability/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'flowy-swf-two-copies-'));
  await cp(join(ROOT, 'dist'), join(dir, 'copy-b', 'dist'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(dir, 'copy-b', 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'copy-b', 'node_modules'), 'dir');
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SCRIPT = String.raw`
const A = await import(process.argv[2]);
const B = await import(process.argv[3]);
if (A.Activity === B.Activity) throw new Error('the two copies are one module');
const seen = {};
class Probe extends B.Activity {
  async run() {
    seen.token = this.token.slice(0, 7);
    seen.signalAborted = this.signal.aborted;
    seen.shortcutSameSignal = B.cancellationSignal() === this.signal;
    seen.heartbeat = await this.heartbeat('half way');
    seen.shortcutHeartbeat = await B.heartbeat('nearly');
    seen.infoId = B.activityInfo().activityId;
    return 'probed';
  }
}
class Suspender extends B.Activity {
  run() { throw new B.SuspendTask(); }
}
class Canceled extends B.Activity {
  async run() {
    await this.heartbeat('ask');
    seen.reasonIsAborted = this.signal.reason instanceof B.ActivityAbortedError;
    seen.reasonIsAbortedA = this.signal.reason instanceof A.ActivityAbortedError;
    throw this.signal.reason;
  }
}
const defs = [['probe', Probe], ['suspend', Suspender], ['cancel', Canceled]].map(([name, activityClass]) => ({
  name, version: '1', taskList: 'tl', activityClass,
  defaults: { heartbeatTimeout: 'NONE', scheduleToCloseTimeout: '60', scheduleToStartTimeout: '60', startToCloseTimeout: '60' },
}));
const tasks = defs.map((d, i) => ({ taskToken: 'token-' + i + '-' + 'x'.repeat(30), activityId: 'act-' + d.name, activityType: { name: d.name, version: '1' },
  workflowExecution: { workflowId: 'wf', runId: 'run' }, startedEventId: i + 1, input: '[[], {}]' }));
const calls = [];
const client = { async send(command) {
  const op = command.constructor.name.replace(/Command$/, '');
  calls.push({ op, token: command.input.taskToken?.slice(0, 7) });
  if (op === 'PollForActivityTask') return tasks.shift() ?? { taskToken: '' };
  if (op === 'RecordActivityTaskHeartbeat') return { cancelRequested: command.input.taskToken.startsWith('token-2') };
  return {};
} };
const worker = new A.Worker({ client, domain: 'd', taskList: 'tl', registry: { get: (n) => defs.find((d) => d.name === n), list: () => defs },
  loop: 4, maxConcurrentPolls: 1, minEmptyPollMs: 0 });
await worker.run();
console.log(JSON.stringify({ seen, calls: calls.filter((c) => c.op !== 'PollForActivityTask') }));
`;

describe('two copies of flowy-swf in one process', () => {
  it('share the per-task context, the async-local store and SuspendTask / ActivityAbortedError recognition', async () => {
    const script = join(dir, 'two-copies.mjs');
    await writeFile(script, SCRIPT);
    const a = pathToFileURL(join(ROOT, 'dist/src/index.js')).href;
    const b = pathToFileURL(join(dir, 'copy-b/dist/src/index.js')).href;
    const { stdout } = await promisify(execFile)(process.execPath, [script, a, b], {
      env: { ...process.env, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { seen: Record<string, unknown>; calls: Array<{ op: string; token: string }> };
    expect(out.seen).toEqual({
      token: 'token-0',
      signalAborted: false,
      shortcutSameSignal: true,
      heartbeat: true,
      shortcutHeartbeat: true,
      infoId: 'act-probe',
      reasonIsAborted: true,
      reasonIsAbortedA: true,
    });
    // probe completed; suspend: no response at all (not a failure); cancel: reported canceled.
    expect(out.calls.filter((c) => c.op.startsWith('Respond')).sort((x, y) => x.token.localeCompare(y.token))).toEqual([
      { op: 'RespondActivityTaskCompleted', token: 'token-0' },
      { op: 'RespondActivityTaskCanceled', token: 'token-2' },
    ]);
  });
});

describe('a worker started from this repository', () => {
  it('loads examples/activities against the built package the CLI runs, not a second copy through the tsconfig paths', async () => {
    const script = join(dir, 'copy-check.mjs');
    await writeFile(
      script,
      `const { scan, defaultRegistry, Activity } = await import(process.argv[2]);
await scan({ packages: ['examples/activities'] });
console.log(JSON.stringify(defaultRegistry().list().map((d) => [d.name, d.activityClass.prototype instanceof Activity])));`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script, pathToFileURL(join(ROOT, 'dist/src/index.js')).href], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const found = JSON.parse(stdout.trim().split('\n').at(-1)!) as Array<[string, boolean]>;
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter(([, same]) => !same)).toEqual([]);
  });
});
