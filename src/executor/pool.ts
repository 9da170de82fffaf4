/**
 * The pool of child processes: started lazily, reused (one task at a time, or up to
 * `concurrencyPerChild` at once), replaced after `maxTasksPerChild` tasks, on memory growth or when
 * broken, stopped when idle or when the pool closes.
 */
import type { HandlerLookup } from '../ipc/index.js';
import { ChildStartError, PooledChild } from './child-process.js';
import { Deadlines } from './deadlines.js';
import type { CompiledProcessExecutorOptions } from './options.js';
import { residentBytes } from './process-tree.js';
import type { ExecutorLogger } from './types.js';

const MB = 1024 * 1024;

/** A child being started, and how many tasks already wait for it. */
interface Starting {
  readonly memoryLimitMb: number;
  reserved: number;
  promise: Promise<PooledChild> | undefined;
}

/** @internal */
export class ChildPool {
  /** Children that may take tasks, least recently used first (the last is the warmest). */
  readonly #ready: PooledChild[] = [];
  readonly #starting: Starting[] = [];
  readonly #all = new Set<PooledChild>();
  readonly #retiring = new Set<Promise<void>>();
  /** When each idle child is stopped: one timer for them all, not one per task that leaves a child idle. */
  readonly #idle = new Deadlines<PooledChild>();
  #closed = false;
  readonly #onExit = (): void => {
    for (const child of this.#all) child.killNow('the worker process exited');
  };

