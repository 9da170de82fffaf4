import type { SWFClient } from '@aws-sdk/client-swf';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { fullJitterBackoff, type Backoff } from '../swf/backoff.js';
import { systemClock, type Clock } from '../swf/clock.js';
import { ConfigurationError } from '../swf/errors.js';
import { SWF_LIMITS, assertSwfName, formatCount } from '../swf/limits.js';
import type { ActivityLookup } from '../scanner/types.js';
import { defaultMessageRouter } from '../messaging/default-router.js';
import type { MessageRouter } from '../messaging/types.js';
import { workerHostFunctions } from '../messaging/worker-host-functions.js';
import { defaultHostFunctions, EXECUTOR_NAMES, type ActivityProgress, type ExecutorName, type HostFunctions, type ProcessExecutorOptions } from '../executor/index.js';
import { chooseTransport, type TransportChoice } from '../swf/transport/select.js';
import type { SwfTransport } from '../swf/transport/types.js';
import { completeMetrics, type WorkerMetrics } from './metrics.js';
import type { Delegator } from '../delegation/delegator.js';

/**
 * The logger the worker writes to: a pino `Logger` fits, and so does anything with these methods.
 * Calls are pino's `(fields, message)`.
 */
export interface WorkerLogger {
  child(bindings: Record<string, unknown>): WorkerLogger;
  isLevelEnabled(level: string): boolean;
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** Options of a {@link Worker}. Checked and normalised once, when the worker is built. */
export interface WorkerOptions {
  /** The SWF client: an `SWFClient` (see `createSwfClient`) or anything with its `send`. */
  client: Pick<SWFClient, 'send'>;
  /**
   * Which path the hot calls (poll, respond, heartbeat) take: `auto` takes the lean transport for a client
   * `createSwfClient` built plain and the SDK for any other; `lean` or `sdk` forces one (see docs/worker.md).
   * @default 'auto'
   */
  transport?: TransportChoice;
  /** The SWF domain to poll. */
  domain: string;
  /** The task list to poll. */
  taskList: string;
  /** The activity types this worker runs, looked up by name and version. */
  registry: ActivityLookup;
  /** Who polls, as SWF records it in history; at most 256 characters. @default `${hostname}:${pid}` */
  identity?: string;
  /**
   * Most tasks run at once. Each open poll also holds a slot, so the worker never takes a task it has
   * no room for. Tasks mostly wait on I/O, so 100 is cheap for Node. @default 100
   */
  maxConcurrentTasks?: number;
  /** Most long polls open at once, while slots are free; at most `maxConcurrentTasks`. @default min(maxConcurrentTasks, 5) */
  maxConcurrentPolls?: number;
  /** Most polls to start, then drain and stop; Flowy's testing knob. @default Infinity */
  loop?: number;
  /**
   * Heartbeat for activities whose type has a heartbeat timeout, every third of it, when the activity has
   * not heartbeated itself in that time. Off by default: a heartbeat timeout exists to catch a stuck
   * activity, and heartbeating for it hides that. @default false
   */
  autoHeartbeat?: boolean;
  /** Least time between the start of two heartbeat calls of one task; calls within it are merged. @default 1000 */
  heartbeatIntervalMs?: number;
  /**
   * Most heartbeat calls per second for the whole worker, with a burst of one second's worth; calls
   * beyond it wait their turn (first come, first served). SWF allows 160 per second per account (a bucket
   * of 2,000): give each worker its share. `Infinity` turns the limit off. @default 100
   */
  maxHeartbeatsPerSecond?: number;
  /**
   * After `shutdown()`, how long running tasks and open polls get. Then open polls are abandoned and running
   * tasks' signals are aborted with kind `shutdown`; the whole stop ends within this plus 500 ms. The default
   * leaves a stop that starts at SIGTERM 4 s of room inside the 30 s that Kubernetes
   * (`terminationGracePeriodSeconds`) and ECS (`stopTimeout`) wait before SIGKILL. @default 25000
   */
  shutdownGraceMs?: number;
  /**
   * Non-transient poll errors in a row (unknown domain, access denied, validation) after which the
   * worker gives up: it drains, goes `FAILED` and `run()` rejects. Transient errors never count.
   * `Infinity` keeps trying for ever. @default 10
   */
  maxPollFaults?: number;
  /**
   * An empty poll answered sooner than this counts as a fault and is followed by a backoff pause: SWF holds
   * an empty poll up to 60 s (the local endpoint its poll timeout), so an instant empty answer means the
   * endpoint is not SWF and would be polled in a busy loop. `0` turns the check off. @default 100
   */
  minEmptyPollMs?: number;
  /** Time source for backoff, throttling and the grace period. @default systemClock */
  clock?: Clock;
  /** Delay before each retry. @default fullJitterBackoff({ random }) (100 ms base, 20 s cap) */
  backoff?: Backoff;
  /** Numbers in [0, 1): the default backoff's jitter and where in its first period a task's first auto-heartbeat falls. @default Math.random */
  random?: () => number;
  /** Where the worker logs. @default a silent pino logger */
  logger?: WorkerLogger;
  /** Where the worker reports metrics; methods left out are no-ops. @default no-op */
  metrics?: Partial<WorkerMetrics>;
  /** Seals callback ids for `delegate()` (see docs/delegation.md). @default undefined (`delegate()` rejects, saying what to set) */
  delegator?: Delegator;
  /**
   * Routes messages between running invocations (docs/messaging.md). Give a `RedisRouter` to reach
   * invocations on other processes and hosts. The worker does not close it.
   * @default defaultMessageRouter(): the process's shared in-process router
   */
  messaging?: MessageRouter;
  /**
   * Where activities run unless their `@activity` says otherwise: `'inline'` in the worker's event loop,
   * `'process'` in pooled child processes (see docs/executors.md). @default 'inline'
   */
  executor?: ExecutorName;
  /** The pool of child processes of the process executor. @default see `PROCESS_EXECUTOR_DEFAULTS` */
  processExecutor?: ProcessExecutorOptions;
  /**
   * The host functions tasks may call (`callHost`). The worker also serves `messaging.send` and
   * `messaging.receive` through its own `messaging` router, whatever table is given.
   * @default defaultHostFunctions()
   */
  hostFunctions?: HostFunctions;
  /** Called with every progress value an activity yields (`async *run()`); must not throw. @default none */
  onProgress?: (event: ActivityProgress) => void;
}

/** @internal {@link WorkerOptions} with every default applied, checked. */
export interface CompiledWorkerOptions {
  readonly client: Pick<SWFClient, 'send'>;
  /** The path the hot calls take, chosen from `client` and the `transport` option. */
  readonly transport: SwfTransport;
  readonly domain: string;
  readonly taskList: string;
  readonly registry: ActivityLookup;
  readonly identity: string;
  readonly maxConcurrentTasks: number;
  readonly maxConcurrentPolls: number;
  readonly loop: number;
  readonly autoHeartbeat: boolean;
  readonly heartbeatIntervalMs: number;
  readonly maxHeartbeatsPerSecond: number;
  readonly shutdownGraceMs: number;
  readonly maxPollFaults: number;
  readonly minEmptyPollMs: number;
  readonly clock: Clock;
  readonly backoff: Backoff;
  readonly random: () => number;
  readonly logger: WorkerLogger;
  readonly metrics: WorkerMetrics;
  readonly delegator: Delegator | undefined;
  readonly messaging: MessageRouter;
  readonly executor: ExecutorName;
  readonly processExecutor: ProcessExecutorOptions;
  readonly hostFunctions: HostFunctions;
  readonly onProgress: ((event: ActivityProgress) => void) | undefined;
}

/** The defaults of {@link WorkerOptions}. */
export const WORKER_DEFAULTS = Object.freeze({
  maxConcurrentTasks: 100,
  maxConcurrentPolls: 5,
  loop: Number.POSITIVE_INFINITY,
  autoHeartbeat: false,
  heartbeatIntervalMs: 1_000,
  maxHeartbeatsPerSecond: 100,
  shutdownGraceMs: 25_000,
  maxPollFaults: 10,
  minEmptyPollMs: 100,
});

/** The default identity: `${hostname}:${pid}`, cut to SWF's 256 characters. */
export function defaultIdentity(): string {
  return `${hostname()}:${process.pid}`.slice(0, SWF_LIMITS.identity);
}

function fail(message: string): never {
  throw new ConfigurationError(`Worker: ${message}`);
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function duration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${name} must be a finite number of milliseconds ≥ 0, got ${String(value)}`);
  }
  return value;
}

function countOrInfinity(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(`${name} must be an integer ≥ ${min} or Infinity, got ${String(value)}`);
  }
  return value;
}

function positiveRate(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    fail(`${name} must be a number of calls per second > 0, or Infinity for no limit; got ${String(value)}`);
  }
  return value;
}

function swfName(name: string, value: unknown): string {
  return assertSwfName(name, value, 'Worker: ');
}

/** Checks user options and applies the defaults; throws `ConfigurationError` naming the option and the fix. */
export function compileWorkerOptions(options: WorkerOptions): CompiledWorkerOptions {
  if (options === null || typeof options !== 'object') fail('options must be an object');
  const { client, registry } = options;
  if (!client || typeof client.send !== 'function') fail('client must be an SWFClient or have a send(command) method');
  if (!registry || typeof registry.get !== 'function' || typeof registry.list !== 'function') {
    fail('registry must have get(name, version) and list(), like the scanner\'s registry');
  }
  if (options.transport !== undefined && !['auto', 'lean', 'sdk'].includes(options.transport)) {
    fail(`transport must be 'auto', 'lean' or 'sdk', got ${JSON.stringify(options.transport)}`);
  }
  const domain = swfName('domain', options.domain);
  const taskList = swfName('taskList', options.taskList);

  let identity = defaultIdentity();
  if (options.identity !== undefined) {
    if (typeof options.identity !== 'string' || options.identity.length === 0) fail('identity must be a non-empty string');
    if (options.identity.length > SWF_LIMITS.identity) {
      fail(`identity is ${formatCount(options.identity.length)} characters; SWF allows ${SWF_LIMITS.identity}: pass a shorter one`);
    }
    identity = options.identity;
  }

  const maxConcurrentTasks = positiveInteger('maxConcurrentTasks', options.maxConcurrentTasks, WORKER_DEFAULTS.maxConcurrentTasks);
  const maxConcurrentPolls = positiveInteger(
    'maxConcurrentPolls',
    options.maxConcurrentPolls,
    Math.min(maxConcurrentTasks, WORKER_DEFAULTS.maxConcurrentPolls),
  );
  if (maxConcurrentPolls > maxConcurrentTasks) {
    fail(
      `maxConcurrentPolls (${maxConcurrentPolls}) is more than maxConcurrentTasks (${maxConcurrentTasks}); every open poll holds a task slot, so raise maxConcurrentTasks or lower maxConcurrentPolls`,
    );
  }

  if (options.autoHeartbeat !== undefined && typeof options.autoHeartbeat !== 'boolean') {
    fail(`autoHeartbeat must be true or false, got ${String(options.autoHeartbeat)}`);
  }
  if (options.backoff !== undefined && typeof options.backoff?.delay !== 'function') fail('backoff must have delay(attempt)');
  if (options.random !== undefined && typeof options.random !== 'function') fail('random must be a function returning [0, 1)');
  if (options.delegator !== undefined && typeof options.delegator?.delegate !== 'function') fail('delegator must come from createDelegator({ keys, callbackUrl })');
  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function' || typeof clock.sleep !== 'function') fail('clock must have now() and sleep(ms, signal)');
  if (options.executor !== undefined && !(EXECUTOR_NAMES as readonly unknown[]).includes(options.executor)) {
    fail(`executor is ${JSON.stringify(options.executor)}; choose ${EXECUTOR_NAMES.join(' or ')}`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') fail('onProgress must be a function');
  const logger = options.logger ?? (pino({ level: 'silent' }) as unknown as WorkerLogger);
  for (const method of ['child', 'isLevelEnabled', 'debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[method] !== 'function') fail(`logger must be pino-compatible; it has no ${method}() method`);
  }

  const messaging = options.messaging ?? defaultMessageRouter();
  for (const method of ['register', 'finish', 'send', 'receive'] as const) {
    if (typeof messaging[method] !== 'function') fail(`messaging must be a MessageRouter (InProcessRouter, RedisRouter); it has no ${method}() method`);
  }

  return {
    client,
    transport: chooseTransport(client, options.transport),
    domain,
    taskList,
    registry,
    identity,
    maxConcurrentTasks,
    maxConcurrentPolls,
    loop: countOrInfinity('loop', options.loop, WORKER_DEFAULTS.loop, 0),
    autoHeartbeat: options.autoHeartbeat ?? WORKER_DEFAULTS.autoHeartbeat,
    heartbeatIntervalMs: duration('heartbeatIntervalMs', options.heartbeatIntervalMs, WORKER_DEFAULTS.heartbeatIntervalMs),
    maxHeartbeatsPerSecond: positiveRate('maxHeartbeatsPerSecond', options.maxHeartbeatsPerSecond, WORKER_DEFAULTS.maxHeartbeatsPerSecond),
    shutdownGraceMs: duration('shutdownGraceMs', options.shutdownGraceMs, WORKER_DEFAULTS.shutdownGraceMs),
    maxPollFaults: countOrInfinity('maxPollFaults', options.maxPollFaults, WORKER_DEFAULTS.maxPollFaults, 1),
    minEmptyPollMs: duration('minEmptyPollMs', options.minEmptyPollMs, WORKER_DEFAULTS.minEmptyPollMs),
    clock,
    backoff: options.backoff ?? fullJitterBackoff(options.random ? { random: options.random } : {}),
    random: options.random ?? Math.random,
    logger,
    metrics: completeMetrics(options.metrics),
    delegator: options.delegator,
    messaging,
    executor: options.executor ?? 'inline',
    processExecutor: options.processExecutor ?? {},
    // This worker's own view: the given table plus messaging.send / messaging.receive through `messaging`.
    hostFunctions: workerHostFunctions(options.hostFunctions ?? defaultHostFunctions(), messaging),
    onProgress: options.onProgress,
  };
}
