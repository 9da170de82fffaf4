/** SWF plumbing shared by the worker, the async scheduler and the CLIs. */
export { SWF_LIMITS, nameProblem, formatCount } from './limits.js';
export {
  FlowySwfError,
  ConfigurationError,
  TaskClosedError,
  LimitError,
  isTransient,
  isThrottling,
  isUnknownResource,
  mayHaveReachedSwf,
} from './errors.js';
export { tokenDigest, assertTaskToken } from './token.js';
export { systemClock, type Clock } from './clock.js';
export { fullJitterBackoff, withRetry, type Backoff, type FullJitterOptions, type RetryOptions } from './backoff.js';
export { createSwfClient, isLoopbackEndpoint, type SwfClientOptions } from './client.js';
export { MAX_RESPONSE_BYTES, ResponseTooLargeError } from './size-limit.js';
export {
  InputError,
  ResultError,
  safeJsonParse,
  decodeFlowyInput,
  encodeFlowyInput,
  encodeJsonResult,
  assertFits,
  assertResultFits,
} from './codec.js';
export { encodeFailure, failureReason, fitDetails, truncate, TRUNCATION_MARKER, type EncodedFailure } from './failure.js';
export {
  respondCompleted,
  respondFailed,
  respondCanceled,
  recordHeartbeat,
  encodeHeartbeatDetails,
  type SwfSender,
  type RespondOutcome,
  type RespondOptions,
  type HeartbeatAnswer,
} from './respond.js';
export {
  chooseTransport,
  leanTransportFor,
  isPlainClient,
  sdkTransport,
  toTransport,
  LeanSwfTransport,
  LEAN_USER_AGENT,
  type SwfTransport,
  type SwfTransportKind,
  type TransportChoice,
  type LeanTransportOptions,
  type HttpClientKind,
} from './transport/index.js';
