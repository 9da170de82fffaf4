import type { ActivityTask, PollForActivityTaskInput } from '@aws-sdk/client-swf';
import type { RetryOptions } from '../swf/backoff.js';
import { ConfigurationError, FlowySwfError, isTransient } from '../swf/errors.js';
import type { SwfOperation, TaskOutcome } from './metrics.js';
import { compileWorkerOptions, type CompiledWorkerOptions, type WorkerLogger, type WorkerOptions } from './options.js';
import { Semaphore } from './semaphore.js';
import { assertTransition, WorkerStateError, type WorkerState } from './states.js';
import { formatSeconds, StopSequence, type ShutdownOptions } from './stop.js';
import { lateHeartbeatWarning } from './late-heartbeats.js';
import { PollFaultLog, pollFault, pollingFailure } from './poll-faults.js';
import { TaskSummary } from './summary.js';
import { TaskRun, type TaskRunnerShared } from './task-runner.js';
import { TokenBucket } from './token-bucket.js';
import { ExecutorSet } from '../executor/index.js';

/** How many times one heartbeat call is tried before the activity is told to go on anyway. */
export const HEARTBEAT_MAX_ATTEMPTS = 5;

export { SHUTDOWN_REPORT_WINDOW_MS, type ShutdownOptions } from './stop.js';

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
  /** The grace timer and the forced stop, with the signals polls and retries listen on. */
  readonly #stop: StopSequence;
  readonly #running = new Set<TaskRun>();
  readonly #summary: TaskSummary;
  /** One streak for all poll loops: five loops failing alike make one line, not five. */
  readonly #pollFaults: PollFaultLog;
  #state: WorkerState = 'INITIALIZED';
  #pollsStarted = 0;
  #openPolls = 0;
  #failure: Error | undefined;
  #idle: (() => void) | undefined;
  #runPromise: Promise<void> | undefined;
  #shutdownPromise: Promise<void> | undefined;
  readonly #leanPollInput: PollForActivityTaskInput | undefined;

  /** Checks the options (throws `ConfigurationError`) and builds a worker in state `INITIALIZED`. */
  constructor(options: WorkerOptions) {
    const o = compileWorkerOptions(options);
    this.#o = o;
    this.#log = o.logger.child({ domain: o.domain, taskList: o.taskList, identity: o.identity });
    this.#slots = new Semaphore(o.maxConcurrentTasks);
    if (o.transport.kind === 'lean') this.#leanPollInput = Object.freeze({ domain: o.domain, taskList: Object.freeze({ name: o.taskList }), identity: o.identity });
    this.#summary = new TaskSummary(o.clock, this.#log);
    this.#pollFaults = new PollFaultLog(o.clock, this.#log);
    this.#stop = new StopSequence({
      log: this.#log,
      clock: o.clock,
      shutdownGraceMs: o.shutdownGraceMs,
      running: this.#running,
      openPolls: () => this.#openPolls,
      stoppable: () => this.#state === 'RUNNING' || this.#state === 'DRAINING',
      beginDrain: () => this.#beginDrain(),
      killExecutors: () => void this.#shared.executors.close({ force: true }),
    });
    const retry = (operation: SwfOperation, maxAttempts?: number): RetryOptions => ({
      clock: o.clock,
      backoff: o.backoff,
      signal: this.#stop.force.signal,
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
      onRetry: (error, attempt, delayMs) => {
        o.metrics.swfRetry(operation);
        this.#log.warn({ err: error, operation, attempt: attempt + 1, delayMs }, `${operation} failed; retrying in ${delayMs} ms`);
      },
    });
    this.#shared = {
      executors: new ExecutorSet(o.executor, o.processExecutor, o.hostFunctions, this.#log),
      options: o,
      log: this.#log,
      heartbeatBudget: Number.isFinite(o.maxHeartbeatsPerSecond)
        ? new TokenBucket(
            o.maxHeartbeatsPerSecond,
            Math.max(1, o.maxHeartbeatsPerSecond),
            o.clock,
            lateHeartbeatWarning(o.clock, this.#log, o.maxHeartbeatsPerSecond, () => this.#running.size),
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

  /** Tasks running right now: after a forced stop, the tasks left unreported. */
  get runningTasks(): number {
    return this.#running.size;
  }

  /** The grace period `shutdown()` gives, in ms (`shutdownGraceMs`). */
  get shutdownGraceMs(): number {
    return this.#o.shutdownGraceMs;
  }

  /** What a stop would wait for now: running tasks and open polls. */
  stopStats(): { runningTasks: number; openPolls: number } {
    return { runningTasks: this.#running.size, openPolls: this.#openPolls };
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
   * Stops the worker gracefully, within `shutdownGraceMs` plus {@link SHUTDOWN_REPORT_WINDOW_MS}: no new
   * polls start; polls already open may still bring a task, which is run; when the grace period is over,
   * polls still open are abandoned and running tasks' signals are aborted with kind `shutdown`; tasks that
   * have not reported themselves {@link SHUTDOWN_REPORT_WINDOW_MS} later are left (a forced stop).
   * Resolves when every task is reported, or at that deadline. Idempotent: every call returns the same
   * promise; a call with `{ force: true }` also forces the stop already under way.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (options.force) this.#stop.forceStop();
    this.#shutdownPromise ??= this.#shutdown();
    return this.#shutdownPromise;
  }

  async #run(): Promise<void> {
    this.#log.info(
      { maxConcurrentTasks: this.#o.maxConcurrentTasks, maxConcurrentPolls: this.#o.maxConcurrentPolls },
      'worker running',
    );
    const pollers: Promise<void>[] = [];
    for (let i = 0; i < this.#o.maxConcurrentPolls; i++) pollers.push(this.#linkedPollLoop());
    await Promise.race([Promise.all(pollers), this.#stop.forced]);
    this.#beginDrain();
    if (this.#running.size > 0) {
      await Promise.race([new Promise<void>((resolve) => (this.#idle = resolve)), this.#stop.forced]);
    }
    this.#stop.finished.abort();
    try {
      this.#summary.flush();
    } catch {
      // A throwing logger must not keep run() from settling.
    }
    // Child processes: idle ones are let go; a forced stop already killed them.
    await this.#shared.executors.close().catch((error: unknown) => this.#log.error({ err: error }, 'closing the executors failed'));
    if (this.#failure) {
      this.#transition('FAILED');
      throw this.#failure;
    }
    this.#transition('STOPPED');
  }

  /**
   * A poll loop whose polls are abandoned through a signal of its own, linked once to the worker-wide
   * one: a listener added and removed per poll on a signal that every loop shares costs a walk of its
   * listener list each time (64 loops, 64 listeners).
   */
  async #linkedPollLoop(): Promise<void> {
    const abandon = new AbortController();
    const parent = this.#stop.abandon.signal;
    const onAbandon = (): void => abandon.abort(parent.reason);
    if (parent.aborted) onAbandon();
    else parent.addEventListener('abort', onAbandon);
    try {
      await this.#pollLoop(abandon.signal);
    } finally {
      parent.removeEventListener('abort', onAbandon);
    }
  }

  async #pollLoop(abandon: AbortSignal): Promise<void> {
    const { transport, clock, backoff, metrics, loop } = this.#o;
    const slots = this.#slots;
    let errors = 0;
    // Counted per poll loop, each with its own backoff: shared by all loops, the count would reach
    // maxPollFaults within a fraction of a second of back-to-back answers, before a fix could land.
    let faults = 0;
    const faultLog = this.#pollFaults;
    const pollOptions = { abortSignal: abandon };
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
      const startedAt = clock.now();
      try {
        // The loop's signal, linked to the worker-wide one: the end of the grace period or a forced stop abandons open polls.
        task = await transport.pollForActivityTask(this.#pollInput(), pollOptions);
      } catch (error) {
        this.#openPolls--;
        this.#releaseSlot();
        if (this.#stop.force.signal.aborted || this.#stop.abandon.signal.aborted) return;
        metrics.poll('error');
        metrics.swfCall('PollForActivityTask', 'error');
        const delayMs = backoff.delay(errors++);
        const transient = isTransient(error);
        // A client that cannot be configured (no region) will not fix itself: fail now.
        if (error instanceof ConfigurationError || (!transient && ++faults >= this.#o.maxPollFaults)) {
          this.#failPolling(error, faults);
          return;
        }
        faultLog.failed(pollFault(error, transient), delayMs);
        metrics.swfRetry('PollForActivityTask');
        if (!(await this.#pollPause(delayMs))) return;
        continue;
      }
      this.#openPolls--;
      metrics.swfCall('PollForActivityTask', 'ok');
      if (task.taskToken) {
        metrics.poll('task');
        this.#startTask(task as ActivityTask & { taskToken: string });
      } else {
        metrics.poll('empty');
        this.#releaseSlot();
        const heldMs = clock.now() - startedAt;
        if (heldMs < this.#o.minEmptyPollMs && this.#state === 'RUNNING') {
          // Nothing held this poll: backing off keeps a broken endpoint from being polled in a busy loop.
          const delayMs = backoff.delay(errors++);
          faultLog.failed(
            {
              kind: 'early-empty',
              summary: `answered with no task after ${Math.round(heldMs)} ms`,
              hint: `SWF holds a poll up to 60 s, so this endpoint is not holding polls (under ${this.#o.minEmptyPollMs} ms counts as a fault): check the endpoint`,
            },
            delayMs,
          );
          if (!(await this.#pollPause(delayMs))) return;
          continue;
        }
      }
      errors = 0;
      faults = 0;
      faultLog.succeeded();
    }
  }

  /** Waits `delayMs` before the next poll; false when polling stopped meanwhile. */
  async #pollPause(delayMs: number): Promise<boolean> {
    try {
      await this.#o.clock.sleep(delayMs, this.#stopPolling.signal);
      return true;
    } catch {
      return false;
    }
  }

  #pollInput(): PollForActivityTaskInput {
    // A new input per command for the SDK (its middleware owns what it is given); the lean transport only reads one.
    return this.#leanPollInput ?? { domain: this.#o.domain, taskList: { name: this.#o.taskList }, identity: this.#o.identity };
  }

  /** Runs a polled task in the slot its poll holds; the slot is freed when the task is reported. */
  #startTask(task: ActivityTask & { taskToken: string }): void {
    const startedAt = this.#o.clock.now();
    const run = new TaskRun(task, this.#shared, startedAt);
    this.#running.add(run);
    let outcome: Promise<TaskOutcome>;
    if (this.#stop.force.signal.aborted) {
      run.abort('shutdown');
      outcome = run.refuse(`worker ${this.#o.identity} was force-stopped before it could run the task; retry it elsewhere`);
    } else {
      if (this.#stop.graceExpired) run.abort('shutdown');
      outcome = run.execute();
    }
    // #finishTask frees the slot and wakes run() whatever the logger or metrics throw; that must not escape.
    // (One `then` with both handlers: a `.catch` after it would be one more promise per task.)
    outcome.then(
      (result) => {
        try {
          this.#finishTask(run, task, result, startedAt);
        } catch {
          // Logged nowhere, as before: the slot is already free.
        }
      },
      () => {},
    );
  }

  #finishTask(run: TaskRun, task: ActivityTask, outcome: TaskOutcome, startedAt: number): void {
    this.#running.delete(run);
    this.#releaseSlot();
    try {
      const { metrics, clock, logger } = this.#o;
      const now = clock.now();
      const seconds = (now - startedAt) / 1000;
      metrics.taskFinished(task.activityType?.name ?? '', task.activityType?.version ?? '', outcome, seconds);
      if (logger.isLevelEnabled('debug')) run.log.debug({ outcome, seconds }, 'task finished');
      this.#summary.record(outcome, now);
    } finally {
      if (this.#running.size === 0 && this.#idle) {
        const idle = this.#idle;
        this.#idle = undefined;
        idle();
      }
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
    const configuration = error instanceof ConfigurationError;
    this.#failure = configuration ? error : pollingFailure(error, faults, this.#o.domain);
    this.#log.error(
      configuration ? { error: error.message } : { err: error },
      `polling ${configuration ? 'cannot start' : 'failed for good'}; draining running tasks, then FAILED`,
    );
    this.#beginDrain();
  }

  async #shutdown(): Promise<void> {
    if (this.#state === 'INITIALIZED') {
      this.#transition('STOPPED');
      this.#stop.finished.abort();
      return;
    }
    if (this.#state === 'STOPPED' || this.#state === 'FAILED') return;
    this.#log.info(
      { runningTasks: this.#running.size, openPolls: this.#openPolls, shutdownGraceMs: this.#o.shutdownGraceMs },
      `shutting down: no new polls; waiting up to ${formatSeconds(this.#o.shutdownGraceMs)} for ${this.#running.size} running task(s) and ${this.#openPolls} open poll(s)`,
    );
    this.#beginDrain();
    this.#stop.startGrace();
    try {
      await this.#runPromise;
    } catch {
      // run() reports its own failure to its caller.
    }
  }
}
