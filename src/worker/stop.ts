import { setMaxListeners } from 'node:events';
import type { Clock } from '../swf/clock.js';
import type { WorkerLogger } from './options.js';
import { WorkerStateError } from './states.js';

/**
 * After the grace period, how long tasks whose signal was just aborted get to report themselves before
 * the stop is forced: the whole stop ends within `shutdownGraceMs` plus this.
 */
export const SHUTDOWN_REPORT_WINDOW_MS = 500;

/** Options of `Worker.shutdown()`. */
export interface ShutdownOptions {
  /**
   * Stop at once: abandon open polls (their requests are aborted), stop the retries of respond calls,
   * abort every running task's signal (kind `shutdown`) and resolve without waiting for them. A task
   * that a poll brings afterwards (a client that ignores the abort) is failed without being run, so the
   * decider can retry it. @default false
   */
  force?: boolean;
}

/** @internal What the stop sequence needs of its worker. */
export interface StopHost {
  readonly log: WorkerLogger;
  readonly clock: Clock;
  readonly shutdownGraceMs: number;
  /** Tasks running now: aborted (kind `shutdown`) when the grace period is over. */
  readonly running: ReadonlySet<{ abort(kind: 'shutdown'): void }>;
  /** Polls open now. */
  openPolls(): number;
  /** Whether there is anything to force: the worker is RUNNING or DRAINING. */
  stoppable(): boolean;
  /** No new polls start. */
  beginDrain(): void;
  /** Kills the child processes at once. */
  killExecutors(): void;
}

/**
 * @internal The stop sequence of a worker, after `shutdown()` began the drain: the grace timer, then
 * abandoned polls and aborted tasks, then a short window for them to report, then the forced stop.
 * Its signals are what the worker's loops and retries listen on.
 */
export class StopSequence {
  /** Aborted by a forced stop: stops the retries of respond calls. */
  readonly force = new AbortController();
  /** Resolves when the stop is forced. */
  readonly forced: Promise<void>;
  /** Aborted when open polls are abandoned (grace over, forced stop). */
  readonly abandon = new AbortController();
  /** Aborted when `run()` is over: ends the grace timer and the report window. */
  readonly finished = new AbortController();
  readonly #host: StopHost;
  #graceExpired = false;

  constructor(host: StopHost) {
    this.#host = host;
    // Every poll loop listens on this one signal (see the worker's #linkedPollLoop).
    setMaxListeners(0, this.abandon.signal);
    this.forced = new Promise<void>((resolve) => this.force.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  /** True once the grace period is over: a task that arrives now starts with its signal aborted. */
  get graceExpired(): boolean {
    return this.#graceExpired;
  }

  /** Starts the grace period, unless a forced stop ended it already. The worker's `shutdown()` calls it once. */
  startGrace(): void {
    if (!this.#graceExpired) void this.#graceTimer();
  }

  /** Stops at once: no polls, no retries, child processes killed, running tasks aborted and left. */
  forceStop(): void {
    const host = this.#host;
    if (this.force.signal.aborted || !host.stoppable()) return;
    host.log.warn({ runningTasks: host.running.size, openPolls: host.openPolls() }, 'forced stop: not waiting for polls or tasks');
    host.beginDrain();
    host.killExecutors();
    this.force.abort();
    this.#expireGrace();
    this.#abandonPolls();
  }

  async #graceTimer(): Promise<void> {
    try {
      await this.#host.clock.sleep(this.#host.shutdownGraceMs, this.finished.signal);
    } catch {
      return;
    }
    this.#expireGrace();
  }

  #expireGrace(): void {
    if (this.#graceExpired) return;
    this.#graceExpired = true;
    const { running, log } = this.#host;
    if (running.size > 0) {
      log.warn({ runningTasks: running.size }, 'shutdown grace period over: aborting running tasks (kind shutdown)');
    }
    for (const run of running) run.abort('shutdown');
    this.#abandonPolls();
    if (!this.force.signal.aborted) void this.#reportDeadline();
  }

  /** Open polls end now: a task SWF handed to one of them waits for its start-to-close or heartbeat timeout. */
  #abandonPolls(): void {
    if (this.abandon.signal.aborted) return;
    const openPolls = this.#host.openPolls();
    if (openPolls > 0) this.#host.log.info({ openPolls }, `abandoning ${openPolls} open poll(s)`);
    this.abandon.abort(new WorkerStateError('the worker is stopping: open polls are abandoned'));
  }

  /** Tasks aborted at the end of the grace period get a short window to report, then the stop is forced. */
  async #reportDeadline(): Promise<void> {
    const host = this.#host;
    try {
      await host.clock.sleep(SHUTDOWN_REPORT_WINDOW_MS, this.finished.signal);
    } catch {
      return;
    }
    if (host.running.size > 0) {
      host.log.warn(
        { runningTasks: host.running.size, shutdownGraceMs: host.shutdownGraceMs },
        `${host.running.size} task(s) did not end within ${SHUTDOWN_REPORT_WINDOW_MS} ms of their abort (kind shutdown); leaving them unreported`,
      );
    }
    this.forceStop();
  }
}

/** @internal `1.5 s`. */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
