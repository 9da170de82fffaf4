/**
 * Runs activities in pooled child processes. The worker still decides when a task runs and how it is
 * reported; this executor moves the run itself across a communicator, watches the child (pings,
 * memory) and stops its process tree when the task's signal aborts or the child misbehaves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SuspendTask } from '../activity/errors.js';
import { RemoteError, unboxError, type BoxedError, type HandlerLookup, type RemoteCall } from '../ipc/index.js';
import { ConfigurationError } from '../swf/errors.js';
import type { ActivityDefinition } from '../scanner/types.js';
import { ChildProcessError, type PooledChild } from './child-process.js';
import type { HostFunctions } from './host-functions.js';
import type { CompiledProcessExecutorOptions, compileProcessExecutorOptions, ProcessExecutorOptions } from './options.js';
import { Deadlines } from './deadlines.js';
import { ChildPool } from './pool.js';
import { residentBytes } from './process-tree.js';
import type { ExecutionContext, ExecutionOutcome, ExecutorLogger, TaskExecutor } from './types.js';

const MB = 1024 * 1024;
/** Resident memory a child may use beyond its limit: V8's young generation and code live outside the heap limit. */
export const RSS_HEADROOM_MB = 64;

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Runs activities in pooled child processes; see {@link ProcessExecutorOptions}. */
export class ProcessExecutor implements TaskExecutor {
  readonly name = 'process' as const;
  readonly options: CompiledProcessExecutorOptions;
  readonly #pool: ChildPool;
  /** The tasks each child runs now, by the call id of their `activity.run`. */
  readonly #bound = new Map<PooledChild, Map<number, ExecutionContext>>();
  /** The tasks a child has not acknowledged yet: one timer for all of them, not one per task. */
  readonly #acks = new Deadlines<RemoteCall>();
  /** Watches the busy children (pings, memory), with one timer for all of them. */
  readonly #watch: ChildWatch;
  /** The task whose cancel grace ran out, for each child stopped for that reason. */
  readonly #stoppedBy = new WeakMap<PooledChild, ExecutionContext>();
  #closing: Promise<void> | undefined;

  /** `options` as {@link compileProcessExecutorOptions} made them (the executor set checks them when the worker is built). */
  constructor(options: CompiledProcessExecutorOptions, hostFunctions: HostFunctions, log: ExecutorLogger) {
    this.options = options;
    this.#pool = new ChildPool(this.options, log, (child) => this.#hostLookup(child, hostFunctions));
    this.#watch = new ChildWatch(this.options, (child, reason) => void child.terminate(reason, this.options.killGraceMs));
  }

  /** Children alive now. */
  get children(): number {
    return this.#pool.size;
  }

  /** The pids of the children alive now. */
  childPids(): number[] {
    return this.#pool.pids();
  }

