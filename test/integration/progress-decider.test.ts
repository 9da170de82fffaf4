/**
 * The messaging example's decider (examples/progress-decider.ts) against the local endpoint over HTTP,
 * with the activity side played by the test. Its decision polls ask for pages of two events, so every
 * history spans several pages: a decider that read only the first page would never see the signal.
 */
import {
  GetWorkflowExecutionHistoryCommand,
  PollForActivityTaskCommand,
  PollForDecisionTaskCommand,
  RespondActivityTaskCompletedCommand,
  SignalWorkflowExecutionCommand,
  StartWorkflowExecutionCommand,
  type PollForActivityTaskCommandOutput,
  type SWFClient,
} from '@aws-sdk/client-swf';
import { describe, expect, it } from 'vitest';
import { ProgressDecider } from '../../examples/progress-decider.js';
import { INVOCATION_STARTED, type InvocationStarted } from '../../examples/swf-signals.js';
import { registerActivityType, unique, until, useEndpoint, WORKFLOW_TYPE } from './helpers.js';

const endpoint = useEndpoint();

/** Passes calls on, asking every decision poll for pages of `size` events; counts the further pages read. */
function smallPages(inner: Pick<SWFClient, 'send'>, size: number): { client: Pick<SWFClient, 'send'>; furtherPages: () => number } {
  let further = 0;
  const send = (command: { input: Record<string, unknown> }, options?: unknown): Promise<unknown> => {
    if (command instanceof PollForDecisionTaskCommand) {
      command.input.maximumPageSize = size;
      if (command.input.nextPageToken !== undefined) further++;
    }
    return (inner.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
  };
  return { client: { send } as unknown as Pick<SWFClient, 'send'>, furtherPages: () => further };
}

async function pollActivity(domain: string, taskList: string): Promise<PollForActivityTaskCommandOutput & { taskToken: string }> {
  return until(`an activity task on ${taskList}`, async () => {
    const task = await endpoint.env.client.send(new PollForActivityTaskCommand({ domain, taskList: { name: taskList } }));
    return task.taskToken ? (task as PollForActivityTaskCommandOutput & { taskToken: string }) : undefined;
  }, 10_000);
}

describe('ProgressDecider', () => {
  it('reads a history longer than one page whole: it sees the signal and completes the workflow', async () => {
    const { client } = endpoint.env;
    const domain = await endpoint.env.newDomain();
    for (const name of ['collect-progress', 'report-progress']) await registerActivityType(client, domain, name);
    const workflowId = unique('progress');
    const { runId } = await client.send(
      new StartWorkflowExecutionCommand({ domain, workflowId, workflowType: WORKFLOW_TYPE, taskList: { name: 'progress-decisions' } }),
    );
    const paged = smallPages(client, 2);
    const stop = new AbortController();
    const decider = new ProgressDecider({ client: paged.client, domain, taskList: 'progress-decisions', parentTaskList: 'parents', childTaskList: 'children', steps: 3 });
    const outcome = decider.run(stop.signal);
    try {
      const parent = await pollActivity(domain, 'parents');
      expect(parent.activityType?.name).toBe('collect-progress');
      const started: InvocationStarted = { activityId: 'parent', invocationId: 'inv-from-the-test' };
      await client.send(new SignalWorkflowExecutionCommand({ domain, workflowId, runId, signalName: INVOCATION_STARTED, input: JSON.stringify(started) }));

      const child = await pollActivity(domain, 'children');
      expect(child.activityType?.name).toBe('report-progress');
      expect(JSON.parse(child.input ?? '')).toEqual([['inv-from-the-test', 3], {}]);
      await client.send(new RespondActivityTaskCompletedCommand({ taskToken: child.taskToken, result: JSON.stringify({ sent: 3 }) }));
      await client.send(new RespondActivityTaskCompletedCommand({ taskToken: parent.taskToken, result: JSON.stringify({ steps: [1, 2, 3] }) }));

      expect(await outcome).toEqual({ parent: { steps: [1, 2, 3] }, child: { sent: 3 } });
    } finally {
      stop.abort();
      await outcome.catch(() => {});
    }
    expect(paged.furtherPages()).toBeGreaterThan(0);
    const { events = [] } = await client.send(
      new GetWorkflowExecutionHistoryCommand({ domain, execution: { workflowId, runId }, reverseOrder: true, maximumPageSize: 1 }),
    );
    expect(events[0]?.eventType).toBe('WorkflowExecutionCompleted');
  });
});
