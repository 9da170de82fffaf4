/** What the scenarios share: activity classes, registries, clients and the bare loop the worker is measured against. */
import {
  PollForActivityTaskCommand,
  RespondActivityTaskCompletedCommand,
  SWFClient,
} from '@aws-sdk/client-swf';
import { setTimeout as sleep } from 'node:timers/promises';
import { Activity } from '../src/activity/index.js';
import { ActivityRegistry, type ActivityClass, type ActivityDefinition } from '../src/scanner/index.js';
import { createSwfClient } from '../src/swf/index.js';
import { Worker, type WorkerOptions } from '../src/worker/index.js';
import { inProcessHandler, type OperationFn } from './in-process-handler.js';

/** Credentials for endpoints that do not check them; the client still signs every request with them. */
export const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** An activity that does nothing: the cost of a task is then the worker's own. */
export class NoOpActivity extends Activity {
  run(): void {}
}

/** An activity that waits `ms` (its first argument), or until its signal aborts. Heartbeats only if the worker does. */
export class SleepActivity extends Activity {
  async run(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.signal });
    } catch {
      // Aborted: the worker reports the task as it sees fit.
    }
  }
}

/** SWF defaults of an activity type, as the registry and RegisterActivityType take them. */
export interface TypeDefaults {
  heartbeatTimeout: string;
  scheduleToCloseTimeout: string;
  scheduleToStartTimeout: string;
  startToCloseTimeout: string;
}

/** Long enough that no bench task times out while it waits in a queue. */
export const BENCH_DEFAULTS: TypeDefaults = {
  heartbeatTimeout: 'NONE',
  scheduleToCloseTimeout: '7200',
  scheduleToStartTimeout: '3600',
  startToCloseTimeout: '3600',
};

/** A registry holding one activity type (registered with `registry.register`, not the global default registry). */
export function registryOf(
  activityClass: ActivityClass,
  type: { name: string; version: string },
  taskList: string,
  defaults: TypeDefaults = BENCH_DEFAULTS,
): ActivityRegistry {
  const registry = new ActivityRegistry();
  const definition: ActivityDefinition = Object.freeze({ ...type, taskList, defaults: Object.freeze({ ...defaults }), activityClass });
  registry.register(definition);
  return registry;
}

/** An `SWFClient` answered in process, with zero latency, by `operations`. */
export function inProcessClient(operations: Record<string, OperationFn>): SWFClient {
  return new SWFClient({
    region: 'us-east-1',
    credentials: BENCH_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: inProcessHandler(operations),
  });
}

/** The project's own client (keep-alive sockets, 70 s time-outs) for an endpoint over HTTP. */
export function httpClient(endpoint: string, maxSockets = 256): SWFClient {
  return createSwfClient({ endpoint, region: 'us-east-1', credentials: BENCH_CREDENTIALS, maxSockets });
}

/**
 * The bare AWS SDK v3 client the worker is measured against: `createSwfClient`'s keep-alive sockets and
 * time-outs, and the SDK as it ships (`cacheMiddleware` off, every call through the middleware stack).
 */
export function bareSdkClient(endpoint: string, maxSockets = 256): SWFClient {
  return createSwfClient({ endpoint, region: 'us-east-1', credentials: BENCH_CREDENTIALS, maxSockets, config: { cacheMiddleware: false } });
}

/** This process's CPU time (user + system) so far, in µs. */
export function cpuNowUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Where tasks are polled from. */
export interface PollTarget {
  domain: string;
  taskList: string;
  identity: string;
}

/**
 * The bare loop: `concurrency` async loops sharing a budget of `tasks`, each polling then completing
 * with the same two commands through the same client as the worker. An empty poll does not count.
 * `onFinished` is called as each task's respond returns. Returns the elapsed microseconds.
 */
export async function bareLoop(client: SWFClient, target: PollTarget, concurrency: number, tasks: number, onFinished?: () => void): Promise<number> {
  let budget = tasks;
  const loop = async (): Promise<void> => {
    while (budget > 0) {
      budget--;
      const task = await client.send(
        new PollForActivityTaskCommand({ domain: target.domain, taskList: { name: target.taskList }, identity: target.identity }),
      );
      if (!task.taskToken) {
        budget++;
        continue;
      }
      await client.send(new RespondActivityTaskCompletedCommand({ taskToken: task.taskToken, result: 'null' }));
      onFinished?.();
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return Number(process.hrtime.bigint() - started) / 1000;
}

/**
 * The worker's path: `new Worker({ ..., loop: tasks })` polling exactly `tasks` times, as many polls
 * open as slots (like the bare loop's calls in flight). `onFinished` (the worker's `metrics.taskFinished`)
 * is called as each task is reported. Returns the elapsed microseconds of `run()`.
 */
export async function workerLoop(
  options: Omit<WorkerOptions, 'loop' | 'maxConcurrentTasks' | 'domain' | 'taskList' | 'identity'> & { maxConcurrentPolls?: number },
  target: PollTarget,
  concurrency: number,
  tasks: number,
  onFinished?: () => void,
): Promise<number> {
  const worker = new Worker({
    ...(onFinished ? { metrics: { taskFinished: onFinished } } : {}),
    maxConcurrentPolls: concurrency,
    ...options,
    domain: target.domain,
    taskList: target.taskList,
    identity: target.identity,
    maxConcurrentTasks: concurrency,
    loop: tasks,
  });
  const started = process.hrtime.bigint();
  await worker.run();
  return Number(process.hrtime.bigint() - started) / 1000;
}

/** Runs `gc()` when the process was started with `--expose-gc`. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/**
 * CPU and wall time over the steady state of one loop at concurrency `c`: from its max(100, 2c)-th task
 * to finish over the next `n`, with `c` more run after them. The loop's start (a new Worker, its first
 * polls) and its end (the last tasks with fewer in flight, the stop) are left out, as a running worker
 * never pays them per task, and every measured task ran with `c` in flight. Run the loop for
 * {@link tasks} tasks and hand it {@link finished} as its `onFinished`.
 */
export class SteadyWindow {
  /** CPU µs of this process over the window (0 until it is over). */
  cpuUs = 0;
  /** Wall µs over the window (0 until it is over). */
  us = 0;
  /** Tasks the loop must run for the window to close. */
  readonly tasks: number;
  readonly #skip: number;
  readonly #end: number;
  #finished = 0;
  #cpuStart = 0;
  #start = 0n;

  constructor(c: number, n: number) {
    this.#skip = Math.max(100, 2 * c);
    this.#end = this.#skip + n;
    this.tasks = this.#end + c;
  }

  readonly finished = (): void => {
    const n = ++this.#finished;
    if (n === this.#skip) {
      this.#cpuStart = cpuNowUs();
      this.#start = process.hrtime.bigint();
    } else if (n === this.#end) {
      this.cpuUs = cpuNowUs() - this.#cpuStart;
      this.us = Number(process.hrtime.bigint() - this.#start) / 1000;
    }
  };
}
