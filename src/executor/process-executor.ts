/**
 * Runs activities in pooled child processes. The worker still decides when a task runs and how it is
 * reported; this executor moves the run itself across a communicator, watches the child (pings,
 * memory) and stops its process tree when the task's signal aborts or the child misbehaves.
 */
import { SuspendTask } from '../activity/errors.js';
import { RemoteError, unboxError, type BoxedError, type HandlerLookup, type RemoteCall } from '../ipc/index.js';
import { ConfigurationError } from '../swf/errors.js';
import type { ActivityDefinition } from '../scanner/types.js';
import { ChildProcessError, type PooledChild } from './child-process.js';
import type { HostFunctions } from './host-functions.js';
import { compileProcessExecutorOptions, type CompiledProcessExecutorOptions, type ProcessExecutorOptions } from './options.js';
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
  /** One watch per busy child, shared by its tasks. */
  readonly #watches = new Map<PooledChild, { watch: ChildWatch; tasks: number }>();
  /** The task whose cancel grace ran out, for each child stopped for that reason. */
  readonly #stoppedBy = new WeakMap<PooledChild, ExecutionContext>();
  #closing: Promise<void> | undefined;

  constructor(options: ProcessExecutorOptions, hostFunctions: HostFunctions, log: ExecutorLogger) {
    this.options = compileProcessExecutorOptions(options);
    this.#pool = new ChildPool(this.options, log, (child) => this.#hostLookup(child, hostFunctions));
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
    let watched = this.#watches.get(child);
    if (!watched) {
      const o = this.options;
      watched = { watch: new ChildWatch(child, o, (reason) => void child.terminate(reason, o.killGraceMs)), tasks: 0 };
      this.#watches.set(child, watched);
    }
    watched.tasks++;
    try {
      return await this.#run(child, definition.file, definition, input, context, watched.watch);
    } finally {
      if (--watched.tasks === 0) {
        watched.watch.dispose();
        this.#watches.delete(child);
      }
      this.#pool.release(child);
    }
  }

  async #run(
    child: PooledChild,
    file: string,
    definition: ActivityDefinition,
    input: string | undefined,
    context: ExecutionContext,
    watch: ChildWatch,
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
    context.vouchFor(() => watch.alive());
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
    const ackTimer = setTimeout(() => {
      void child.terminate(`child process ${child.pid} did not acknowledge the task within ${formatMs(o.ackTimeoutMs)} (ackTimeoutMs)`, o.killGraceMs);
    }, o.ackTimeoutMs);
    void call.ack.then(() => clearTimeout(ackTimer), () => clearTimeout(ackTimer));
    try {
      return await this.#collect(call, context);
    } catch (error) {
      return { status: 'threw', ...(await this.#explain(child, error, context)) };
    } finally {
      clearTimeout(ackTimer);
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
    const how = await Promise.race([child.exited, new Promise<undefined>((r) => setTimeout(r, 2_000, undefined))]);
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

/** Pings a busy child and reads its memory; calls `stop` with the reason when it is hung or over its limit. */
class ChildWatch {
  readonly #timer: NodeJS.Timeout;
  #inFlight = false;
  #stopped = false;

  constructor(
    private readonly child: PooledChild,
    private readonly o: CompiledProcessExecutorOptions,
    private readonly onProblem: (reason: string) => void,
  ) {
    child.lastAnswerAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), o.pingIntervalMs);
    this.#timer.unref();
  }

  /** Whether the child answered a ping lately: auto-heartbeats are sent for it only then. */
  alive(): boolean {
    return this.child.usable && performance.now() - this.child.lastAnswerAt < Math.max(3 * this.o.pingIntervalMs, 3_000);
  }

  #tick(): void {
    if (this.#stopped || !this.child.usable) return;
    const rss = residentBytes(this.child.pid);
    const limit = this.child.memoryLimitMb;
    // The ceiling: what the child used once started (Node itself, the loader), plus the limit and headroom.
    if (rss !== undefined && rss > this.child.startRss + (limit + RSS_HEADROOM_MB) * MB) {
      this.#end(
        `child process ${this.child.pid} grew by ${Math.round((rss - this.child.startRss) / MB)} MB of resident memory since it started, over its memory limit of ${limit} MB (memoryLimitMb, plus ${RSS_HEADROOM_MB} MB of headroom); ` +
          'its process tree was stopped: raise memoryLimitMb or use less',
      );
      return;
    }
    const silentMs = performance.now() - this.child.lastAnswerAt;
    if (silentMs > this.o.unresponsiveTimeoutMs) {
      this.#end(
        `child process ${this.child.pid} answered no ping for ${formatMs(this.o.unresponsiveTimeoutMs)} (unresponsiveTimeoutMs): ` +
          'it is hung or blocked by synchronous work; its process tree was stopped',
      );
      return;
    }
    if (this.#inFlight) return;
    this.#inFlight = true;
    this.child.peer
      .call('self', 'ping', null)
      .then(
        () => (this.child.lastAnswerAt = performance.now()),
        () => {},
      )
      .finally(() => (this.#inFlight = false));
  }

  #end(reason: string): void {
    this.dispose();
    this.onProblem(reason);
  }

  /** Stops watching. */
  dispose(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
