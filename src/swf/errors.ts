/** Error classification for SWF calls: what may be retried, what means the task is gone. */

/** The base class of every error flowy-swf throws on purpose. */
export class FlowySwfError extends Error {
  override name = 'FlowySwfError';
}

/** Options or flags that cannot work; thrown before anything is started. */
export class ConfigurationError extends FlowySwfError {
  override name = 'ConfigurationError';
}

/**
 * The task this token names is closed, timed out or unknown to SWF (`UnknownResourceFault`).
 * Never retried: nothing sent for this token can take effect any more.
 */
export class TaskClosedError extends FlowySwfError {
  override name = 'TaskClosedError';
  /** Short digest of the token, safe to log. */
  readonly tokenDigest: string;
  constructor(message: string, tokenDigest: string, options?: { cause?: unknown }) {
    super(message, options);
    this.tokenDigest = tokenDigest;
  }
}

/** A value is over one of SWF's limits or not in the form SWF takes. */
export class LimitError extends FlowySwfError {
  override name = 'LimitError';
}

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'SlowDown',
  // Our own cap on an answer's size (see createSwfClient): the endpoint sent far more than SWF ever does.
  'ResponseTooLargeError',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when SWF answered `UnknownResourceFault`: the task is closed, timed out or unknown. */
export function isUnknownResource(error: unknown): boolean {
  return (error as AwsLikeError | null)?.name === 'UnknownResourceFault';
}

/** True when SWF throttled the call. */
export function isThrottling(error: unknown): boolean {
  const name = (error as AwsLikeError | null)?.name;
  return typeof name === 'string' && /throttl|TooManyRequests|RequestLimitExceeded/i.test(name);
}

/**
 * True for errors worth retrying: throttling, 5xx answers, network errors and time-outs.
 * Faults that describe the request (validation, unknown resource, limits) are final.
 */
export function isTransient(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as AwsLikeError;
  if (isUnknownResource(e)) return false;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  // An answer the SDK could not parse (HTML from a proxy, a wrong endpoint, a cut body): the call may work
  // against the right endpoint or once the proxy recovers, so it is retried with backoff.
  if (isUnparseableAnswer(e)) return true;
  // An aborted or reset socket inside the HTTP handler surfaces without a status.
  if (typeof e.name === 'string' && /^(AbortError|Socket|NetworkingError)/.test(e.name)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isTransient(cause);
}

/** True when the SDK got an HTTP answer whose body it could not parse (`SyntaxError` with `$metadata`). */
function isUnparseableAnswer(error: unknown): boolean {
  const e = error as AwsLikeError | null;
  return e?.name === 'SyntaxError' && typeof e.$metadata === 'object' && e.$metadata !== null;
}

const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * False when a failed call cannot have been applied by SWF: it was throttled (SWF throttles before it
 * applies), refused as a client error (4xx), or never left this machine (connection refused, name not
 * resolved, network unreachable). True when it may have been applied and only the answer was lost:
 * a reset socket, a time-out, a 5xx.
 */
export function mayHaveReachedSwf(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const x = e as AwsLikeError & { cause?: unknown };
    if (isThrottling(x)) return false;
    if (typeof x.code === 'string' && NEVER_SENT_CODES.has(x.code)) return false;
    const status = x.$metadata?.httpStatusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return false;
    if (x.cause === e) break;
    e = x.cause;
  }
  return true;
}
