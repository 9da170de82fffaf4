import { toTransport, type SwfSender } from './transport/sdk.js';
import type { SwfTransport } from './transport/types.js';
import { retryAfter, withRetry, type RetryOptions } from './backoff.js';
import { isUnknownResource, LimitError, mayHaveReachedSwf, TaskClosedError } from './errors.js';
import { SWF_LIMITS } from './limits.js';
import { assertFits, assertResultFits } from './codec.js';
import { tokenDigest } from './token.js';
import { truncate } from './failure.js';

export type { SwfSender };
type Sender = SwfSender | SwfTransport;

/**
 * How a respond call ended.
 * - `applied`: SWF took it on the first answer it gave.
 * - `probably-applied`: an earlier attempt failed in a way that may have reached SWF (a reset socket, a
 *   time-out, a 5xx) and the retry got `UnknownResourceFault`: that attempt most likely closed the task.
 *   Not a failure. Attempts that cannot have been applied (throttled, connection refused) do not count:
 *   when only those came before, the task closed some other way and `TaskClosedError` is thrown.
 */
export type RespondOutcome = 'applied' | 'probably-applied';

/** Options of the respond functions: retries, plus a hook called before each retry. */
export type RespondOptions = RetryOptions;

type Operation = 'RespondActivityTaskCompleted' | 'RespondActivityTaskFailed' | 'RespondActivityTaskCanceled';

function respond(
  operation: Operation,
  taskToken: string,
  send: () => Promise<unknown>,
  options: RespondOptions,
): Promise<RespondOutcome> {
  // The common case, a first attempt SWF takes, costs no retry loop (its frames, closures and promises).
  let first: Promise<unknown>;
  try {
    first = send();
  } catch (error) {
    first = Promise.reject(error);
  }
  return first.then(applied, (error: unknown) => respondAgain(operation, taskToken, send, options, error));
}

function applied(): RespondOutcome {
  return 'applied';
}

/** True when a failed attempt may have been applied by SWF all the same (see {@link RespondOutcome}). */
function mayHaveBeenApplied(error: unknown): boolean {
  return !isUnknownResource(error) && mayHaveReachedSwf(error);
}

/** The retries of a respond call whose first attempt failed with `first`. */
async function respondAgain(
  operation: Operation,
  taskToken: string,
  send: () => Promise<unknown>,
  options: RespondOptions,
  first: unknown,
): Promise<RespondOutcome> {
  let mayBeApplied = mayHaveBeenApplied(first);
  try {
    await retryAfter(first, async () => {
      try {
        await send();
      } catch (error) {
        if (mayHaveBeenApplied(error)) mayBeApplied = true;
        throw error;
      }
    }, options);
    return 'applied';
  } catch (error) {
    if (!isUnknownResource(error)) throw error;
    if (mayBeApplied) return 'probably-applied';
    const digest = tokenDigest(taskToken);
    throw new TaskClosedError(
      `${operation} for task ${digest}: SWF says the task is closed, timed out or unknown (UnknownResourceFault); nothing more can be sent for it`,
      digest,
      { cause: error },
    );
  }
}

/**
 * Completes a task with an encoded result, retrying transient errors until SWF answers.
 * Throws `ResultError` (a `LimitError`) when the result is over 32,768 characters (before any call), `TaskClosedError`
 * when the task is closed.
 */
export function respondCompleted(
  client: Sender,
  taskToken: string,
  result: string,
  options: RespondOptions = {},
): Promise<RespondOutcome> {
  let transport: SwfTransport;
  try {
    assertResultFits(result);
    transport = toTransport(client);
  } catch (error) {
    return Promise.reject(error);
  }
  return respond(
    'RespondActivityTaskCompleted',
    taskToken,
    () => transport.respondActivityTaskCompleted({ taskToken, result }),
    options,
  );
}

/**
 * Fails a task, retrying transient errors until SWF answers. The reason is cut to 256 characters with
 * a marker; details must already fit 32,768 characters (see `encodeFailure` / `fitDetails`).
 */
export async function respondFailed(
  client: Sender,
  taskToken: string,
  reason: string,
  details: string | undefined,
  options: RespondOptions = {},
): Promise<RespondOutcome> {
  if (details !== undefined) assertFits('failure details', details, SWF_LIMITS.data, 'send shorter details');
  const cut = truncate(reason, SWF_LIMITS.reason);
  const transport = toTransport(client);
  return respond(
    'RespondActivityTaskFailed',
    taskToken,
    () => transport.respondActivityTaskFailed({ taskToken, reason: cut, details }),
    options,
  );
}

/** Reports a task canceled, retrying transient errors until SWF answers. */
export async function respondCanceled(
  client: Sender,
  taskToken: string,
  details: string | undefined,
  options: RespondOptions = {},
): Promise<RespondOutcome> {
  if (details !== undefined) assertFits('cancel details', details, SWF_LIMITS.data, 'send shorter details');
  const transport = toTransport(client);
  return respond(
    'RespondActivityTaskCanceled',
    taskToken,
    () => transport.respondActivityTaskCanceled({ taskToken, details }),
    options,
  );
}

/** What a heartbeat learned. */
export type HeartbeatAnswer = 'ok' | 'cancel-requested';

/** Encodes heartbeat details: a string as is, anything else as JSON. Throws `LimitError` over 2,048 characters. */
export function encodeHeartbeatDetails(details: unknown): string | undefined {
  if (details === undefined) return undefined;
  const text = typeof details === 'string' ? details : jsonOf('heartbeat details', details);
  if (text === undefined) return undefined;
  assertFits('heartbeat details', text, SWF_LIMITS.heartbeatDetails, 'send a shorter progress note, e.g. a percentage or a step name');
  return text;
}

/**
 * Records one heartbeat, retrying transient errors. Throws `TaskClosedError` when the task is closed.
 * Details must already be encoded (see {@link encodeHeartbeatDetails}).
 */
export async function recordHeartbeat(
  client: Sender,
  taskToken: string,
  details: string | undefined,
  options: RespondOptions = {},
): Promise<HeartbeatAnswer> {
  const transport = toTransport(client);
  try {
    const out = await withRetry(() => transport.recordActivityTaskHeartbeat({ taskToken, details }), options);
    return out.cancelRequested ? 'cancel-requested' : 'ok';
  } catch (error) {
    if (!isUnknownResource(error)) throw error;
    const digest = tokenDigest(taskToken);
    throw new TaskClosedError(
      `RecordActivityTaskHeartbeat for task ${digest}: SWF says the task is closed, timed out or unknown (UnknownResourceFault)`,
      digest,
      { cause: error },
    );
  }
}

/** `JSON.stringify`, with a {@link LimitError} naming `what` when the value has no JSON form (a BigInt, a cycle). */
function jsonOf(what: string, value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new LimitError(`${what} cannot be serialized as JSON (${(error as Error).message}); send a string or plain data`);
  }
}
