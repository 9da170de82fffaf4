/**
 * The README's main job: the demo, in-process and as `flowy-swf demo` from the built CLI (which also
 * proves that the example activities, importing the SDK by its package name, load from dist).
 */
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demo } from '../../examples/demo.js';
import { planFanout } from '../../examples/decider.js';
import { ensureBuilt, root } from './built.js';

describe('the demo', () => {
  it('runs every planned task to its planned end, and says per type what happened and what the outside system did', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const tasks = 60;
    // Orders of 300 or more are rejected: some of the 60 tasks' approvals are, some are not.
    const summary = await demo({ tasks, out, logLevel: 'silent', approvalDelayMs: 20, progressEveryMs: 50, approvalLimit: 300 });
    const plan = planFanout(tasks, { delegateTo: 'http://third-party.invalid' });
    expect(plan.filter((t) => t.activityType.name === 'translate-document')).toHaveLength(1);
    const approvals = plan.filter((t) => t.activityType.name === 'approve-order');
    const amountOf = (t: (typeof plan)[number]): number => (JSON.parse(t.input) as [[string, number]])[0][1];
    const approvedByPlan = approvals.filter((t) => amountOf(t) < 300).length;
    expect(approvedByPlan).toBeGreaterThan(0);
    expect(approvedByPlan).toBeLessThan(approvals.length);
    expect(summary.expectedFailures).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      ok: true,
      tasks,
      completed: tasks - summary.expectedFailures,
      failed: summary.expectedFailures,
      timedOut: 0,
      approved: approvedByPlan,
      rejected: approvals.length - approvedByPlan,
      delegated: 1,
    });
    const count = (name: string): number => plan.filter((t) => t.activityType.name === name).length;
    expect(summary.byType).toEqual({
      add: { completed: count('add'), failed: 0, timedOut: 0, sampleResult: expect.stringMatching(/^\d+$/) },
      shout: { completed: count('shout'), failed: 0, timedOut: 0, sampleResult: expect.stringMatching(/^"ITEM \d+!"$/) },
      'reserve-stock': {
        completed: count('reserve-stock') - summary.expectedFailures,
        failed: summary.expectedFailures,
        timedOut: 0,
        sampleResult: expect.stringMatching(/^\{"sku":"sku-[1-4]","reserved":\d\}$/),
        failureReason: 'OutOfStockError: no stock left for sku-0',
      },
      'approve-order': { completed: approvals.length, failed: 0, timedOut: 0, sampleResult: expect.stringMatching(/^\{"orderId":"order-\d+","approved":(true|false)\}$/) },
      'count-slowly': { completed: count('count-slowly'), failed: 0, timedOut: 0, sampleResult: '20' }, // counts its 20 steps
      'translate-document': { completed: 1, failed: 0, timedOut: 0, sampleResult: expect.stringMatching(/"language":"fr"/) },
      // In a child process of the process executor: the pid is not the demo's own.
      checksum: { completed: 1, failed: 0, timedOut: 0, sampleResult: expect.stringMatching(/^\{"sha256":"[0-9a-f]{64}","pid":\d+\}$/) },
      // A Python program through CommandActivity and the flowy_swf_task helper.
      'word-count': { completed: 1, failed: 0, timedOut: 0, sampleResult: expect.stringMatching(/^\{"words":\d+,"longest":"\w+"\}$/) },
    });
    // checksum ran in a child process, not in this one where the demo's worker runs.
    expect((JSON.parse(summary.byType.checksum?.sampleResult ?? '{}') as { pid?: number }).pid).not.toBe(process.pid);
    expect(text).toMatch(/fanning out 60 activity tasks/);
    expect(text).toMatch(/done: \d+ completed, \d+ failed/);
    expect(text).toMatch(/tasks\/s/);
    expect(text).toMatch(/^ {2}reserve-stock +\d+ +\d+ +0 {2}e\.g\. result \{"sku".*; failed with "OutOfStockError: no stock left for sku-0"$/m);
    expect(text).toContain(
      `external system: answered ${approvals.length} approval requests by task token: ${approvedByPlan} orders approved, ${approvals.length - approvedByPlan} rejected (amount 300 or more)`,
    );
    expect(text).toContain('third party: finished 1 delegated task(s) over HTTP through the callback service');
    expect(summary.progressMessages).toBe(5);
    expect(text).toMatch(/messaging: collect-progress got 5 progress messages from report-progress/);
  });

  it('runs as `flowy-swf demo` from the built CLI and exits 0 (building dist/ first when missing)', async () => {
    ensureBuilt();
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