  #hostLookup(child: () => PooledChild | undefined, table: HostFunctions): HandlerLookup {
    return (ns, func) => {
      const current = child();
      const tasks = current && this.#bound.get(current);
      if (!tasks || tasks.size === 0 || !table.get(ns, func)) return undefined;
      return (args, call) => {
        const context = taskOf(tasks, call.callerId);
        if (!context) {
          throw new ChildProcessError(
            `child process ${current.pid} called ${ns}.${func} as ${JSON.stringify(call.callerId)}, which names none of the tasks it runs (child:<pid>/<callId of activity.run>)`,
          );
        }
        return table.invoke(ns, func, args, {
          info: context.info,
          taskToken: context.taskToken,
          context,
          signal: AbortSignal.any([context.signal, call.signal]),
        });
      };
    };
  }

  async execute(definition: ActivityDefinition, input: string | undefined, context: ExecutionContext): Promise<ExecutionOutcome> {
    if (!definition.file) {
      return {
        status: 'threw',
        error: new ConfigurationError(
          `activity ${definition.name} ${definition.version} runs in a child process, which loads it from its module file, but no file is known for it: ` +
            'let the worker scan for it (packages / --package) instead of importing it yourself',
        ),
      };
    }
    const memoryLimitMb = definition.memoryLimitMb ?? this.options.memoryLimitMb;
    let child: PooledChild;
    try {
      child = await this.#pool.acquire(memoryLimitMb);
    } catch (error) {
      return { status: 'threw', error, context: 'no child process to run the task' };
    }
    this.#watch.taskStarted(child);
    try {
      return await this.#run(child, definition.file, definition, input, context);
    } finally {
      this.#watch.taskEnded(child);
      this.#pool.release(child);
    }
  }

  async #run(
    child: PooledChild,
    file: string,
    definition: ActivityDefinition,
    input: string | undefined,
    context: ExecutionContext,
  ): Promise<ExecutionOutcome> {
    const o = this.options;
    const call = child.peer.open('activity', 'run', {
      file,
      name: definition.name,
      version: definition.version,
      ...(input !== undefined ? { input } : {}),
      info: context.info,
      taskToken: context.taskToken,
    });
    let tasks = this.#bound.get(child);
    if (!tasks) this.#bound.set(child, (tasks = new Map()));
    tasks.set(call.callId, context);
    context.vouchFor(() => this.#watch.alive(child));
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      const reason: unknown = context.signal.reason;
      const kind = (reason as { kind?: string } | undefined)?.kind ?? 'aborted';
      void call.cancel(reason);
      graceTimer = setTimeout(() => {
        if (!child.stoppedFor) this.#stoppedBy.set(child, context);
        void child.terminate(
          `the task's signal was aborted (${kind}) and the child did not end the task within ${formatMs(o.cancelGraceMs)} (cancelGraceMs); its process tree was stopped`,
          o.killGraceMs,
        );
      }, o.cancelGraceMs);
    };
    if (context.signal.aborted) onAbort();
    else context.signal.addEventListener('abort', onAbort, { once: true });
    this.#acks.set(call, o.ackTimeoutMs, () => {
      void child.terminate(`child process ${child.pid} did not acknowledge the task within ${formatMs(o.ackTimeoutMs)} (ackTimeoutMs)`, o.killGraceMs);
    });
    const acked = (): void => this.#acks.clear(call);
    void call.ack.then(acked, acked);
    try {
      return await this.#collect(call, context);
    } catch (error) {
      return { status: 'threw', ...(await this.#explain(child, error, context)) };
    } finally {
      acked();
      clearTimeout(graceTimer);
      tasks.delete(call.callId);
      if (tasks.size === 0) this.#bound.delete(child);
      context.signal.removeEventListener('abort', onAbort);
    }
  }

  async #collect(call: RemoteCall, context: ExecutionContext): Promise<ExecutionOutcome> {
    for await (const value of call) context.progress(value);
    const outcome = (await call.result) as
      | { status?: unknown; result?: unknown; error?: BoxedError; context?: unknown }
      | undefined;
    if (outcome?.status === 'returned' && typeof outcome.result === 'string') return { status: 'returned', result: outcome.result };
    if (outcome?.status === 'threw' && outcome.error) {
      const error = revive(outcome.error);
      return typeof outcome.context === 'string' ? { status: 'threw', error, context: outcome.context } : { status: 'threw', error };
    }
    throw new ChildProcessError(`the child answered activity.run with ${JSON.stringify(outcome)?.slice(0, 200)}, not an outcome`);
  }

  /** Why a call failed: the child was stopped, or died, or could not run the task. */
  async #explain(child: PooledChild, error: unknown, context: ExecutionContext): Promise<{ error: unknown; context?: string }> {
    if (error instanceof RemoteError) return { error, context: `child process ${child.pid} could not run the task` };
    const how = await Promise.race([child.exited, sleep(2_000, undefined, { ref: false })]);
    const stderr = child.stderr.toString().trim();
    const tail = stderr ? `\nits stderr ends with:\n${stderr.slice(-2_000)}` : '';
    const stopper = this.#stoppedBy.get(child);
    if (child.stoppedFor && stopper && stopper !== context) {
      const other = stopper.info.activityId;
      return {
        error: new ChildProcessError(
          `child process ${child.pid} was stopped for another task it ran (activity ${other}; concurrencyPerChild ${this.options.concurrencyPerChild}): ${child.stoppedFor}${tail}`,
          { cause: error },
        ),
      };
    }
    if (child.stoppedFor) return { error: new ChildProcessError(`${child.stoppedFor}${tail}`, { cause: error }) };
    if (/heap out of memory|Reached heap limit/i.test(stderr)) {
      return {
        error: new ChildProcessError(
          `child process ${child.pid} ran out of memory: its JavaScript heap reached the memory limit of ${child.memoryLimitMb} MB (memoryLimitMb) and it ${how ?? 'died'}; raise memoryLimitMb or use less${tail}`,
          { cause: error },
        ),
      };
    }
    return {
      error: new ChildProcessError(`child process ${child.pid} ${how ?? 'closed its channel'} while running the task${tail}`, { cause: error }),
    };
  }

  close(options: { force?: boolean } = {}): Promise<void> {
    if (options.force) return this.#pool.close({ force: true });
    this.#closing ??= this.#pool.close();
    return this.#closing;
  }
}

