/** CommandActivity end to end with the machine's python3 and sh: output, exit status, the Python helper, cancel. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHostFunctions } from 'flowy-swf';
import { isRunning } from '../../src/executor/process-tree.js';
import { outcomeOf, requestCancel, scheduleActivities, startWorker, until, useEndpoint, type RunningWorker } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/command/activities.ts', import.meta.url));
const suite = useEndpoint();
const hostFunctions = createHostFunctions();
hostFunctions.register('test', 'double', (args) => (args as { n: number }).n * 2);

async function workerFor(): Promise<{ domain: string; w: RunningWorker }> {
  const domain = await suite.env.newDomain();
  const w = await startWorker({
    client: suite.env.client,
    domain,
    taskList: 'cmd',
    packages: [FIXTURES],
    hostFunctions,
    processExecutor: { startTimeoutMs: 30_000 },
  });
  return { domain, w };
}

async function run(domain: string, activityId: string, name: string, args: unknown[] = []) {
  const execution = await scheduleActivities(suite.env.client, domain, [{ activityId, name, args, taskList: 'cmd' }]);
  return { execution, outcome: () => outcomeOf(suite.env.client, execution, activityId) };
}

describe('CommandActivity', () => {
  it('a Python program heartbeats, calls a host function and completes through the helper (inline and in a child)', { timeout: 90_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const inline = await (await run(domain, 'py', 'cmd-steps', [4])).outcome();
      expect(inline).toMatchObject({ eventType: 'ActivityTaskCompleted' });
      expect(JSON.parse(inline.result ?? '')).toEqual({ done: 4, doubled: 8 });
      const child = await (await run(domain, 'py-child', 'cmd-steps-in-child', [2])).outcome();
      expect(JSON.parse(child.result ?? '')).toEqual({ done: 2, doubled: 4 });
    } finally {
      await w.stop();
    }
  });

  it('fail(reason, details) fails the task with them', { timeout: 90_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const o = await (await run(domain, 'f', 'cmd-fails')).outcome();
      expect(o.eventType).toBe('ActivityTaskFailed');
      expect(o.reason).toBe('CommandFailed: the input file is empty');
      expect(JSON.parse(o.details ?? '')).toMatchObject({ type: 'CommandFailed', details: { file: 'in.csv', rows: 0 } });
    } finally {
      await w.stop();
    }
  });

  it('drains 10 MB of stdout and stderr; exit 0 completes with the stdout tail; env and stdin reach the program', { timeout: 90_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const loud = `python3 -c "import sys; sys.stdout.write('o' * 10_000_000); sys.stderr.write('e' * 10_000_000); print(); print('the end')"`;
      const o = await (await run(domain, 'loud', 'cmd-shell', [loud])).outcome();
      expect(o.eventType).toBe('ActivityTaskCompleted');
      const result = JSON.parse(o.result ?? '') as string;
      expect(result.endsWith('the end')).toBe(true);
      expect(result.length).toBeLessThanOrEqual(8_192);
      const io = await (await run(domain, 'io', 'cmd-shell', ['read line; echo "$GREETING $line"', 'world\n'])).outcome();
      expect(JSON.parse(io.result ?? '')).toBe('hello world');
    } finally {
      await w.stop();
    }
  });

  it('a non-zero exit or a signal fails naming the code or signal, with the stderr tail in details', { timeout: 90_000 }, async () => {
    const { domain, w } = await workerFor();
    try {
      const code = await (await run(domain, 'code', 'cmd-shell', ['echo "disk full" >&2; exit 4'])).outcome();
      expect(code.eventType).toBe('ActivityTaskFailed');
      expect(code.reason).toMatch(/^CommandExitError: command sh -c .* exited with code 4$/);
      expect(JSON.parse(code.details ?? '')).toMatchObject({ details: { exitCode: 4, signal: null, stderrTail: 'disk full\n' } });
      const killed = await (await run(domain, 'sig', 'cmd-shell', ['kill -9 $$'])).outcome();
      expect(killed.reason).toMatch(/was killed by signal SIGKILL$/);
      const missing = await (await run(domain, 'missing', 'cmd-shell', ['exec /no/such/program'])).outcome();
      expect(missing.reason).toMatch(/exited with code 127/);
    } finally {
      await w.stop();
    }
  });

  it.each(['polite', 'stubborn'])('cancel: heartbeat() answers False, the program tree is stopped (%s), reported canceled', { timeout: 90_000 }, async (mode) => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'flowy-cmd-test-')), 'pid.json');
    const { domain, w } = await workerFor();
    try {
      const { execution, outcome } = await run(domain, 'c', 'cmd-until-cancelled', [pidFile, mode]);
      await until('the program started', async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 30_000);
      const { pid } = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number };
      await requestCancel(suite.env.client, execution, 'c');
      expect((await outcome()).eventType).toBe('ActivityTaskCanceled');
      await until('the program is gone', async () => !isRunning(pid), 10_000);
    } finally {
      await w.stop();
    }
  });
});
