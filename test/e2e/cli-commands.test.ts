/**
 * The CLIs as users run them: built files spawned as processes. Task commands talk over real HTTP to
 * a small fake SWF that answers from a script, so exit codes, messages and request bodies are checked
 * end to end without AWS.
 */
import {
  PollForActivityTaskCommand,
  PollForDecisionTaskCommand,
  RegisterActivityTypeCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  RespondDecisionTaskCompletedCommand,
  StartWorkflowExecutionCommand,
  SWFClient,
  GetWorkflowExecutionHistoryCommand,
} from '@aws-sdk/client-swf';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSwf, type LocalSwf } from '../../src/local/index.js';
import { tokenDigest } from '../../src/swf/token.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FLOWY_SWF = join(root, 'dist/bin/flowy-swf.js');
const START_WORKER = join(root, 'dist/bin/start-activity-worker.js');

/** Newest modification time of the .ts files under `dirs`, in ms. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const entry of readdirSync(abs, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) {
        newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
      }
    }
  }
  return newest;
}

beforeAll(() => {
  // `npm test` builds first (pretest); running this file alone builds when dist is missing or stale.
  const stale =
    !existsSync(FLOWY_SWF) ||
    !existsSync(START_WORKER) ||
    statSync(FLOWY_SWF).mtimeMs < newestSource(['bin', 'src', 'examples']);
  if (stale) {
    // tsc emits even when files others are still writing have type errors; the checks below need only ours.
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  }
  expect(existsSync(FLOWY_SWF), 'dist/bin/flowy-swf.js was not built').toBe(true);
}, 120_000);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** An environment without the caller's AWS settings, so runs do not depend on the machine. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

function cli(script: string, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, env: cleanEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

const flowySwf = (args: string[], options?: { stdin?: string; env?: Record<string, string> }) => cli(FLOWY_SWF, args, options);
const startWorker = (args: string[]) => cli(START_WORKER, args);

/** No stack trace lines in CLI output. */
const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

// ---------------------------------------------------------------------------------------------
// A fake SWF: records requests, answers from a queue (default: success).

interface SwfRequest {
  operation: string;
  body: Record<string, unknown>;
}

type Answer = { status: number; body: unknown };

class FakeSwf {
  readonly requests: SwfRequest[] = [];
  private readonly answers: Answer[] = [];
  private server: Server | undefined;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(status: number, body: unknown): this {
    this.answers.push({ status, body });
    return this;
  }

  fault(type: string, message: string): this {
    return this.answer(400, { __type: `com.amazonaws.swf.base.model#${type}`, message });
  }

  reset(): void {
    this.requests.length = 0;
    this.answers.length = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    const target = String(req.headers['x-amz-target'] ?? '');
    this.requests.push({ operation: target.replace(/^SimpleWorkflowService\./, ''), body: JSON.parse(text || '{}') as Record<string, unknown> });
    const answer = this.answers.shift() ?? { status: 200, body: {} };
    res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(answer.body));
  }
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const TOKEN = 'AAAAKgAAAAIAAAAAAAAAAz' + 'q'.repeat(400) + 'TAIL-OF-SECRET';

// ---------------------------------------------------------------------------------------------

