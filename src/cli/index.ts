/** Shared pieces of the flowy-swf command-line tools. @internal */
export { CliRun, EXIT, UsageError, describeError, processIo, type CliIo } from './run.js';
export { collect, parsePort, parsePositiveInteger, parseUrl, requireOptions } from './parsers.js';
export { addWorkerOptions, runWorker, workerOptions, LOG_LEVELS, type WorkerFlags } from './worker-command.js';
export {
  addSwfOptions,
  cancelTask,
  completeTask,
  failTask,
  heartbeatTask,
  DEFAULT_MAX_ATTEMPTS,
  type SwfFlags,
} from './task-commands.js';
export { listActivities, listRow, LIST_COLUMNS, type ListFlags } from './list-command.js';
export { parseChaos, runLocal, type LocalFlags } from './local-command.js';
export { formatTable } from './table.js';
export { packageVersion } from './version.js';
export { addCallbacksOptions, runCallbacks, type CallbacksFlags } from './callbacks-command.js';
