/** Time as the local endpoint sees it: injectable so tests can drive time-outs without waiting. */

/** A handle of a scheduled callback. */
export interface TimerHandle {
  /** Internal identity; opaque to callers. */
  readonly id: number;
}

/** The clock and timers the local endpoint runs on. */
export interface LocalClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer; a no-op for one that fired or was cleared. */
  clearTimer(handle: TimerHandle): void;
}

/** Longest delay `setTimeout` takes; a longer one would fire at once (SWF durations go up to a year). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The real clock: `Date.now()` and `setTimeout`, each timer `unref`'d so it never holds a process open. */
export function createSystemClock(): LocalClock {
  const live = new Map<number, NodeJS.Timeout>();
  let next = 1;
  const arm = (id: number, dueAt: number, fn: () => void): void => {
    const wait = Math.min(Math.max(0, dueAt - Date.now()), MAX_TIMEOUT_MS);
    const t = setTimeout(() => {
      if (Date.now() < dueAt) {
        arm(id, dueAt, fn); // a delay past setTimeout's range runs in legs
        return;
      }
      live.delete(id);
      fn();
    }, wait);
    t.unref();
    live.set(id, t);
  };
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const id = next++;
      arm(id, Date.now() + Math.max(0, ms), fn);
      return { id };
    },
    clearTimer(handle) {
      const t = live.get(handle.id);
      if (t !== undefined) {
        clearTimeout(t);
        live.delete(handle.id);
      }
    },
  };
}

/** A clock that only moves when told to; for tests of time-outs. */
export interface ManualClock extends LocalClock {
  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void;
  /** Timers not yet fired or cleared. */
  pendingTimers(): number;
}

/**
 * Creates a {@link ManualClock} starting at `startMs`.
 * @param startMs epoch milliseconds of the clock's start. @default Date.now()
 */
export function createManualClock(startMs: number = Date.now()): ManualClock {
  let now = startMs;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer(ms, fn) {
      const id = next++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { id };
    },
    clearTimer(handle) {
      timers.delete(handle.id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let dueId: number | undefined;
        let dueAt = Infinity;
        for (const [id, t] of timers) {
          if (t.at <= until && (t.at < dueAt || (t.at === dueAt && dueId !== undefined && id < dueId))) {
            dueId = id;
            dueAt = t.at;
          }
        }
        if (dueId === undefined) break;
        const timer = timers.get(dueId);
        timers.delete(dueId);
        now = Math.max(now, dueAt);
        timer?.fn();
      }
      now = until;
    },
    pendingTimers: () => timers.size,
  };
}