/** The task a call from a child is for: named by its caller id (`child:<pid>/<run callId>`), or the child's only task. */
function taskOf(tasks: Map<number, ExecutionContext>, callerId: string): ExecutionContext | undefined {
  const slash = callerId.lastIndexOf('/');
  if (slash >= 0) return tasks.get(Number(callerId.slice(slash + 1)));
  return tasks.size === 1 ? tasks.values().next().value : undefined;
}

/** Rebuilds the errors the worker reports by class (`SuspendTask`); any other stays a `RemoteError`. */
function revive(boxed: BoxedError): unknown {
  if (boxed.type === 'SuspendTask') return new SuspendTask(boxed.message);
  return unboxError(boxed);
}

/** A child that runs tasks now: since when, how many, and whether a ping to it is on its way. */
interface Busy {
  since: number;
  tasks: number;
  pinging: boolean;
}

/**
 * Pings the busy children and reads their memory; calls `stop` with the reason when one is hung or
 * over its limit. One timer serves every child, and it runs only while some child is busy: a task costs
 * no timer of its own, and an idle worker none at all. A child is looked at once it has been busy for
 * `pingIntervalMs`: short tasks cost neither pings nor reads of its memory.
 */
class ChildWatch {
  readonly #busy = new Map<PooledChild, Busy>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: CompiledProcessExecutorOptions,
    private readonly stop: (child: PooledChild, reason: string) => void,
  ) {}

  /** A task starts on `child`: its silence counts from now if it was idle. */
  taskStarted(child: PooledChild): void {
    const busy = this.#busy.get(child);
    if (busy) {
      busy.tasks++;
      return;
    }
    const now = performance.now();
    child.lastAnswerAt = now;
    this.#busy.set(child, { since: now, tasks: 1, pinging: false });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.o.pingIntervalMs);
      this.#timer.unref();
    }
  }

  /** A task of `child` ended. */
  taskEnded(child: PooledChild): void {
    const busy = this.#busy.get(child);
    if (busy && --busy.tasks === 0) this.#busy.delete(child);
  }

  /** Whether `child` answered a ping lately: auto-heartbeats are sent for it only then. */
  alive(child: PooledChild): boolean {
    return child.usable && performance.now() - child.lastAnswerAt < Math.max(3 * this.o.pingIntervalMs, 3_000);
  }

  #tick(): void {
    if (this.#busy.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = performance.now();
    for (const [child, busy] of this.#busy) {
      if (!child.usable || now - busy.since < this.o.pingIntervalMs) continue;
      const problem = this.#problem(child, now);
      if (problem) {
        this.#busy.delete(child);
        this.stop(child, problem);
        continue;
      }
      if (busy.pinging) continue;
      busy.pinging = true;
      child.peer
        .call('self', 'ping', null)
        .then(
          () => (child.lastAnswerAt = performance.now()),
          () => {},
        )
        .finally(() => (busy.pinging = false));
    }
  }

  /** Why `child` must be stopped, if it must: over its memory ceiling, or silent too long. */
  #problem(child: PooledChild, now: number): string | undefined {
    const rss = residentBytes(child.pid);
    const limit = child.memoryLimitMb;
    // The ceiling: what the child used once started (Node itself, the loader), plus the limit and headroom.
    if (rss !== undefined && rss > child.startRss + (limit + RSS_HEADROOM_MB) * MB) {
      return (
        `child process ${child.pid} grew by ${Math.round((rss - child.startRss) / MB)} MB of resident memory since it started, over its memory limit of ${limit} MB (memoryLimitMb, plus ${RSS_HEADROOM_MB} MB of headroom); ` +
        'its process tree was stopped: raise memoryLimitMb or use less'
      );
    }
    if (now - child.lastAnswerAt > this.o.unresponsiveTimeoutMs) {
      return (
        `child process ${child.pid} answered no ping for ${formatMs(this.o.unresponsiveTimeoutMs)} (unresponsiveTimeoutMs): ` +
        'it is hung or blocked by synchronous work; its process tree was stopped'
      );
    }
    return undefined;
  }
}
