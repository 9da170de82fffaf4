/** FIFO queues of scheduled tasks and waiting pollers, O(1) at both ends whatever their length. */

/** A first-in first-out queue over an array with a moving head: `shift` never copies the array. */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    // Drop the consumed prefix once it is most of the array: amortised O(1).
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }

  /** Keeps only the items `keep` accepts; O(n), for rare compaction. */
  retain(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as T;
      if (keep(item)) kept.push(item);
    }
    this.items = kept;
    this.head = 0;
  }
}

/** A task that can wait in a {@link TaskDispatcher}; `queued` is true while it waits there. */
export interface Queueable {
  queued: boolean;
}

/** A poll waiting for a task. */
export interface Waiter<T> {
  /** False once the poll was answered, timed out or its client went away. */
  active: boolean;
  /** Hands the task to the poll; called at most once, on an active waiter. */
  deliver(task: T | undefined): void;
}

/**
 * One task list of one domain: scheduled tasks in FIFO order and the polls waiting for them.
 * A task goes to exactly one poll, first come first served. Removing a task or a poll marks it and
 * leaves it in place; dead entries are skipped when reached and compacted when they pile up.
 */
export class TaskDispatcher<T extends Queueable> {
  private readonly tasks = new Deque<T>();
  private readonly waiters = new Deque<Waiter<T>>();
  private liveTasks = 0;
  private deadWaiters = 0;

  /** Tasks scheduled and not yet taken. */
  get pending(): number {
    return this.liveTasks;
  }

  /** Polls waiting. */
  get waiting(): number {
    return this.waiters.length - this.deadWaiters;
  }

  /** Gives `task` to the oldest waiting poll, or queues it. */
  offer(task: T): void {
    for (;;) {
      const waiter = this.waiters.shift();
      if (waiter === undefined) break;
      if (!waiter.active) {
        this.deadWaiters--;
        continue;
      }
      waiter.active = false;
      waiter.deliver(task);
      return;
    }
    task.queued = true;
    this.tasks.push(task);
    this.liveTasks++;
  }

  /** Takes the oldest queued task, if any. */
  take(): T | undefined {
    for (;;) {
      const task = this.tasks.shift();
      if (task === undefined) return undefined;
      if (!task.queued) continue;
      task.queued = false;
      this.liveTasks--;
      return task;
    }
  }

  /** Withdraws a queued task (timed out, or its execution closed). */
  remove(task: T): void {
    if (!task.queued) return;
    task.queued = false;
    this.liveTasks--;
    if (this.tasks.length > 1024 && this.liveTasks * 2 < this.tasks.length) this.tasks.retain((t) => t.queued);
  }

  /** Adds a poll to the end of the line. */
  addWaiter(waiter: Waiter<T>): void {
    this.waiters.push(waiter);
  }

  /** Marks a poll as gone; it will not receive a task. */
  removeWaiter(waiter: Waiter<T>): void {
    if (!waiter.active) return;
    waiter.active = false;
    this.deadWaiters++;
    if (this.deadWaiters > 1024 && this.deadWaiters * 2 > this.waiters.length) {
      this.waiters.retain((w) => w.active);
      this.deadWaiters = 0;
    }
  }
}
