import { Activity } from '../activity/activity.js';
import { SuspendTask } from '../activity/errors.js';
import { fullJitterBackoff, withRetry, type Backoff } from '../swf/backoff.js';
import { systemClock, type Clock } from '../swf/clock.js';
import { FlowySwfError } from '../swf/errors.js';
import type { CallbackHandle, DelegateOptions } from './delegator.js';
import { callbackDigest } from './keys.js';

/** The header that carries the callback URL on the outbound POST. */
export const CALLBACK_URL_HEADER = 'flowy-callback-url';
/** The header that carries the callback id's expiry (ISO 8601). */
export const CALLBACK_EXPIRES_HEADER = 'flowy-callback-expires';

/** The third party could not be reached, or refused the work. Its message names the host and the status, never the callback URL. */
export class DelegationError extends FlowySwfError {
  override name = 'DelegationError';
  constructor(
    message: string,
    /** The third party's host. */
    readonly host: string,
    /** The last HTTP status, when there was an answer. */
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link delegateOverHttp}. */
export interface DelegateOverHttpOptions {
  /** The third party's URL. */
  url: string | URL;
  /** What `delegate()` returned. */
  callback: CallbackHandle;
  /** The work, sent as `input` in the JSON body. @default null */
  input?: unknown;
  /** More headers (e.g. `authorization` for the third party). @default {} */
  headers?: Record<string, string>;
  /** Time-out of one attempt, in ms. @default 10000 */
  timeoutMs?: number;
  /** Attempts in all; network errors, time-outs, 408, 429 and 5xx are retried. @default 5 */
  maxAttempts?: number;
  /** @default fullJitterBackoff({ baseMs: 200, maxMs: 5000 }) */
  backoff?: Backoff;
  /** @default systemClock */
  clock?: Clock;
  /** Stops the POST and its retries, e.g. the task's `signal`. */
  signal?: AbortSignal;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** What the third party answered. */
export interface DelegateOverHttpResult {
  status: number;
  attempts: number;
}

class RetryableStatus extends Error {
  constructor(readonly status: number, readonly statusText: string) {
    super(`HTTP ${status}`);
  }
}

/**
 * POSTs `{ callbackUrl, expiresAt, input }` to a third party, with the callback URL also in the
 * `Flowy-Callback-Url` header and the id's digest as `Idempotency-Key` (retries may deliver twice).
 * Resolves on a 2xx answer; throws {@link DelegationError} naming the host and status otherwise.
 */
export async function delegateOverHttp(options: DelegateOverHttpOptions): Promise<DelegateOverHttpResult> {
  const url = new URL(options.url);
  const host = url.host;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const { callback } = options;
  const body = JSON.stringify({ callbackUrl: callback.url, expiresAt: callback.expiresAt.toISOString(), input: options.input ?? null });
  const headers = {
    ...options.headers,
    'content-type': 'application/json',
    [CALLBACK_URL_HEADER]: callback.url,
    [CALLBACK_EXPIRES_HEADER]: callback.expiresAt.toISOString(),
    'idempotency-key': callbackDigest(callback.id),
  };
  let attempts = 0;
  try {
    const status = await withRetry(
      async () => {
        attempts++;
        const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
        const response = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.any(signals) });
        await response.body?.cancel().catch(() => {});
        if (response.ok) return response.status;
        if (response.status === 408 || response.status === 429 || response.status >= 500) throw new RetryableStatus(response.status, response.statusText);
        throw new DelegationError(
          `POST to ${host} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''} after ${attempts} attempt(s); the third party refused the work`,
          host,
          response.status,
        );
      },
      {
        maxAttempts,
        backoff: options.backoff ?? fullJitterBackoff({ baseMs: 200, maxMs: 5_000 }),
        clock: options.clock ?? systemClock,
        ...(options.signal ? { signal: options.signal } : {}),
        retryable: (error) => !(error instanceof DelegationError) && !options.signal?.aborted,
      },
    );
    return { status, attempts };
  } catch (error) {
    if (error instanceof DelegationError) throw error;
    if (error instanceof RetryableStatus) {
      throw new DelegationError(
        `POST to ${host} answered ${error.status}${error.statusText ? ` ${error.statusText}` : ''} after ${attempts} attempt(s); the third party did not take the work`,
        host,
        error.status,
      );
    }
    const timedOut = (error as Error).name === 'TimeoutError';
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
    const what = timedOut ? `no answer within ${timeoutMs} ms` : `${(error as Error).name}: ${(error as Error).message}${why ? ` (${why})` : ''}`;
    throw new DelegationError(`POST to ${host} failed after ${attempts} attempt(s): ${what}`, host, undefined, { cause: error });
  }
}

/**
 * An activity whose whole job is to hand its input to a third party over HTTP and let it finish the
 * task later through the callback service. Override {@link DelegateActivity.targetUrl}; `run` seals a
 * callback id, POSTs `{ callbackUrl, expiresAt, input: [args] }` (see {@link delegateOverHttp}) and
 * throws `SuspendTask`. A refused or unreachable third party fails the task with a reason naming its host and status.
 *
 * @example
 * @activity('translate', 1, 'jobs', { startToClose: 3600, heartbeat: 600 })
 * class Translate extends DelegateActivity {
 *   targetUrl() { return 'https://translator.example.com/jobs'; }
 * }
 */
export abstract class DelegateActivity extends Activity {
  /** Time-out of one POST attempt, in ms. @default 10000 */
  protected requestTimeoutMs = 10_000;
  /** POST attempts in all. @default 5 */
  protected maxAttempts = 5;

  /** The third party's URL for this task's input. */
  abstract targetUrl(...args: unknown[]): string | URL;

  /** The `input` of the POST body. @default the arguments of `run`, as an array */
  requestInput(...args: unknown[]): unknown {
    return args;
  }

  /** Headers added to the POST, e.g. the third party's credentials. @default {} */
  requestHeaders(): Record<string, string> {
    return {};
  }

  /** Options of `delegate()`, e.g. `expiresInMs`. @default {} (the task's own deadline) */
  callbackOptions(): DelegateOptions {
    return {};
  }

  async run(...args: unknown[]): Promise<never> {
    const callback = await this.delegate(this.callbackOptions());
    await delegateOverHttp({
      url: this.targetUrl(...args),
      callback,
      input: this.requestInput(...args),
      headers: this.requestHeaders(),
      timeoutMs: this.requestTimeoutMs,
      maxAttempts: this.maxAttempts,
      signal: this.signal,
    });
    throw new SuspendTask('handed to a third party; it finishes the task through the callback service');
  }
}
