import { SignalWorkflowExecutionCommand, type SWFClient } from '@aws-sdk/client-swf';
import { createSwfClient, type ActivityInfo } from 'flowy-swf';

/**
 * The SWF client example activities signal their workflow with: the demo sets it; a worker started
 * from the CLI leaves it unset and a client is made from the environment (`AWS_ENDPOINT_URL_SWF`...).
 */
export const exampleSwf: { client?: Pick<SWFClient, 'send'> } = {};

/** The signal a running activity sends its workflow to say which invocation id it has. */
export const INVOCATION_STARTED = 'invocation-started';

/** What {@link INVOCATION_STARTED} carries. */
export interface InvocationStarted {
  readonly activityId: string;
  readonly invocationId: string;
}

/**
 * Tells the activity's own workflow its invocation id, with a signal: the decider hears it and can
 * pass the id on to other activities as input. (Heartbeat details never reach a decider; signals do.)
 */
export async function announceInvocation(info: ActivityInfo): Promise<void> {
  const client = (exampleSwf.client ??= createSwfClient());
  const input: InvocationStarted = { activityId: info.activityId, invocationId: info.invocationId };
  await client.send(
    new SignalWorkflowExecutionCommand({
      domain: info.domain,
      workflowId: info.workflowExecution.workflowId,
      runId: info.workflowExecution.runId,
      signalName: INVOCATION_STARTED,
      input: JSON.stringify(input),
    }),
  );
}
