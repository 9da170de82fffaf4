/**
 * The async scheduler: heartbeat, complete, fail or cancel an activity task by its token, from any
 * process. The other half of `SuspendTask`. Flowy's `async_scheduler`.
 */
import type { SWFClient } from '@aws-sdk/client-swf';
import type { Backoff } from '../swf/backoff.js';
import { createSwfClient } from '../swf/client.js';
import type { Clock } from '../swf/clock.js';
import { encodeJsonResult } from '../swf/codec.js';
import { ConfigurationError, LimitError } from '../swf/errors.js';
import { fitDetails } from '../swf/failure.js';
import {
  encodeHeartbeatDetails,
  recordHeartbeat,
  respondCanceled,
  respondCompleted,
  respondFailed,
  type RespondOptions,
  type RespondOutcome,
  type SwfSender,
} from '../swf/respond.js';
import { assertTaskToken } from '../swf/token.js';

/**
 * Options of {@link asyncScheduler}. There is no `domain`: unlike Flowy's `async_scheduler(domain)`,
 * a task token already names its domain, and SWF's respond calls take none.
 */
export interface AsyncSchedulerOptions {
  /** A ready SWF client; left open by {@link AsyncScheduler.close}. @default createSwfClient({ region, endpoint }) */
  client?: Pick<SWFClient, 'send'>;
  /** AWS region, when no client is given. @default process.env.AWS_REGION */
  region?: string;
  /** Endpoint URL, when no client is given. @default process.env.AWS_ENDPOINT_URL_SWF, else AWS's */
  endpoint?: string;
  /** Time for the waits between retries. @default systemClock */
  clock?: Clock;
  /** Waits between retries of transient errors. @default fullJitterBackoff() (100 ms doubling to 20 s, full jitter) */
  backoff?: Backoff;
  /**
   * Attempts per call, in all, before a transient error (throttling, 5xx, network) is thrown.
   * @default Infinity (retry until SWF answers, as the worker does, so no result is lost)
   */
  maxAttempts?: number;
  /** Called before each retry with the error, the attempt number (0 for the first retry) and the wait chosen. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Finishes or heartbeats activity tasks by token. Every method checks its arguments before any call:
 * a token that is not a string of 1 to 1,024 characters, or a value over SWF's limits, rejects with
 * `LimitError` and nothing is sent. A task that is closed, timed out or unknown rejects with
 * `TaskClosedError` (its message holds the token's digest, never the token). Transient errors are retried.
 */
export interface AsyncScheduler {
  /**
   * Records a heartbeat, as the activity's own `heartbeat()` does. Resolves `true` to carry on, `false`
   * when the workflow asked to cancel the task (then finish it with {@link AsyncScheduler.cancel}).
   * Details: a string as is, anything else as JSON; at most 2,048 characters.
   */
  heartbeat(taskToken: string, details?: unknown): Promise<boolean>;
  /**
   * Completes the task with `result`, encoded as the worker encodes a returned value: JSON, `undefined`
   * as `null`, at most 32,768 characters. Resolves `'probably-applied'` when a retry found the task
   * already closed, most likely by the attempt before it.
   */
  complete(taskToken: string, result?: unknown): Promise<RespondOutcome>;
  /**
   * Fails the task. `reason` is cut to 256 characters, ending with a visible `…[truncated]`; `details`
   * is sent as is when a string, else as JSON, and cut to 32,768 characters staying valid JSON.
   */
  fail(taskToken: string, reason: string, details?: unknown): Promise<RespondOutcome>;
  /** Reports the task canceled, typically after {@link AsyncScheduler.heartbeat} resolved `false`. Details as for `fail`. */
  cancel(taskToken: string, details?: unknown): Promise<RespondOutcome>;
  /** Releases the sockets of the client the scheduler created. A client passed in is left open. Idempotent. */
  close(): void;
}

/**
 * Creates an {@link AsyncScheduler}: complete, fail, cancel or heartbeat a task by its token from any
 * process, e.g. after the activity threw `SuspendTask`. Flowy's `async_scheduler`, without the domain.
 *
 * @example
 * const scheduler = asyncScheduler();
 * await scheduler.complete(tokenFromMyDatabase, { approved: true });
 */
export function asyncScheduler(options: AsyncSchedulerOptions = {}): AsyncScheduler {
  if (typeof options === 'string') {
    // A habit carried over from Flowy's async_scheduler(domain): say why it is not needed.
    throw new ConfigurationError(
      'asyncScheduler() takes no domain: a task token already names its domain. Call asyncScheduler() or asyncScheduler({ region, endpoint })',
    );
  }
  const owned = options.client === undefined;
  let client: SwfSender | undefined = options.client;
  let ownedClient: SWFClient | undefined;
  const sender = (): SwfSender => {
    if (!client) client = ownedClient = createSwfClient({ region: options.region, endpoint: options.endpoint });
    return client;
  };
  const retry: RespondOptions = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };

  return {
    async heartbeat(taskToken, details) {
      assertTaskToken(taskToken);
      const encoded = encodeHeartbeatDetails(details);
      return (await recordHeartbeat(sender(), taskToken, encoded, retry)) === 'ok';
    },
    async complete(taskToken, result) {
      assertTaskToken(taskToken);
      return respondCompleted(sender(), taskToken, encodeJsonResult(result, 'complete with plain data: no BigInt, no cycles, no functions'), retry);
    },
    async fail(taskToken, reason, details) {
      assertTaskToken(taskToken);
      if (typeof reason !== 'string') {
        throw new LimitError(`reason must be a string, got ${reason === null ? 'null' : typeof reason}; say in a sentence why the task failed`);
      }
      return respondFailed(sender(), taskToken, reason, encodeDetails(details), retry);
    },
    async cancel(taskToken, details) {
      assertTaskToken(taskToken);
      return respondCanceled(sender(), taskToken, encodeDetails(details), retry);
    },
    close() {
      if (owned && ownedClient) ownedClient.destroy();
      ownedClient = undefined;
      if (owned) client = undefined;
    },
  };
}

function encodeDetails(details: unknown): string | undefined {
  return details === undefined ? undefined : fitDetails(details);
}
