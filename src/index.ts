/**
 * flowy-swf: write Amazon SWF activity workers in TypeScript, Flowy style.
 *
 * Subclass {@link Activity}, override `run`, register the class with `@activity`, and run a worker
 * with {@link startActivityWorker} or the `start-activity-worker` CLI.
 */
import 'reflect-metadata';

export {
  Activity,
  SuspendTask,
  ActivityAbortedError,
  activityContext,
  activityInfo,
  cancellationSignal,
  heartbeat,
  type ActivityAbortKind,
  type ActivityContext,
  type ActivityInfo,
} from './activity/index.js';
export {
  activity,
  ActivityRegistry,
  defaultRegistry,
  scan,
  ScanError,
  registerActivityTypes,
  RegistrationMismatchError,
  type ActivityClass,
  type ActivityDefinition,
  type ActivityLookup,
  type ActivityTimeouts,
  type TimeoutSeconds,
  type ActivityDecorator,
  type ScanOptions,
  type ScanFailure,
  type ScanLogger,
  type RegisterActivityTypesOptions,
  type RegistrationReport,
  type RegistrationMismatch,
  type RegisteredField,
} from './scanner/index.js';
export {
  Worker,
  WorkerStateError,
  WORKER_DEFAULTS,
  type ShutdownOptions,
  type WorkerOptions,
  type WorkerState,
  type WorkerMetrics,
  type WorkerLogger,
  type PollOutcome,
  type TaskOutcome,
  type HeartbeatOutcome,
  type SwfOperation,
} from './worker/index.js';
export { startActivityWorker, type StartActivityWorkerOptions } from './boilerplate/index.js';
export { asyncScheduler, type AsyncScheduler, type AsyncSchedulerOptions } from './async-scheduler/index.js';
export {
  createLogger,
  isLogLevel,
  prometheusMetrics,
  serveMetrics,
  type CreateLoggerOptions,
  type MetricsServer,
  type PrometheusMetricsOptions,
  type PrometheusWorkerMetrics,
} from './observability/index.js';
export {
  SWF_LIMITS,
  FlowySwfError,
  ConfigurationError,
  TaskClosedError,
  LimitError,
  InputError,
  ResultError,
  createSwfClient,
  tokenDigest,
  decodeFlowyInput,
  encodeFlowyInput,
  encodeJsonResult,
  fullJitterBackoff,
  systemClock,
  type Backoff,
  type Clock,
  type SwfClientOptions,
  type RespondOutcome,
  LeanSwfTransport,
  leanTransportFor,
  chooseTransport,
  type SwfTransport,
  type TransportChoice,
  type LeanTransportOptions,
} from './swf/index.js';
