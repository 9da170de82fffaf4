import type { SWFClientConfig } from '@aws-sdk/client-swf';

interface HttpRequest {
  headers: Record<string, string | undefined>;
  body?: unknown;
}

/** Answers one SWF operation from its JSON input. */
export type OperationFn = (input: Record<string, unknown>) => Record<string, unknown>;

const encoder = new TextEncoder();

/**
 * An `SWFClient` request handler that answers in-process with zero latency: the AWS SDK still
 * serializes every request and parses every answer, so its cost counts equally for the worker and for
 * the bare loop it is measured against.
 */
export function inProcessHandler(operations: Record<string, OperationFn>): NonNullable<SWFClientConfig['requestHandler']> {
  const handle = async (request: HttpRequest): Promise<{ response: unknown }> => {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1);
    const fn = operations[operation];
    if (!fn) throw new Error(`in-process handler: no answer for ${operation}`);
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
    const output = fn(body ? (JSON.parse(body) as Record<string, unknown>) : {});
    return {
      response: {
        statusCode: 200,
        reason: 'OK',
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: encoder.encode(JSON.stringify(output)),
      },
    };
  };
  return {
    handle,
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  } as unknown as NonNullable<SWFClientConfig['requestHandler']>;
}

/** An endless supply of no-op activity tasks, and a count of the tasks completed. */
export function noOpTaskSource(activityType = { name: 'noop', version: '1' }): {
  operations: Record<string, OperationFn>;
  completed: () => number;
} {
  let issued = 0;
  let completed = 0;
  return {
    operations: {
      PollForActivityTask: () => {
        issued++;
        return {
          taskToken: `token-${issued}-${'x'.repeat(200)}`,
          activityId: `a-${issued}`,
          startedEventId: issued,
          workflowExecution: { workflowId: 'bench', runId: 'run-1' },
          activityType,
          input: '[[], {}]',
        };
      },
      RespondActivityTaskCompleted: () => {
        completed++;
        return {};
      },
      RecordActivityTaskHeartbeat: () => ({ cancelRequested: false }),
    },
    completed: () => completed,
  };
}
