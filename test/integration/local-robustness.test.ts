/**
 * Requests that once broke the local endpoint for good: null decision attributes, deeply nested unknown
 * members, hand-made page tokens, and a million-byte list of invalid decisions. Each must get SWF's answer
 * (a 400 with SWF's error type) and leave every execution a way forward.
 */
import { DescribeWorkflowExecutionCommand, GetWorkflowExecutionHistoryCommand, ListDomainsCommand } from '@aws-sdk/client-swf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { history, pollDecision as pollOn, registerActivity, scheduleActivity, start as startOn, startHarness, unique, type Harness } from './local-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** Each run decides on a task list of its own, so a poll gets that run's task. */
let taskList = 'decisions';
async function start(harness: Harness): Promise<{ workflowId: string; runId: string }> {
  taskList = unique('decisions');
  return startOn(harness, { taskList: { name: taskList } });
}
const pollDecision = (harness: Harness) => pollOn(harness, taskList);

interface Answer {
  status: number;
  body: { __type?: string; message?: string; [key: string]: unknown };
}

/** Posts `body` (an object, or text as it is) to operation `op` over HTTP. */
async function call(op: string, body: unknown): Promise<Answer> {
  const res = await fetch(h.swf.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `SimpleWorkflowService.${op}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** Nests `{ junk: ... }` `depth` levels deep, as text (JSON.stringify itself would overflow the stack). */
function deep(depth: number): string {
  return '{"junk":'.repeat(depth) + '1' + '}'.repeat(depth);
}

describe('local SWF: no request breaks it', () => {
  it('answers a decision with null attributes 400 ValidationException and keeps the decision task open', async () => {
    const run = await start(h);
    const task = await pollDecision(h);
    const answer = await call('RespondDecisionTaskCompleted', {
      taskToken: task.taskToken,
      decisions: [{ decisionType: 'ScheduleActivityTask', scheduleActivityTaskDecisionAttributes: null }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe('ValidationException');
    expect(answer.body.message).toContain("at 'decisions.1.member.scheduleActivityTaskDecisionAttributes'");
    // Nothing was written, and the same task can still be answered: the run has a way forward.
    const ok = await call('RespondDecisionTaskCompleted', { taskToken: task.taskToken, decisions: [scheduleActivity('a1')] });
    expect(ok.status).toBe(200);
    const types = (await history(h, run)).map((e) => e.eventType);
    expect(types).toEqual(['WorkflowExecutionStarted', 'DecisionTaskScheduled', 'DecisionTaskStarted', 'DecisionTaskCompleted', 'ActivityTaskScheduled']);
  });

  it('answers null attributes of every decision type without a 5xx', async () => {
    for (const decisionType of ['RequestCancelActivityTask', 'StartTimer', 'CancelTimer', 'RecordMarker', 'CompleteWorkflowExecution', 'ContinueAsNewWorkflowExecution', 'StartChildWorkflowExecution', 'SignalExternalWorkflowExecution']) {
      await start(h);
      const task = await pollDecision(h);
      const attributes = `${decisionType.charAt(0).toLowerCase()}${decisionType.slice(1)}DecisionAttributes`;
      const answer = await call('RespondDecisionTaskCompleted', { taskToken: task.taskToken, decisions: [{ decisionType, [attributes]: null }] });
      expect(answer.status, `${decisionType}: ${answer.body.message}`).toBeLessThan(500);
      await call('RespondDecisionTaskCompleted', { taskToken: task.taskToken, decisions: [{ decisionType: 'CompleteWorkflowExecution' }] });
    }
  });

  it('drops unknown members, however deep, instead of storing them', async () => {
    const run = await start(h);
    const task = await pollDecision(h);
    const decision = JSON.stringify(scheduleActivity('deep')).replace(/}$/, `,"junk":${deep(5000)}}`);
    const body = `{"taskToken":${JSON.stringify(task.taskToken)},"decisions":[${decision}],"extra":${deep(5000)}}`;
    const answer = await call('RespondDecisionTaskCompleted', body);
    expect(answer.status).toBe(200);
    // The history still reads, and carries nothing the model does not name.
    const events = await history(h, run);
    const text = JSON.stringify(events);
    expect(text).not.toContain('junk');
    expect(events.at(-1)?.eventType).toBe('ActivityTaskScheduled');
    const described = await h.client.send(new DescribeWorkflowExecutionCommand({ domain: h.domain, execution: run }));
    expect(described.openCounts?.openActivityTasks).toBe(1);
  });

  it('keeps a failed decision readable when its type reference carries junk nested thousands deep', async () => {
    const run = await start(h);
    const task = await pollDecision(h);
    // No such activity type: ScheduleActivityTaskFailed records the activityType it was given.
    const body = `{"taskToken":${JSON.stringify(task.taskToken)},"decisions":[{"decisionType":"ScheduleActivityTask","scheduleActivityTaskDecisionAttributes":{"activityId":"x","activityType":{"name":"nope","version":"1","junk":${deep(20_000)}}}}]}`;
    expect((await call('RespondDecisionTaskCompleted', body)).status).toBe(200);
    const read = await call('GetWorkflowExecutionHistory', { domain: h.domain, execution: run });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain('junk');
    // The failure asked for a new decision task, and the poll that hands it out still works.
    const next = await call('PollForDecisionTask', { domain: h.domain, taskList: { name: taskList } });
    expect(next.status).toBe(200);
    expect(next.body.taskToken).toEqual(expect.any(String));
  });

  it('does not keep 100 KB of junk sent with a type registration', async () => {
    const junk = 'x'.repeat(100_000);
    const answer = await call('RegisterActivityType', { domain: h.domain, name: 'junky', version: '1', defaultTaskList: { name: 'l', junk }, junk });
    expect(answer.status).toBe(200);
    // Read raw: the SDK would drop unknown members itself and hide what the endpoint sent.
    const described = await call('DescribeActivityType', { domain: h.domain, activityType: { name: 'junky', version: '1' } });
    expect(JSON.stringify(described.body).length).toBeLessThan(2_000);
    expect((described.body.configuration as { defaultTaskList: unknown }).defaultTaskList).toEqual({ name: 'l' });
  });

  it('answers hand-made and altered page tokens 400 ValidationException, never 5xx', async () => {
    const run = await start(h);
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const tokens = [
      b64({ k: 'history', o: 0, r: run.runId, n: 99_999 }),
      b64({ k: 'history', o: -5, r: run.runId }),
      b64(null),
      'not a token',
      '.',
    ];
    // A real token, one character changed, is refused too.
    const real = await h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run, maximumPageSize: 1 }));
    const token = real.nextPageToken as string;
    tokens.push(token.slice(0, 5) + (token[5] === 'A' ? 'B' : 'A') + token.slice(6));
    for (const nextPageToken of tokens) {
      for (const [op, body] of [
        ['GetWorkflowExecutionHistory', { domain: h.domain, execution: run, nextPageToken }],
        ['ListDomains', { registrationStatus: 'REGISTERED', nextPageToken }],
        ['ListActivityTypes', { domain: h.domain, registrationStatus: 'REGISTERED', nextPageToken }],
        ['ListOpenWorkflowExecutions', { domain: h.domain, startTimeFilter: { oldestDate: 0 }, nextPageToken }],
        ['PollForDecisionTask', { domain: h.domain, taskList: { name: 'decisions' }, nextPageToken }],
      ] as const) {
        const answer = await call(op, body);
        expect(answer.status, `${op} ${nextPageToken}`).toBe(400);
        expect(answer.body.__type).toBe('ValidationException');
        expect(answer.body.message).toContain('nextPageToken');
      }
    }
    // The real token still reads the next page.
    const next = await h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution: run, maximumPageSize: 1, nextPageToken: token }));
    expect(next.events?.[0]?.eventId).toBe(2);
  });

  it('bounds the message of a million-byte list of invalid decisions, and answers at once', async () => {
    const run = await start(h);
    const task = await pollDecision(h);
    const count = 340_001;
    const body = `{"taskToken":${JSON.stringify(task.taskToken)},"decisions":[${Array(count).fill('{}').join(',')}]}`;
    expect(body.length).toBeLessThan(1_048_576);
    const answer = await call('RespondDecisionTaskCompleted', body);
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe('ValidationException');
    expect(answer.body.message).toMatch(/^More than 100 validation errors detected: Value null at 'decisions\.1\.member\.decisionType'/);
    expect(answer.body.message).toContain('; and more (the request was not read further)');
    expect((answer.body.message as string).length).toBeLessThan(2_000);
    // The endpoint still answers, and the run is still waiting on the same task.
    await h.client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
    const ok = await call('RespondDecisionTaskCompleted', { taskToken: task.taskToken, decisions: [{ decisionType: 'CompleteWorkflowExecution' }] });
    expect(ok.status).toBe(200);
    expect((await history(h, run)).at(-1)?.eventType).toBe('WorkflowExecutionCompleted');
  });

  it('counts and spells out the errors of a request with a few of them', async () => {
    const decisions = Array.from({ length: 12 }, () => ({}));
    const answer = await call('RespondDecisionTaskCompleted', { taskToken: 'x', decisions });
    expect(answer.body.message).toMatch(/^12 validation errors detected: /);
    expect(answer.body.message).toContain("'decisions.10.member.decisionType'");
    expect(answer.body.message).not.toContain("'decisions.11.member.decisionType'");
    expect(answer.body.message).toMatch(/; and 2 more$/);
  });

  it('answers nesting deeper than any parser stack as a 400 at most', async () => {
    const answer = await call('ListDomains', `{"registrationStatus":"REGISTERED","x":${deep(200_000)}}`);
    expect(answer.status).toBeLessThan(500);
    await registerActivity(h.client, h.domain, 'after-deep', {});
  });
});
