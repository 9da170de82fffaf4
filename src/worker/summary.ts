import type { Clock } from '../swf/clock.js';
import type { TaskOutcome } from './metrics.js';
import type { WorkerLogger } from './options.js';

/** How often, at most, the worker logs its summary of finished tasks at level info. */
export const SUMMARY_INTERVAL_MS = 60_000;

/**
 * @internal Counts finished tasks by outcome and logs one info line with the counts: at the first task,
 * then at most once per {@link SUMMARY_INTERVAL_MS} when tasks finished, and once when the worker stops.
 * No timer of its own: a line is due when a task finishes, so an idle worker logs nothing.
 */
export class TaskSummary {
  readonly #counts = new Map<TaskOutcome, number>();
  #total = 0;
  #since: number;
  #lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly log: WorkerLogger,
    private readonly intervalMs = SUMMARY_INTERVAL_MS,
  ) {
    this.#since = clock.now();
  }

  /** Counts a finished task; `now`: the clock's time, if the caller has just read it. */
  record(outcome: TaskOutcome, now = this.clock.now()): void {
    this.#counts.set(outcome, (this.#counts.get(outcome) ?? 0) + 1);
    this.#total++;
    if (now - this.#lastAt >= this.intervalMs) this.flush();
  }

  /** Logs the counts since the last line, if any task finished since. */
  flush(): void {
    if (this.#total === 0) return;
    const now = this.clock.now();
    const seconds = Math.max(0, Math.round((now - this.#since) / 1000));
    const tasks = Object.fromEntries(this.#counts);
    const parts = [...this.#counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
    this.#counts.clear();
    this.#total = 0;
    this.#since = now;
    this.#lastAt = now;
    this.log.info({ tasks, seconds }, `tasks finished in the last ${seconds} s: ${parts}`);
  }
}
