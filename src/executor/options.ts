import { checkCommunicatorName, type CommunicatorName } from '../ipc/index.js';
import { ConfigurationError } from '../swf/errors.js';

/** Options of the process executor: the pool of child processes and how they are watched and stopped. */
export interface ProcessExecutorOptions {
  /** How the worker and a child talk: `pipe` (an extra pair of file descriptors) or `socket` (a Unix socket). @default 'pipe' */
  communicator?: CommunicatorName;
  /**
   * A child's memory limit in MB, unless the activity sets its own (`@activity(..., { memoryLimitMb })`):
   * the V8 heap limit (`--max-old-space-size`), and how far its resident memory may grow over what it used
   * once started, plus 64 MB of headroom (checked every `pingIntervalMs`, Linux). @default 1024
   */
  memoryLimitMb?: number;
  /** Tasks a child runs before it is replaced. @default 1000 */
  maxTasksPerChild?: number;
  /**
   * Tasks a child runs at once. `1` isolates every task in its own process. More makes short tasks at
   * high concurrency much cheaper (fewer processes to wake, and their messages share writes), at the
   * price of isolation: tasks of one child share its memory limit, its event loop and its fate (a crash,
   * an out-of-memory kill, or a task that ignores its cancel past `cancelGraceMs` fails them all).
   * @default 1
   */
  concurrencyPerChild?: number;
  /** A child idle this long is stopped. @default 30000 */
  idleTimeoutMs?: number;
  /** How long a new child has to answer its first ping. @default 15000 */
  startTimeoutMs?: number;
  /** How long a child has to acknowledge a task. @default 10000 */
  ackTimeoutMs?: number;
  /** How often a busy child is pinged and its memory read. @default 1000 */
  pingIntervalMs?: number;
  /**
   * A busy child that answers no ping this long is hung (or blocked by synchronous work): its task fails
   * and its process tree is killed. `Infinity` never gives up. @default 30000
   */
  unresponsiveTimeoutMs?: number;
  /** After a task's signal aborts (cancel, SWF timeout, shutdown), how long the child may take to end it before its tree gets SIGTERM. @default 5000 */
  cancelGraceMs?: number;
  /** Between SIGTERM and SIGKILL of a child's tree. @default 2000 */
  killGraceMs?: number;
  /** Extra Node.js flags for children, e.g. `['--enable-source-maps']`. @default [] */
  nodeArgs?: string[];
}

/** @internal {@link ProcessExecutorOptions} with defaults applied. */
export type CompiledProcessExecutorOptions = Readonly<Required<ProcessExecutorOptions>>;

/** The defaults of {@link ProcessExecutorOptions}. */
export const PROCESS_EXECUTOR_DEFAULTS: CompiledProcessExecutorOptions = Object.freeze({
  communicator: 'pipe',
  memoryLimitMb: 1024,
  maxTasksPerChild: 1000,
  concurrencyPerChild: 1,
  idleTimeoutMs: 30_000,
  startTimeoutMs: 15_000,
  ackTimeoutMs: 10_000,
  pingIntervalMs: 1_000,
  unresponsiveTimeoutMs: 30_000,
  cancelGraceMs: 5_000,
  killGraceMs: 2_000,
  nodeArgs: [],
});

/** Checks a memory limit in MB: an integer from 16 to 1,048,576. */
export function checkMemoryLimitMb(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 16 || value > 1_048_576) {
    throw new ConfigurationError(`${where}: memoryLimitMb is ${String(value)}; give whole megabytes from 16 to 1048576, e.g. 512`);
  }
  return value;
}

/** Checks the process executor's options and applies the defaults. */
export function compileProcessExecutorOptions(options: ProcessExecutorOptions = {}): CompiledProcessExecutorOptions {
  const where = 'processExecutor';
  if (options === null || typeof options !== 'object') throw new ConfigurationError(`${where} must be an object of options`);
  const d = PROCESS_EXECUTOR_DEFAULTS;
  const ms = (key: keyof ProcessExecutorOptions, min: number, infinite = false): number => {
    const value = options[key] ?? d[key];
    if (infinite && value === Number.POSITIVE_INFINITY) return value;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new ConfigurationError(`${where}.${key} is ${String(value)}; give milliseconds ≥ ${min}${infinite ? ', or Infinity' : ''}`);
    }
    return value;
  };
  const maxTasks = options.maxTasksPerChild ?? d.maxTasksPerChild;
  if (!Number.isInteger(maxTasks) || maxTasks < 1) throw new ConfigurationError(`${where}.maxTasksPerChild is ${String(maxTasks)}; give a positive integer`);
  const perChild = options.concurrencyPerChild ?? d.concurrencyPerChild;
  if (!Number.isInteger(perChild) || perChild < 1 || perChild > 1000) {
    throw new ConfigurationError(`${where}.concurrencyPerChild is ${String(perChild)}; give an integer from 1 (one task per process, the default) to 1000`);
  }
  const nodeArgs = options.nodeArgs ?? d.nodeArgs;
  if (!Array.isArray(nodeArgs) || nodeArgs.some((a) => typeof a !== 'string')) throw new ConfigurationError(`${where}.nodeArgs must be a list of strings`);
  return Object.freeze({
    communicator: checkCommunicatorName(where, options.communicator ?? d.communicator),
    memoryLimitMb: checkMemoryLimitMb(where, options.memoryLimitMb ?? d.memoryLimitMb),
    maxTasksPerChild: maxTasks,
    concurrencyPerChild: perChild,
    idleTimeoutMs: ms('idleTimeoutMs', 0),
    startTimeoutMs: ms('startTimeoutMs', 1),
    ackTimeoutMs: ms('ackTimeoutMs', 1),
    pingIntervalMs: ms('pingIntervalMs', 10),
    unresponsiveTimeoutMs: ms('unresponsiveTimeoutMs', 10, true),
    cancelGraceMs: ms('cancelGraceMs', 0),
    killGraceMs: ms('killGraceMs', 0),
    nodeArgs: [...nodeArgs],
  });
}
