/**
 * Many deadlines, one timer. Arming and disarming a deadline costs a map operation, not a timer: the
 * single timer is set for the earliest deadline it knew of when it was armed and, when it fires, runs
 * what is due and re-arms itself for what is left. For deadlines that are mostly disarmed long before
 * they fall due (a child's acknowledgement of a task, an idle child's retirement), that saves a timer
 * per task.
 * @internal
 */
export class Deadlines<K> {
  readonly #due = new Map<K, { at: number; run: () => void }>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs `run` in `ms` unless {@link clear}ed first; replaces the deadline `key` had. */
  set(key: K, ms: number, run: () => void): void {
    const at = this.now() + ms;
    this.#due.set(key, { at, run });
    if (at < this.#timerAt) this.#arm(at);
  }

  /** Drops the deadline of `key`, if any. */
  clear(key: K): void {
    this.#due.delete(key);
  }

  /** Drops every deadline and the timer. */
  dispose(): void {
    this.#due.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - this.now()));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, entry] of [...this.#due]) {
      if (entry.at <= now) {
        this.#due.delete(key);
        entry.run();
      } else if (entry.at < next) {
        next = entry.at;
      }
    }
    // What ran may have set new deadlines (and armed the timer for them).
    if (next < this.#timerAt) this.#arm(next);
  }
}
