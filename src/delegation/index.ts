/**
 * Delegation: sealed callback ids that let a third party finish one task over HTTP without ever
 * holding its token, the callback service that opens them, and the outbound POST that hands work over.
 */
export {
  callbackKeyRing,
  callbackDigest,
  loadSecretFile,
  parseSecretFile,
  MIN_SECRET_LENGTH,
  type CallbackKey,
  type CallbackKeyRing,
} from './keys.js';
export {
  sealCallbackId,
  openCallbackId,
  CallbackIdError,
  MAX_CALLBACK_ID_LENGTH,
  type CallbackIdProblem,
  type OpenedCallbackId,
} from './callback-id.js';
export {
  createDelegator,
  resolveDelegator,
  normalizeCallbackUrl,
  notConfiguredError,
  NO_TIMEOUT_EXPIRY_MS,
  type CallbackHandle,
  type DelegateOptions,
  type DelegatedTask,
  type Delegator,
  type DelegatorOptions,
  type DelegationSettings,
} from './delegator.js';
export { CALLBACK_STATES, CallbackBodyError, prepareCallback, type CallbackBody, type CallbackState } from './apply.js';
export { startCallbackServer, CALLBACK_SERVER_DEFAULTS, type CallbackServer, type CallbackServerOptions } from './server.js';
export { prometheusCallbackMetrics, type CallbackMetrics, type PrometheusCallbackMetrics, type PrometheusCallbackMetricsOptions } from './metrics.js';
export {
  delegateOverHttp,
  DelegateActivity,
  DelegationError,
  CALLBACK_URL_HEADER,
  CALLBACK_EXPIRES_HEADER,
  type DelegateOverHttpOptions,
  type DelegateOverHttpResult,
} from './outbound.js';
