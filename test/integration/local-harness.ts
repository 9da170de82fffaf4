/** Shared set-up of the local endpoint's conformance tests: a server, a real SWFClient, small helpers. */
import {
  GetWorkflowExecutionHistoryCommand,
  PollForActivityTaskCommand,
  PollForDecisionTaskCommand,
  RegisterActivityTypeCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  RespondDecisionTaskCompletedCommand,
  SWFClient,
  StartWorkflowExecutionCommand,
  type Decision,
  type HistoryEvent,
  type RegisterActivityTypeCommandInput,
  type StartWorkflowExecutionCommandInput,
} from '@aws-sdk/client-swf';
import { startLocalSwf, type LocalSwf, type LocalSwfOptions } from '../../src/local/index.js';

export interface Harness {
  swf: LocalSwf;
  client: SWFClient;
  domain: string;
  close(): Promise<void>;
}

let seq = 0;

/** A name no other test uses. */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${++seq}`;
}

/** Starts an endpoint and a client for it, with a domain, workflow type `wf/1` and activity type `act/1` registered. */
export async function startHarness(options: LocalSwfOptions = {}): Promise<Harness> {
  const swf = await startLocalSwf({ pollTimeoutMs: 300, ...options });
  const client = new SWFClient({
    endpoint: swf.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  const domain = unique('domain');
  await client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' }));
  await client.send(
    new RegisterWorkflowTypeCommand({
      domain,
      name: 'wf',
      version: '1',
      defaultTaskList: { name: 'decisions' },
      defaultExecutionStartToCloseTimeout: '3600',
      defaultTaskStartToCloseTimeout: '60',
      defaultChildPolicy: 'TERMINATE',
    }),
  );
  await registerActivity(client, domain, 'act', {});
  return {
    swf,
    client,
    domain,
    async close() {
      client.destroy();
      await swf.close();
    },
  };
}

/** Registers an activity type with generous defaults unless overridden. */
export async function registerActivity(client: SWFClient, domain: string, name: string, overrides: Partial<RegisterActivityTypeCommandInput>): Promise<void> {
  await client.send(
    new RegisterActivityTypeCommand({
      domain,
      name,
      version: '1',
      defaultTaskList: { name: 'activities' },
      defaultTaskScheduleToStartTimeout: '600',
      defaultTaskScheduleToCloseTimeout: '1200',
      defaultTaskStartToCloseTimeout: '600',
      defaultTaskHeartbeatTimeout: 'NONE',
      ...overrides,
    }),
  );
}

/** Starts a run of `wf/1`; returns its workflow and run ids. */
export async function start(h: Harness, extra: Partial<StartWorkflowExecutionCommandInput> = {}): Promise<{ workflowId: string; runId: string }> {
  const workflowId = extra.workflowId ?? unique('wf');
  const { runId } = await h.client.send(
    new StartWorkflowExecutionCommand({ domain: h.domain, workflowId, workflowType: { name: 'wf', version: '1' }, ...extra }),
  );
  return { workflowId, runId: runId as string };
}

/** Polls the decision task list `decisions` (or another) and expects a task. */
export async function pollDecision(h: Harness, taskList = 'decisions') {
  const task = await h.client.send(new PollForDecisionTaskCommand({ domain: h.domain, taskList: { name: taskList }, identity: 'decider' }));
  if (!task.taskToken) throw new Error('expected a decision task, got an empty poll');
  return task;
}

/** Polls for a decision task and answers it with `decisions`. */
export async function decide(h: Harness, decisions: Decision[], taskList = 'decisions'): Promise<void> {
  const task = await pollDecision(h, taskList);
  await h.client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions }));
}

/** Polls the activity task list `activities` (or another) and expects a task. */
export async function pollActivity(h: Harness, taskList = 'activities') {
  const task = await h.client.send(new PollForActivityTaskCommand({ domain: h.domain, taskList: { name: taskList }, identity: 'worker' }));
  if (!task.taskToken) throw new Error('expected an activity task, got an empty poll');
  return task;
}

/** The whole history of a run, oldest first. */
export async function history(h: Harness, execution: { workflowId: string; runId: string }): Promise<HistoryEvent[]> {
  const out = await h.client.send(new GetWorkflowExecutionHistoryCommand({ domain: h.domain, execution }));
  return out.events ?? [];
}

/** The event types of a run's history, oldest first. */
export async function eventTypes(h: Harness, execution: { workflowId: string; runId: string }): Promise<string[]> {
  return (await history(h, execution)).map((e) => e.eventType as string);
}

/** A ScheduleActivityTask decision for `act/1`. */
export function scheduleActivity(activityId: string, attrs: Record<string, unknown> = {}): Decision {
  return {
    decisionType: 'ScheduleActivityTask',
    scheduleActivityTaskDecisionAttributes: { activityId, activityType: { name: 'act', version: '1' }, input: `in-${activityId}`, ...attrs },
  };
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (error) {
    return error as Error & { name: string };
  }
  throw new Error('expected the call to fail');
}

/** Waits until `check` is true, polling every 10 ms (at most `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
