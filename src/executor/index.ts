/** Where a task runs: inline in the worker's event loop, or in a pooled child process. */
export {
  EXECUTOR_NAMES,
  type ActivityProgress,
  type ExecutionContext,
  type ExecutionOutcome,
  type ExecutorLogger,
  type ExecutorName,
  type TaskExecutor,
} from './types.js';
export { InlineExecutor } from './inline-executor.js';
export { ProcessExecutor } from './process-executor.js';
export { ExecutorSet } from './executor-set.js';
export { ChildProcessError, ChildStartError } from './child-process.js';
export {
  checkMemoryLimitMb,
  compileProcessExecutorOptions,
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
export { runActivity, isAsyncIterator } from './run-activity.js';
export { descendants, isRunning, residentBytes, signalTree } from './process-tree.js';