// Runs that only parse flags are independent: run them side by side.
describe.concurrent('start-activity-worker', () => {
  const FLAGS = [
    '--domain',
    '--task-list',
    '--package',
    '--ignore',
    '--region',
    '--endpoint',
    '--identity',
    '--max-concurrent',
    '--no-register',
    '--loop',
    '--auto-heartbeat',
    '--executor',
    '--log-level',
  ];

  it('--help exits 0 and lists every flag', async () => {
    const run = await startWorker(['--help']);
    expect(run.code).toBe(0);
    for (const flag of FLAGS) expect(run.stdout).toContain(flag);
  });

  it('--version exits 0', async () => {
    const run = await startWorker(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown flag exits 2 naming it, even with required flags missing', async () => {
    const run = await startWorker(['--domian', 'd', '--task-list', 't']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--domian'");
  });

  it('a missing --domain exits 2 naming it', async () => {
    const run = await startWorker(['--task-list', 't']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--domain');
    expect(run.stderr).toMatch(/not specified/);
  });

  it('a missing --task-list exits 2 naming it', async () => {
    const run = await startWorker(['--domain', 'd']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--task-list');
  });

  it.each([
    ['--max-concurrent', 'abc'],
    ['--max-concurrent', '0'],
    ['--max-concurrent', '2.5'],
    ['--loop', '-1'],
    ['--loop', '0'],
  ])('%s %s exits 2 naming the flag', async (flag, value) => {
    const run = await startWorker(['--domain', 'd', '--task-list', 't', flag, value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(flag);
    expect(run.stderr).toMatch(/whole number of at least 1/);
  });

  it('a --log-level it does not know exits 2 listing the choices', async () => {
    const run = await startWorker(['--domain', 'd', '--task-list', 't', '--log-level', 'loud']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--log-level.*loud/);
    expect(run.stderr).toContain('debug');
  });

  it('an --endpoint that is not a URL exits 2', async () => {
    const run = await startWorker(['--domain', 'd', '--task-list', 't', '--endpoint', 'localhost:5055']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--endpoint');
  });

  it('a configuration error exits 1 with the message and no stack', async () => {
    const run = await startWorker(['--domain', 'no:colons', '--task-list', 't', '--endpoint', 'http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*domain/m);
    expect(run.stderr).not.toMatch(STACK);
  });
});

describe('flowy-swf', () => {
  it('--help exits 0 and lists every command', async () => {
    const run = await flowySwf(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['worker', 'list', 'complete', 'fail', 'heartbeat', 'cancel', 'local', 'demo']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('no command exits 2 with the usage', async () => {
    const run = await flowySwf([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: flowy-swf');
  });

  it('an unknown command exits 2 naming it', async () => {
    const run = await flowySwf(['finish']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'finish'");
  });

  it('worker takes the same flags as start-activity-worker', async () => {
    const [worker, start] = await Promise.all([flowySwf(['worker', '--help']), startWorker(['--help'])]);
    expect(worker.code).toBe(0);
    const options = (help: string) => help.slice(help.indexOf('Options:')).replace(/\s+/g, ' ').replace('-V, --version output the version number ', '');
    expect(options(worker.stdout)).toBe(options(start.stdout));
  });

  it('worker --max-concurrent abc exits 2 naming the flag', async () => {
    const run = await flowySwf(['worker', '--domain', 'd', '--task-list', 't', '--max-concurrent', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--max-concurrent');
  });

  it('list without --package exits 2', async () => {
    const run = await flowySwf(['list']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--package');
  });

  it('fail without --reason exits 2', async () => {
    const run = await flowySwf(['fail', 'tok']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--reason');
  });

  describe.concurrent('task commands, before any call', () => {
    it('complete with an empty token exits 2', async () => {
      const run = await flowySwf(['complete', '', '1', '--endpoint', 'http://127.0.0.1:9']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/taskToken is empty/);
    });

    it('complete with a token over 1,024 characters exits 2 and does not print it', async () => {
      const token = 'S'.repeat(1_100) + 'TAIL-OF-LONG-TOKEN';
      const run = await flowySwf(['complete', token, '1', '--endpoint', 'http://127.0.0.1:9']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/taskToken is 1,118 characters; SWF allows 1,024/);
      expect(run.stderr + run.stdout).not.toContain('TAIL-OF-LONG-TOKEN');
    });

    it('complete with a result that is not JSON exits 2', async () => {
      const run = await flowySwf(['complete', TOKEN, 'done', '--endpoint', 'http://127.0.0.1:9']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/result must be JSON/);
      expect(run.stderr).not.toContain(TOKEN);
    });

    it('complete with token and result both from stdin exits 2', async () => {
      const run = await flowySwf(['complete', '-', '-']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/cannot both come from standard input/);
    });

    it('--max-attempts 0 exits 2', async () => {
      const run = await flowySwf(['cancel', TOKEN, '--max-attempts', '0']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--max-attempts');
    });
  });

  describe('task commands against an SWF endpoint', () => {
    const swf = new FakeSwf();
    beforeAll(() => swf.start());
    afterEach(() => swf.reset());
    afterAll(() => swf.stop());
    const at = () => ['--endpoint', swf.endpoint];

    it('complete sends the token and the JSON result, and prints only the digest', async () => {
      const run = await flowySwf(['complete', TOKEN, '{"approved": true}', ...at()]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`completed task ${tokenDigest(TOKEN)}\n`);
      expect(swf.requests).toEqual([
        { operation: 'RespondActivityTaskCompleted', body: { taskToken: TOKEN, result: '{"approved":true}' } },
      ]);
    });

    it('takes a token that begins with "-" (base64url) as the token, for every task command', async () => {
      const dashed = `-${TOKEN}`;
      for (const args of [['complete', dashed, '-5'], ['fail', dashed, '--reason', 'r'], ['heartbeat', dashed], ['cancel', dashed]]) {
        swf.reset();
        const run = await flowySwf([...args, ...at()]);
        expect(run.stderr, args[0]).toBe('');
        expect(run.code, args[0]).toBe(0);
        expect(swf.requests[0]?.body.taskToken, args[0]).toBe(dashed);
      }
    });

    it('still refuses an unknown option where the token or the result goes, and sends nothing', async () => {
      for (const args of [['complete', '--endpiont', 'x'], ['complete', TOKEN, '--resut'], ['heartbeat', '-x']]) {
        const run = await flowySwf([...args, ...at()]);
        expect(run.code, args.join(' ')).toBe(2);
        expect(run.stderr).toMatch(/unknown option '-/);
      }
      expect(swf.requests).toEqual([]);
    });

    it('complete without a result sends null', async () => {
      const run = await flowySwf(['complete', TOKEN, ...at()]);
      expect(run.code).toBe(0);
      expect(swf.requests[0]?.body.result).toBe('null');
    });

    it('complete reads the result from stdin with -', async () => {
      const run = await flowySwf(['complete', TOKEN, '-', ...at()], { stdin: '{"n": [1, 2]}\n' });
      expect(run.code).toBe(0);
      expect(swf.requests[0]?.body.result).toBe('{"n":[1,2]}');
    });

    it('complete reads the token from stdin with -', async () => {
      const run = await flowySwf(['complete', '-', '"ok"', ...at()], { stdin: `${TOKEN}\n` });
      expect(run.code).toBe(0);
      expect(swf.requests[0]?.body).toEqual({ taskToken: TOKEN, result: '"ok"' });
    });

    it('complete with a result over 32,768 characters exits 2 and sends nothing', async () => {
      const run = await flowySwf(['complete', TOKEN, '-', ...at()], { stdin: JSON.stringify('x'.repeat(40_000)) });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/result is 40,002 characters; SWF allows 32,768/);
      expect(swf.requests).toHaveLength(0);
    });

    it('a closed token exits 1 saying so, with the digest and without the token', async () => {
      swf.fault('UnknownResourceFault', 'Unknown activity task');
      const run = await flowySwf(['complete', TOKEN, '1', ...at()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/closed, timed out or unknown/);
      expect(run.stderr).toContain(tokenDigest(TOKEN));
      expect(run.stderr + run.stdout).not.toContain('TAIL-OF-SECRET');
      expect(run.stderr).not.toMatch(STACK);
      expect(swf.requests).toHaveLength(1);
    });

    it('a throttled call is retried, then succeeds', async () => {
      swf.fault('ThrottlingException', 'Rate exceeded');
      const run = await flowySwf(['cancel', TOKEN, '--details', 'operator stopped it', ...at()]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/retrying in \d+ ms \(attempt 2 of 10\) after ThrottlingException/);
      expect(run.stdout).toBe(`canceled task ${tokenDigest(TOKEN)}\n`);
      expect(swf.requests.map((r) => r.operation)).toEqual(['RespondActivityTaskCanceled', 'RespondActivityTaskCanceled']);
      expect(swf.requests[1]?.body).toEqual({ taskToken: TOKEN, details: 'operator stopped it' });
    });

    it('an SWF fault that is not transient exits 1 with its name', async () => {
      swf.fault('OperationNotPermittedFault', 'not allowed');
      const run = await flowySwf(['cancel', TOKEN, ...at()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/OperationNotPermittedFault: not allowed/);
      expect(swf.requests).toHaveLength(1);
    });

    it('fail cuts the reason to 256 characters with a marker and sends details as they are', async () => {
      const run = await flowySwf(['fail', TOKEN, '--reason', 'r'.repeat(300), '--details', '{"step": 3}', ...at()]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`failed task ${tokenDigest(TOKEN)}\n`);
      const body = swf.requests[0]?.body;
      expect(swf.requests[0]?.operation).toBe('RespondActivityTaskFailed');
      expect(body?.details).toBe('{"step": 3}');
      expect(String(body?.reason)).toHaveLength(256);
      expect(String(body?.reason)).toMatch(/…\[truncated\]$/);
    });

    it('heartbeat prints cancelRequested: false and exits 0', async () => {
      swf.answer(200, { cancelRequested: false });
      const run = await flowySwf(['heartbeat', TOKEN, '--details', '40%', ...at()]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('cancelRequested: false\n');
      expect(swf.requests[0]).toEqual({ operation: 'RecordActivityTaskHeartbeat', body: { taskToken: TOKEN, details: '40%' } });
    });

    it('heartbeat prints cancelRequested: true and exits 3', async () => {
      swf.answer(200, { cancelRequested: true });
      const run = await flowySwf(['heartbeat', TOKEN, ...at()]);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('cancelRequested: true\n');
    });

    it('heartbeat details over 2,048 characters exit 2 and send nothing', async () => {
      const run = await flowySwf(['heartbeat', TOKEN, '--details', 'd'.repeat(2_049), ...at()]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/2,049 characters; SWF allows 2,048/);
      expect(swf.requests).toHaveLength(0);
    });

    it('AWS_ENDPOINT_URL_SWF is honoured when --endpoint is not given', async () => {
      const run = await flowySwf(['cancel', TOKEN], { env: { AWS_ENDPOINT_URL_SWF: swf.endpoint } });
      expect(run.code).toBe(0);
      expect(swf.requests).toHaveLength(1);
    });
  });

  it('an endpoint that is not listening exits 1 after --max-attempts', async () => {
    const port = await closedPort();
    const run = await flowySwf(['complete', TOKEN, '1', '--endpoint', `http://127.0.0.1:${port}`, '--max-attempts', '2']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/retrying in \d+ ms \(attempt 2 of 2\)/);
    expect(run.stderr).toMatch(/ECONNREFUSED/);
    expect(run.stderr).not.toContain('TAIL-OF-SECRET');
  });

  it('list prints the activities found, with task list and default timeouts', async () => {
    const run = await flowySwf(['list', '--package', 'examples/activities']);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'VERSION', 'TASK LIST', 'HEARTBEAT', 'SCHEDULE-TO-CLOSE', 'SCHEDULE-TO-START', 'START-TO-CLOSE']);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(/\s{2,}/)).toHaveLength(7);
  });

  it('list --json prints the same as JSON', async () => {
    const run = await flowySwf(['list', '--package', 'examples/activities', '--json']);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as Array<{ name: string; defaults: Record<string, string> }>;
    expect(list.length).toBeGreaterThan(0);
    expect(Object.keys(list[0]!.defaults).sort()).toEqual([
      'heartbeatTimeout',
      'scheduleToCloseTimeout',
      'scheduleToStartTimeout',
      'startToCloseTimeout',
    ]);
  });

  it('list with a package that does not exist exits 1 naming it', async () => {
    const run = await flowySwf(['list', '--package', 'no-such-dir-for-flowy-swf-tests']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no-such-dir-for-flowy-swf-tests');
    expect(run.stderr).not.toMatch(STACK);
  });

  it('local prints its endpoint and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [FLOWY_SWF, 'local', '--port', '0'], { cwd: root, env: cleanEnv() });
    let stdout = '';
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) resolve(line);
      });
      child.on('exit', (code) => reject(new Error(`local exited early with ${code}`)));
    });
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('local --max-connections caps connections: one more is answered 503', async () => {
    const child = spawn(process.execPath, [FLOWY_SWF, 'local', '--port', '0', '--max-connections', '1', '--headers-timeout', '20000', '--request-timeout', '20000'], { cwd: root, env: cleanEnv() });
    const endpoint = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0] as string);
      });
      child.on('exit', (code) => reject(new Error(`local exited early with ${code}`)));
    });
    const { connect } = await import('node:net');
    const url = new URL(endpoint);
    const idle = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => idle.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const res = await fetch(endpoint, { method: 'POST', headers: { 'x-amz-target': 'SimpleWorkflowService.ListDomains' }, body: '{}' });
    expect(res.status).toBe(503);
    idle.destroy();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('local refuses a request timeout shorter than the header timeout, naming both', async () => {
    const run = await flowySwf(['local', '--port', '0', '--headers-timeout', '5000', '--request-timeout', '100']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('requestTimeoutMs is 100 and headersTimeoutMs 5000');
  });
});

describe('against the local SWF endpoint', () => {
  const DOMAIN = 'cli-e2e';
  let local: LocalSwf;
  let client: SWFClient;

  beforeAll(async () => {
    local = await startLocalSwf({ pollTimeoutMs: 300 });
    client = new SWFClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    await client.send(new RegisterDomainCommand({ name: DOMAIN, workflowExecutionRetentionPeriodInDays: '1' }));
    await client.send(
      new RegisterWorkflowTypeCommand({
        domain: DOMAIN,
        name: 'manual-flow',
        version: '1',
        defaultTaskList: { name: 'decisions' },
        defaultExecutionStartToCloseTimeout: '600',
        defaultTaskStartToCloseTimeout: '60',
        defaultChildPolicy: 'TERMINATE',
      }),
    );
    await client.send(
      new RegisterActivityTypeCommand({
        domain: DOMAIN,
        name: 'manual-step',
        version: '1',
        defaultTaskList: { name: 'manual-tasks' },
        defaultTaskScheduleToCloseTimeout: '600',
        defaultTaskScheduleToStartTimeout: '600',
        defaultTaskStartToCloseTimeout: '600',
        defaultTaskHeartbeatTimeout: 'NONE',
      }),
    );
  });

  afterAll(async () => {
    client?.destroy();
    await local?.close();
  });

  /** Starts a workflow that schedules one manual-step activity, and takes that task: its token. */
  async function openActivityTask(workflowId: string): Promise<{ taskToken: string; runId: string }> {
    const { runId } = await client.send(
      new StartWorkflowExecutionCommand({
        domain: DOMAIN,
        workflowId,
        workflowType: { name: 'manual-flow', version: '1' },
        // A decision task list per workflow, so no test takes another's decision task.
        taskList: { name: `decisions-${workflowId}` },
      }),
    );
    const decision = await client.send(new PollForDecisionTaskCommand({ domain: DOMAIN, taskList: { name: `decisions-${workflowId}` } }));
    await client.send(
      new RespondDecisionTaskCompletedCommand({
        taskToken: decision.taskToken!,
        decisions: [
          {
            decisionType: 'ScheduleActivityTask',
            scheduleActivityTaskDecisionAttributes: {
              activityType: { name: 'manual-step', version: '1' },
              activityId: 'step-1',
              taskList: { name: `tasks-${workflowId}` },
              input: '[[], {}]',
            },
          },
        ],
      }),
    );
    const task = await client.send(new PollForActivityTaskCommand({ domain: DOMAIN, taskList: { name: `tasks-${workflowId}` } }));
    expect(task.taskToken).toBeTruthy();
    return { taskToken: task.taskToken!, runId: runId! };
  }

  async function historyOf(workflowId: string, runId: string) {
    const out = await client.send(new GetWorkflowExecutionHistoryCommand({ domain: DOMAIN, execution: { workflowId, runId } }));
    return out.events ?? [];
  }

  it('heartbeat, then complete by token; a second complete exits 1 as the task is closed', async () => {
    const { taskToken, runId } = await openActivityTask('wf-complete');
    const at = ['--endpoint', local.endpoint];

    const beat = await flowySwf(['heartbeat', taskToken, '--details', 'half way', ...at]);
    expect(beat.stderr).toBe('');
    expect([beat.code, beat.stdout]).toEqual([0, 'cancelRequested: false\n']);

    const done = await flowySwf(['complete', '-', '{"approved": true}', ...at], { stdin: taskToken });
    expect([done.code, done.stdout]).toEqual([0, `completed task ${tokenDigest(taskToken)}\n`]);
    const completed = (await historyOf('wf-complete', runId)).find((e) => e.eventType === 'ActivityTaskCompleted');
    expect(completed?.activityTaskCompletedEventAttributes?.result).toBe('{"approved":true}');

    const again = await flowySwf(['complete', taskToken, '1', ...at]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/closed, timed out or unknown/);
    expect(again.stderr).not.toContain(taskToken);
  });

  it('fail by token records reason and details', async () => {
    const { taskToken, runId } = await openActivityTask('wf-fail');
    const run = await flowySwf(['fail', taskToken, '--reason', 'rejected', '--details', '{"by": "ana"}', '--endpoint', local.endpoint]);
    expect(run.code).toBe(0);
    const failed = (await historyOf('wf-fail', runId)).find((e) => e.eventType === 'ActivityTaskFailed');
    expect(failed?.activityTaskFailedEventAttributes).toMatchObject({ reason: 'rejected', details: '{"by": "ana"}' });
  });

  it('start-activity-worker registers, polls --loop times and exits 0', async () => {
    const run = await startWorker([
      '--domain', DOMAIN,
      '--task-list', 'demo-activities',
      '--package', 'examples/activities',
      '--endpoint', local.endpoint,
      '--loop', '1',
      '--log-level', 'warn',
    ]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
  });

  it('start-activity-worker exits 1 naming the type when SWF holds it with other defaults', async () => {
    // A domain of its own, where SWF already holds add@1 with other defaults than the example's.
    await client.send(new RegisterDomainCommand({ name: 'cli-e2e-mismatch', workflowExecutionRetentionPeriodInDays: '1' }));
    await client.send(
      new RegisterActivityTypeCommand({
        domain: 'cli-e2e-mismatch',
        name: 'add',
        version: '1',
        defaultTaskList: { name: 'somewhere-else' },
        defaultTaskScheduleToCloseTimeout: '9',
        defaultTaskScheduleToStartTimeout: '9',
        defaultTaskStartToCloseTimeout: '9',
        defaultTaskHeartbeatTimeout: 'NONE',
      }),
    );
    const run = await startWorker([
      '--domain', 'cli-e2e-mismatch',
      '--task-list', 'demo-activities',
      '--package', 'examples/activities',
      '--endpoint', local.endpoint,
      '--loop', '1',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: /m);
    expect(run.stderr).toMatch(/add 1: defaultTaskList is somewhere-else/);
    expect(run.stderr).not.toMatch(STACK);
  });
});