  constructor(
    private readonly options: CompiledProcessExecutorOptions,
    private readonly log: ExecutorLogger,
    /** The host functions a child may call: looked up per child, for the task that calls. */
    private readonly hostFunctions: (child: () => PooledChild | undefined) => HandlerLookup,
  ) {
    process.on('exit', this.#onExit);
  }

  /** Children alive now (busy and idle). */
  get size(): number {
    return this.#all.size;
  }

  /** The pids of the children alive now. */
  pids(): number[] {
    return [...this.#all].map((c) => c.pid);
  }

  /** Tasks a child takes at once: `concurrencyPerChild`, never more than it runs in its life. */
  get #perChild(): number {
    return Math.min(this.options.concurrencyPerChild, this.options.maxTasksPerChild);
  }

  /**
   * A child with this memory limit and room for one more task: the busiest one that has room (so as few
   * children as possible wake up), the warmest among equals; else one being started; else a new one.
   * Throws `ChildStartError`.
   */
  async acquire(memoryLimitMb: number): Promise<PooledChild> {
    if (this.#closed) throw new ChildStartError('the process executor is closed: the worker is shutting down');
    let best: PooledChild | undefined;
    for (let i = this.#ready.length - 1; i >= 0; i--) {
      const child = this.#ready[i]!;
      if (child.memoryLimitMb !== memoryLimitMb || child.active >= this.#perChild) continue;
      if (!child.usable) {
        this.#ready.splice(i, 1);
        if (child.active === 0) this.#retire(child, 'it broke while idle');
        continue;
      }
      if (!best || child.active > best.active) best = child;
    }
    if (best) {
      this.#take(best, 1);
      return best;
    }
    const starting = this.#starting.find((s) => s.memoryLimitMb === memoryLimitMb && s.reserved < this.#perChild);
    if (starting) {
      starting.reserved++;
      return starting.promise!;
    }
    return this.#startChild(memoryLimitMb);
  }

  #startChild(memoryLimitMb: number): Promise<PooledChild> {
    const entry: Starting = { memoryLimitMb, reserved: 1, promise: undefined };
    const promise = (async () => {
      let self: PooledChild | undefined;
      try {
        const child = await PooledChild.start({
          communicator: this.options.communicator,
          memoryLimitMb,
          startTimeoutMs: this.options.startTimeoutMs,
          nodeArgs: this.options.nodeArgs,
          log: this.log,
          hostFunctions: this.hostFunctions(() => self),
        });
        self = child;
        child.startRss = residentBytes(child.pid) ?? 0;
        this.#all.add(child);
        void child.exited.then(() => this.#all.delete(child));
        if (this.#closed) {
          this.#retire(child, 'the pool closed while it started');
          throw new ChildStartError('the process executor closed while a child started: the worker is shutting down');
        }
        this.#ready.push(child);
        this.#take(child, entry.reserved);
        return child;
      } finally {
        this.#starting.splice(this.#starting.indexOf(entry), 1);
      }
    })();
    entry.promise = promise;
    this.#starting.push(entry);
    return promise;
  }

  /** Gives `n` tasks to `child`: its idle deadline is dropped; it stops taking tasks once it has taken `maxTasksPerChild`. */
  #take(child: PooledChild, n: number): void {
    child.active += n;
    child.tasksStarted += n;
    this.#idle.clear(child);
    if (child.tasksStarted >= this.options.maxTasksPerChild) this.#drain(child);
  }

  /** Takes no more tasks to `child`; it is retired once its last task releases it. */
  #drain(child: PooledChild): void {
    const at = this.#ready.indexOf(child);
    if (at >= 0) this.#ready.splice(at, 1);
  }

  /** Takes a child back after a task: kept (idle once its last task ended), or replaced when spent, grown or broken. */
  release(child: PooledChild): void {
    child.active--;
    child.tasksRun++;
    child.retireReason ??= this.#recycleReason(child);
    const ready = this.#ready.indexOf(child);
    if (child.retireReason || this.#closed || ready < 0) {
      if (ready >= 0) this.#ready.splice(ready, 1);
      if (child.active > 0) return;
      this.#retire(child, child.retireReason ?? (this.#closed ? 'the pool is closing' : `it took ${child.tasksStarted} tasks (maxTasksPerChild)`));
      return;
    }
    if (child.active > 0) return;
    // Idle: the warmest place in the line, and a timer to stop it.
    this.#ready.splice(ready, 1);
    this.#ready.push(child);
    this.#idle.set(child, this.options.idleTimeoutMs, () => {
      if (child.active > 0) return;
      const at = this.#ready.indexOf(child);
      if (at >= 0) this.#ready.splice(at, 1);
      this.#retire(child, `idle for ${this.options.idleTimeoutMs} ms (idleTimeoutMs)`);
    });
  }

  #recycleReason(child: PooledChild): string | undefined {
    if (!child.usable) return child.stoppedFor ?? child.exit ?? 'its channel closed';
    if (child.tasksRun >= this.options.maxTasksPerChild) return `it ran ${child.tasksRun} tasks (maxTasksPerChild)`;
    // Read memory at most once a second per child: short tasks must not pay a file read each.
    const now = performance.now();
    if (now - child.memoryCheckedAt < 1_000) return undefined;
    child.memoryCheckedAt = now;
    const rss = residentBytes(child.pid);
    if (rss !== undefined && rss > child.startRss + child.memoryLimitMb * MB * 0.75) {
      return `its resident memory grew by ${Math.round((rss - child.startRss) / MB)} MB since it started, over 75% of its ${child.memoryLimitMb} MB limit`;
    }
    return undefined;
  }

  /** Lets a child go: its channel is closed (it then ends itself and its descendants); its tree is killed if it lingers. */
  #retire(child: PooledChild, why: string): void {
    this.#idle.clear(child);
    this.log.debug({ pid: child.pid, why }, 'child process retired');
    const done = (async () => {
      if (child.exit === undefined) {
        await child.peer.close().catch(() => {});
        const ended = await Promise.race([child.exited.then(() => true), delay(this.options.killGraceMs).then(() => false)]);
        if (!ended) await child.terminate(`retired (${why}) and did not exit`, this.options.killGraceMs);
      }
    })();
    this.#retiring.add(done);
    void done.finally(() => this.#retiring.delete(done));
  }

  /** Stops every child: idle ones now; busy ones are retired when their task releases them. `force` kills every tree at once. */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.#closed = true;
    for (const child of this.#ready.splice(0)) {
      if (child.active > 0) continue;
      this.#retire(child, 'the pool closed');
    }
    this.#idle.dispose();
    if (options.force) for (const child of this.#all) child.killNow('the worker was force-stopped');
    await Promise.all([...this.#retiring]);
    if (this.#all.size === 0) process.off('exit', this.#onExit);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
