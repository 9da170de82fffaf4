/** SWF's rules the model cannot state: names, ids, priorities, durations, retention, tag characters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameProblem } from '../../src/swf/index.js';
import { start, startHarness, unique, type Harness } from './local-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function call(op: string, body: unknown): Promise<{ status: number; type?: string; message?: string }> {
  const res = await fetch(h.swf.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `SimpleWorkflowService.${op}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { __type?: string; message?: string };
  return { status: res.status, type: json.__type, message: json.message };
}

const BAD_NAMES = ['a:b', 'a/b', 'a|b', 'nul\u0000in', 'tab\tin', 'del\u007f', 'c1\u0085', ' lead', 'trail ', 'arn'];
const GOOD_NAMES = ['orders', 'warning', 'arns', 'a.b-c_d (eu)', 'ünïcode'];

describe('local SWF: names', () => {
  it('refuses domain names SWF refuses, naming the field, the rule and the value', async () => {
    for (const name of BAD_NAMES) {
      const answer = await call('RegisterDomain', { name, workflowExecutionRetentionPeriodInDays: '1' });
      expect(answer.status, JSON.stringify(name)).toBe(400);
      expect(answer.type).toBe('ValidationException');
      expect(answer.message).toContain("at 'name'");
      expect(answer.message).toContain('Member must be a name SWF accepts');
    }
    const colon = await call('RegisterDomain', { name: 'a:b', workflowExecutionRetentionPeriodInDays: '1' });
    expect(colon.message).toBe(
      "1 validation error detected: Value 'a:b' at 'name' failed to satisfy constraint: Member must be a name SWF accepts: it contains the character \":\", which SWF forbids (no ':', '/', '|' or control characters)",
    );
  });

  it('agrees with the worker: a domain the endpoint registers is one the worker accepts, and the other way round', async () => {
    for (const name of [...BAD_NAMES, ...GOOD_NAMES]) {
      const answer = await call('RegisterDomain', { name: `${name}`, workflowExecutionRetentionPeriodInDays: '1' });
      expect(answer.status === 200, JSON.stringify(name)).toBe(nameProblem(name, 256) === undefined);
    }
  });

  it('keeps two type names containing NUL from colliding: they are refused', async () => {
    const a = await call('RegisterActivityType', { domain: h.domain, name: 'x\u0000y', version: '1' });
    const b = await call('RegisterActivityType', { domain: h.domain, name: 'x', version: 'y\u00001' });
    expect([a.status, b.status]).toEqual([400, 400]);
    expect(a.message).toContain("at 'name'");
    expect(b.message).toContain("at 'version'");
  });

  it('checks task lists, workflow ids, activity ids and timer ids', async () => {
    expect((await call('PollForActivityTask', { domain: h.domain, taskList: { name: 'a|b' } })).message).toContain("at 'taskList.name'");
    expect((await call('PollForActivityTask', { domain: h.domain, taskList: { name: ' lead' } })).status).toBe(400);
    expect((await call('StartWorkflowExecution', { domain: h.domain, workflowId: 'a/b', workflowType: { name: 'wf', version: '1' } })).message).toContain("at 'workflowId'");
    const decisions = [
      { decisionType: 'ScheduleActivityTask', scheduleActivityTaskDecisionAttributes: { activityId: 'arn', activityType: { name: 'act', version: '1' } } },
      { decisionType: 'StartTimer', startTimerDecisionAttributes: { timerId: 't:1', startToFireTimeout: '5' } },
    ];
    const answer = await call('RespondDecisionTaskCompleted', { taskToken: 'whatever', decisions });
    expect(answer.message).toMatch(/^2 validation errors detected: .*decisions\.1\.member\.scheduleActivityTaskDecisionAttributes\.activityId.*decisions\.2\.member\.startTimerDecisionAttributes\.timerId/);
  });
});

describe('local SWF: numbers and durations', () => {
  it('takes retention in days from 0 to 90 or NONE, and says days', async () => {
    for (const ok of ['0', '1', '90', 'NONE']) {
      expect((await call('RegisterDomain', { name: unique('ret'), workflowExecutionRetentionPeriodInDays: ok })).status, ok).toBe(200);
    }
    for (const bad of ['91', '1.5', '-1', 'none', 'P1D']) {
      const answer = await call('RegisterDomain', { name: unique('ret'), workflowExecutionRetentionPeriodInDays: bad });
      expect(answer.status, bad).toBe(400);
      expect(answer.message).toContain("at 'workflowExecutionRetentionPeriodInDays'");
      expect(answer.message).toContain('whole number of days from 0 to 90, or NONE');
      expect(answer.message).not.toContain('seconds');
    }
  });

  it('takes priorities that fit a 32-bit integer', async () => {
    for (const ok of ['0', '-2147483648', '2147483647', '+5']) {
      expect((await call('RegisterActivityType', { domain: h.domain, name: unique('p'), version: '1', defaultTaskPriority: ok })).status, ok).toBe(200);
    }
    for (const bad of ['2147483648', '-2147483649', '99999999999', '1.0', 'high', '']) {
      const answer = await call('RegisterActivityType', { domain: h.domain, name: unique('p'), version: '1', defaultTaskPriority: bad });
      expect(answer.status, bad).toBe(400);
      expect(answer.message).toContain("at 'defaultTaskPriority'");
      expect(answer.message).toContain('32-bit integer');
    }
  });

  it("caps an execution's start-to-close timeout at one year, with no NONE", async () => {
    const workflowType = { name: 'wf', version: '1' };
    const over = await call('StartWorkflowExecution', { domain: h.domain, workflowId: unique('w'), workflowType, executionStartToCloseTimeout: '31536001' });
    expect(over.status).toBe(400);
    expect(over.message).toContain('from 0 to 31,536,000');
    const none = await call('StartWorkflowExecution', { domain: h.domain, workflowId: unique('w'), workflowType, executionStartToCloseTimeout: 'NONE' });
    expect(none.message).toContain('NONE is not allowed here');
    const type = await call('RegisterWorkflowType', { domain: h.domain, name: unique('w'), version: '1', defaultExecutionStartToCloseTimeout: 'NONE' });
    expect(type.status).toBe(400);
    await start(h, { executionStartToCloseTimeout: '31536000' });
  });

  it('takes activity time-outs as whole seconds or NONE, and a timer delay as whole seconds only', async () => {
    const bad = await call('RegisterActivityType', { domain: h.domain, name: unique('t'), version: '1', defaultTaskStartToCloseTimeout: '-1' });
    expect(bad.status).toBe(400);
    const decisions = [{ decisionType: 'StartTimer', startTimerDecisionAttributes: { timerId: 't', startToFireTimeout: 'NONE' } }];
    const timer = await call('RespondDecisionTaskCompleted', { taskToken: 'whatever', decisions });
    expect(timer.message).toContain("at 'decisions.1.member.startTimerDecisionAttributes.startToFireTimeout'");
  });

  it('takes tag keys and values of letters, digits, white space and _ . : / = + - @', async () => {
    expect((await call('RegisterDomain', { name: unique('tag'), workflowExecutionRetentionPeriodInDays: '1', tags: [{ key: 'team:a/b', value: 'x@y + z' }] })).status).toBe(200);
    const bad = await call('RegisterDomain', { name: unique('tag'), workflowExecutionRetentionPeriodInDays: '1', tags: [{ key: 'a#b' }] });
    expect(bad.status).toBe(400);
    expect(bad.message).toContain("at 'tags.1.member.key'");
  });
});
