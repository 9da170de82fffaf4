/**
 * The README's main job: the demo, in-process and as `flowy-swf demo` from the built CLI (which also
 * proves that the example activities, importing the SDK by its package name, load from dist).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demo } from '../../examples/demo.js';
import { planFanout } from '../../examples/decider.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the demo', () => {
  it('runs every planned task to its planned end, with approvals completed by token', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const tasks = 60;
    const summary = await demo({ tasks, out, logLevel: 'silent', approvalDelayMs: 20, progressEveryMs: 50 });
    const plan = planFanout(tasks);
    const approvals = plan.filter((t) => t.activityType.name === 'approve-order').length;
    expect(summary.expectedFailures).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      ok: true,
      tasks,
      completed: tasks - summary.expectedFailures,
      failed: summary.expectedFailures,
      timedOut: 0,
      approved: approvals,
    });
    expect(text).toMatch(/fanning out 60 activity tasks/);
    expect(text).toMatch(/done: \d+ completed, \d+ failed/);
    expect(text).toMatch(/tasks\/s/);
    expect(summary.progressMessages).toBe(5);
    expect(text).toMatch(/messaging: collect-progress got 5 progress messages from report-progress/);
  });

  it.skipIf(!existsSync(`${root}dist/bin/flowy-swf.js`))('runs as `flowy-swf demo` from the built CLI and exits 0', async () => {
    const child = spawn(process.execPath, ['dist/bin/flowy-swf.js', 'demo', '--tasks', '40'], {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/done: \d+ completed, \d+ failed \(\d+ expected: out of stock\), 0 timed out/);
  }, 60_000);
});
