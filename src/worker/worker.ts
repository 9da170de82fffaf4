import type { ActivityTask, PollForActivityTaskInput } from '@aws-sdk/client-swf';
import type { RetryOptions } from '../swf/backoff.js';
import { FlowySwfError, isTransient } from '../swf/errors.js';
import type { SwfOperation, TaskOutcome } from './metrics.js';
import { compileWorkerOptions, type CompiledWorkerOptions, type WorkerLogger, type WorkerOptions } from './options.js';
import { Semaphore } from './semaphore.js';
import { assertTransition, WorkerStateError, type WorkerState } from './states.js';
import { TaskRun, type TaskRunnerShared } from './task-runner.js';
import { TokenBucket } from './token-bucket.js';

/** How many times one heartbeat call is tried before the activity is told to go on anyway. */
export const HEARTBEAT_MAX_ATTEMPTS = 5;

/** Options of {@link Worker.shutdown}. */
export interface ShutdownOptions {
  /**
   * Stop at once: stop waiting for open polls, stop the retries of respond calls, abort every running
   * task's signal (kind `shutdown`) and resolve without waiting for them. A task that an open poll brings
   * afterwards is failed without being run, so the decider can retry it. Open polls hold their sockets
   * until SWF answers (up to 60 s) unless the client is destroyed; `startActivityWorker` destroys the
   * client it built. @default false
   */
  force?: boolean;
}

/**
 * Polls one SWF task list and runs the activity tasks it gets, at most `maxConcurrentTasks` at once.
 *
 * ```ts
 * const worker = new Worker({ client: createSwfClient(), domain: 'd', taskList: 'tl', registry });
 * process.once('SIGTERM', () => void worker.shutdown());
 * await worker.run();
 * ```
 */
export class Worker {
  readonly #o: CompiledWorkerOptions;
  readonly #log: WorkerLogger;
  readonly #shared: TaskRunnerShared;
  readonly #slots: Semaphore;
  /** Aborted when no new poll may start: shutdown, loop bound reached, polling failed. */
  readonly #stopPolling = new AbortController();
  /** Aborted by a forced stop. */
  readonly #force = new AbortController();
  readonly #forced: Promise<void>;
  /** Aborted when `run()` is over: ends the grace timer. */
  readonly #finished = new AbortController();
  readonly #running = new Set<TaskRun>();
  #state: WorkerState = 'INITIALIZED';
  #pollsStarted = 0;
  #openPolls = 0;
  #graceExpired = false;
  #lateWarnedAt = Number.NEGATIVE_INFINITY;
  #failure: Error | undefined;
  #idle: (() => void) | undefined;
  #runPromise: Promise<void> | undefined;
  #shutdownPromise: Promise<void> | undefined;

