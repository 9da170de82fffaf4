/** The activity worker: polls a task list, runs activities in slots, heartbeats, shuts down gracefully. */
export { Worker, HEARTBEAT_MAX_ATTEMPTS, SHUTDOWN_REPORT_WINDOW_MS, type ShutdownOptions } from './worker.js';
export {
  compileWorkerOptions,
  defaultIdentity,
  WORKER_DEFAULTS,
  type WorkerOptions,
  type WorkerLogger,
} from './options.js';
export { canTransition, WorkerStateError, type WorkerState } from './states.js';
export {
  noopMetrics,
  type WorkerMetrics,
  type PollOutcome,
  type TaskOutcome,
  type HeartbeatOutcome,
  type SwfOperation,
} from './metrics.js';
export { Semaphore } from './semaphore.js';
