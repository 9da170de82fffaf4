/** Where a task runs: inline in the worker's event loop, or in a pooled child process. */
export { EXECUTOR_NAMES, type ActivityProgress, type ExecutionContext, type ExecutorName } from './types.js';
export { ExecutorSet } from './executor-set.js';
export { ChildProcessError, ChildStartError } from './child-process.js';
export {
  PROCESS_EXECUTOR_DEFAULTS,
  type CompiledProcessExecutorOptions,
  type ProcessExecutorOptions,
} from './options.js';
export {
  createHostFunctions,
  defaultHostFunctions,
  HostFunctions,
  NoSuchHostFunctionError,
  registerHostFunction,
  type HostCallContext,
  type HostFunction,
} from './host-functions.js';