  /** Checks the options (throws `ConfigurationError`) and builds a worker in state `INITIALIZED`. */
  constructor(options: WorkerOptions) {
    const o = compileWorkerOptions(options);
    this.#o = o;
    this.#log = o.logger.child({ domain: o.domain, taskList: o.taskList, identity: o.identity });
    this.#slots = new Semaphore(o.maxConcurrentTasks);
    this.#forced = new Promise<void>((resolve) => this.#force.signal.addEventListener('abort', () => resolve(), { once: true }));
    const retry = (operation: SwfOperation, maxAttempts?: number): RetryOptions => ({
      clock: o.clock,
      backoff: o.backoff,
      signal: this.#force.signal,
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      onRetry: (error, attempt, delayMs) => {
        o.metrics.swfRetry(operation);
        this.#log.warn({ err: error, operation, attempt: attempt + 1, delayMs }, `${operation} failed; retrying in ${delayMs} ms`);
      },
    });
    this.#shared = {
      options: o,
      log: this.#log,
      heartbeatBudget: Number.isFinite(o.maxHeartbeatsPerSecond)
        ? new TokenBucket(o.maxHeartbeatsPerSecond, Math.max(1, o.maxHeartbeatsPerSecond), o.clock, (waitedMs, waiting) =>
            this.#heartbeatsLate(waitedMs, waiting),
          )
        : undefined,
      retry: {
        PollForActivityTask: retry('PollForActivityTask'),
        RecordActivityTaskHeartbeat: retry('RecordActivityTaskHeartbeat', HEARTBEAT_MAX_ATTEMPTS),
        RespondActivityTaskCompleted: retry('RespondActivityTaskCompleted'),
        RespondActivityTaskFailed: retry('RespondActivityTaskFailed'),
        RespondActivityTaskCanceled: retry('RespondActivityTaskCanceled'),
      },
    };
  }

  /** Where the worker is in its life cycle; see {@link WorkerState}. */
  get state(): WorkerState {
    return this.#state;
  }

  /** The identity the worker polls with. */
  get identity(): string {
    return this.#o.identity;
  }

  /** Tasks running right now. */
  get runningTasks(): number {
    return this.#running.size;
  }

  /**
   * Polls and runs tasks until stopped. Resolves when the worker is `STOPPED`: after `loop` polls and
   * the tasks they brought are reported, or after `shutdown()`. Rejects when polling fails for good
   * (`FAILED`, see `maxPollFaults`), and with `WorkerStateError` when called twice.
   */
  run(): Promise<void> {
    if (this.#state !== 'INITIALIZED') {
      return Promise.reject(new WorkerStateError(`run() needs an INITIALIZED worker; this one is ${this.#state} (a worker runs once)`));
    }
    this.#transition('RUNNING');
    this.#runPromise = this.#run();
    return this.#runPromise;
  }

  /**
   * Stops the worker gracefully: no new polls start; polls already open are answered (up to 60 s) and
   * any task they bring is run; running tasks get `shutdownGraceMs`, then their signal is aborted with
   * kind `shutdown`. Resolves when every task is reported. Idempotent: every call returns the same
   * promise; a call with `{ force: true }` also forces the stop already under way.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (options.force) this.#forceStop();
    this.#shutdownPromise ??= this.#shutdown();
    return this.#shutdownPromise;
  }

  async #run(): Promise<void> {
    this.#log.info(
      { maxConcurrentTasks: this.#o.maxConcurrentTasks, maxConcurrentPolls: this.#o.maxConcurrentPolls },
      'worker running',
    );
    const pollers: Promise<void>[] = [];
    for (let i = 0; i < this.#o.maxConcurrentPolls; i++) pollers.push(this.#pollLoop());
    await Promise.race([Promise.all(pollers), this.#forced]);
    this.#beginDrain();
    if (this.#running.size > 0) {
      await Promise.race([new Promise<void>((resolve) => (this.#idle = resolve)), this.#forced]);
    }
    this.#finished.abort();
    if (this.#failure) {
      this.#transition('FAILED');
      throw this.#failure;
    }
    this.#transition('STOPPED');
  }

  async #pollLoop(): Promise<void> {
    const { transport, clock, backoff, metrics, loop } = this.#o;
    const slots = this.#slots;
    let errors = 0;
    // Counted per poll loop, each with its own backoff: shared by all loops, the count would reach
    // maxPollFaults within a fraction of a second of back-to-back answers, before a fix could land.
    let faults = 0;
    while (this.#state === 'RUNNING') {
      if (this.#pollsStarted >= loop) {
        this.#beginDrain();
        return;
      }
      if (!slots.tryAcquire()) {
        try {
          await slots.acquire(); // rejected by #beginDrain
        } catch {
          return;
        }
        if (this.#state !== 'RUNNING' || this.#pollsStarted >= loop) {
          this.#releaseSlot();
          continue;
        }
      }
      this.#pollsStarted++;
      this.#openPolls++;
      metrics.slotsInUse(slots.inUse);
      let task: ActivityTask;
      try {
        // No abort signal per poll: the SDK would add listeners to it on every call, a cost on the hot
        // path. A forced stop does not wait for open polls; a task one brings later is refused.
        task = await transport.pollForActivityTask(this.#pollInput());
      } catch (error) {
        this.#openPolls--;
        this.#releaseSlot();
        if (this.#force.signal.aborted) return;
        metrics.poll('error');
        metrics.swfCall('PollForActivityTask', 'error');
        const delayMs = backoff.delay(errors++);
        if (isTransient(error)) {
          this.#log.warn({ err: error, attempt: errors, delayMs }, `PollForActivityTask failed; polling again in ${delayMs} ms`);
        } else if (++faults >= this.#o.maxPollFaults) {
          this.#failPolling(error, faults);
          return;
        } else {
          this.#log.error(
            { err: error, faults, maxPollFaults: this.#o.maxPollFaults, delayMs },
            `PollForActivityTask refused (check domain, task list and credentials); polling again in ${delayMs} ms`,
          );
        }
        metrics.swfRetry('PollForActivityTask');
        try {
          await clock.sleep(delayMs, this.#stopPolling.signal);
        } catch {
          return;
        }
        continue;
      }
      this.#openPolls--;
      errors = 0;
      faults = 0;
      metrics.swfCall('PollForActivityTask', 'ok');
      if (task.taskToken) {
        metrics.poll('task');
        this.#startTask(task as ActivityTask & { taskToken: string });
      } else {
        metrics.poll('empty');
        this.#releaseSlot();
      }
    }
  }

  #pollInput(): PollForActivityTaskInput {
    // A new input per command: the SDK's middleware owns what it is given.
    return { domain: this.#o.domain, taskList: { name: this.#o.taskList }, identity: this.#o.identity };
  }

  /** Runs a polled task in the slot its poll holds; the slot is freed when the task is reported. */
  #startTask(task: ActivityTask & { taskToken: string }): void {
    const run = new TaskRun(task, this.#shared);
    this.#running.add(run);
    const startedAt = this.#o.clock.now();
    let outcome: Promise<TaskOutcome>;
    if (this.#force.signal.aborted) {
      run.abort('shutdown');
      outcome = run.refuse(`worker ${this.#o.identity} was force-stopped before it could run the task; retry it elsewhere`);
    } else {
      if (this.#graceExpired) run.abort('shutdown');
      outcome = run.execute();
    }
    // #finishTask frees the slot first; only a throwing logger could make it reject, and that must not escape.
    outcome.then((result) => this.#finishTask(run, task, result, startedAt)).catch(() => {});
  }

  #finishTask(run: TaskRun, task: ActivityTask, outcome: TaskOutcome, startedAt: number): void {
    this.#running.delete(run);
    this.#releaseSlot();
    const { metrics, clock, logger } = this.#o;
    const seconds = (clock.now() - startedAt) / 1000;
    metrics.taskFinished(task.activityType?.name ?? '', task.activityType?.version ?? '', outcome, seconds);
    if (logger.isLevelEnabled('debug')) run.log.debug({ outcome, seconds }, 'task finished');
    if (this.#running.size === 0 && this.#idle) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
  }

  #releaseSlot(): void {
    this.#slots.release();
    this.#o.metrics.slotsInUse(this.#slots.inUse);
  }

  #transition(to: WorkerState): void {
    assertTransition(this.#state, to);
    this.#log.info({ from: this.#state, to }, `worker ${to}`);
    this.#state = to;
  }

  /** No new polls: open polls still end and their tasks run; running tasks go on. */
  #beginDrain(): void {
    if (this.#state === 'RUNNING') this.#transition('DRAINING');
    if (!this.#stopPolling.signal.aborted) {
      this.#stopPolling.abort();
      this.#slots.rejectWaiters(this.#stopPolling.signal.reason);
    }
  }

  #failPolling(error: unknown, faults: number): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.#failure = new FlowySwfError(
      `PollForActivityTask failed ${faults} times in a row with non-transient errors (last: ${message}); check that domain ${JSON.stringify(this.#o.domain)} exists and the credentials may poll it`,
      { cause: error },
    );
    this.#log.error({ err: error }, 'polling failed for good; draining running tasks, then FAILED');
    this.#beginDrain();
  }

  async #shutdown(): Promise<void> {
    if (this.#state === 'INITIALIZED') {
      this.#transition('STOPPED');
      this.#finished.abort();
      return;
    }
    if (this.#state === 'STOPPED' || this.#state === 'FAILED') return;
    this.#log.info(
      { runningTasks: this.#running.size, openPolls: this.#openPolls, shutdownGraceMs: this.#o.shutdownGraceMs },
      'shutting down: no new polls; open polls and running tasks are finished',
    );
    this.#beginDrain();
    if (!this.#graceExpired) void this.#graceTimer();
    try {
      await this.#runPromise;
    } catch {
      // run() reports its own failure to its caller.
    }
  }

  async #graceTimer(): Promise<void> {
    try {
      await this.#o.clock.sleep(this.#o.shutdownGraceMs, this.#finished.signal);
    } catch {
      return;
    }
    this.#expireGrace();
  }

  #expireGrace(): void {
    if (this.#graceExpired) return;
    this.#graceExpired = true;
    if (this.#running.size > 0) {
      this.#log.warn({ runningTasks: this.#running.size }, 'shutdown grace period over: aborting running tasks (kind shutdown)');
    }
    for (const run of this.#running) run.abort('shutdown');
  }

  /** Warns, at most once a minute, that heartbeats wait long for the worker's budget. */
  #heartbeatsLate(waitedMs: number, waiting: number): void {
    const now = this.#o.clock.now();
    if (now - this.#lateWarnedAt < 60_000) return;
    this.#lateWarnedAt = now;
    this.#log.warn(
      { waitedMs, waiting, maxHeartbeatsPerSecond: this.#o.maxHeartbeatsPerSecond, runningTasks: this.#running.size },
      `heartbeats wait ${Math.round(waitedMs / 1000)} s for the worker's budget of ${this.#o.maxHeartbeatsPerSecond}/s; ` +
        'tasks may time out by heartbeat: raise maxHeartbeatsPerSecond (SWF allows 160/s per account), lengthen heartbeat timeouts, or lower maxConcurrentTasks',
    );
  }

  #forceStop(): void {
    if (this.#force.signal.aborted) return;
    if (this.#state === 'INITIALIZED' || this.#state === 'STOPPED' || this.#state === 'FAILED') return;
    this.#log.warn({ runningTasks: this.#running.size, openPolls: this.#openPolls }, 'forced stop: not waiting for polls or tasks');
    this.#beginDrain();
    this.#expireGrace();
    this.#force.abort();
  }
}
