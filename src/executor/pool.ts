/**
 * The pool of child processes: started lazily, reused one task at a time, replaced after
 * `maxTasksPerChild` tasks, on memory growth or when broken, stopped when idle or when the pool closes.
 */
import type { HandlerLookup } from '../ipc/index.js';
import { ChildStartError, PooledChild } from './child-process.js';
import type { CompiledProcessExecutorOptions } from './options.js';
import { residentBytes } from './process-tree.js';
import type { ExecutorLogger } from './types.js';

const MB = 1024 * 1024;

interface Idle {
  child: PooledChild;
  timer: NodeJS.Timeout;
}

/** @internal */
export class ChildPool {
  readonly #idle: Idle[] = [];
  readonly #all = new Set<PooledChild>();
  readonly #retiring = new Set<Promise<void>>();
  #closed = false;
  readonly #onExit = (): void => {
    for (const child of this.#all) child.killNow('the worker process exited');
  };

  constructor(
    private readonly options: CompiledProcessExecutorOptions,
    private readonly log: ExecutorLogger,
    /** The host functions a child may call: looked up per child, for the task it runs. */
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

  /** An idle child with this memory limit, or a new one. Throws `ChildStartError`. */
  async acquire(memoryLimitMb: number): Promise<PooledChild> {
    if (this.#closed) throw new ChildStartError('the process executor is closed: the worker is shutting down');
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const idle = this.#idle[i]!;
      if (idle.child.memoryLimitMb !== memoryLimitMb) continue;
      this.#idle.splice(i, 1);
      clearTimeout(idle.timer);
      if (idle.child.usable) return idle.child;
      this.#retire(idle.child, 'it broke while idle');
    }
    let self: PooledChild | undefined;
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
    return child;
  }

  /** Takes a child back after a task: kept idle, or replaced when spent, grown or broken. */
  release(child: PooledChild): void {
    child.tasksRun++;
    const why = this.#recycleReason(child);
    if (why || this.#closed) {
      this.#retire(child, why ?? 'the pool is closing');
      return;
    }
    const timer = setTimeout(() => {
      const at = this.#idle.findIndex((i) => i.child === child);
      if (at >= 0) this.#idle.splice(at, 1);
      this.#retire(child, `idle for ${this.options.idleTimeoutMs} ms (idleTimeoutMs)`);
    }, this.options.idleTimeoutMs);
    timer.unref();
    this.#idle.push({ child, timer });
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
    for (const idle of this.#idle.splice(0)) {
      clearTimeout(idle.timer);
      this.#retire(idle.child, 'the pool closed');
    }
    if (options.force) for (const child of this.#all) child.killNow('the worker was force-stopped');
    await Promise.all([...this.#retiring]);
    if (this.#all.size === 0) process.off('exit', this.#onExit);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
