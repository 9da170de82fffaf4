import { ActivityAbortedError, type ActivityAbortKind, type ActivityContext, type ActivityInfo, type CallHostOptions } from '../activity/context.js';
import { RemoteError, type CallContext, type Peer } from '../ipc/index.js';
import { hostCallMessaging } from '../messaging/port.js';
import type { InvocationMessaging } from '../messaging/types.js';

const KINDS = new Set<string>(['cancelled', 'closed', 'shutdown']);

/**
 * The per-task context inside a child process: every part of it is a call to the worker. `heartbeat()`
 * calls the host function `task.heartbeat`, `messaging` sends and receives through `messaging.send` /
 * `messaging.receive` (as the invocation the worker registered), `callHost()` any other; the signal aborts when the worker
 * cancels the task's call, with the worker's `ActivityAbortedError` kind.
 * @internal
 */
export class ChildTaskContext implements ActivityContext {
  /** Made when the task first looks at its signal: a task that never does costs no controller. */
  #controller: AbortController | undefined;
  #messaging: InvocationMessaging | undefined;
  /** Who calls for this task: `child:<pid>/<callId of its activity.run>`, so a worker can tell tasks of one child apart. */
  readonly #callerId: string;

  constructor(
    private readonly peer: Peer,
    readonly taskToken: string,
    readonly info: ActivityInfo,
    /** The `activity.run` call this task is: its signal aborts when the worker cancels it. */
    private readonly call: CallContext,
  ) {
    this.#callerId = `child:${process.pid}/${call.callId}`;
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = (this.#controller = new AbortController());
    const callSignal = this.call.signal;
    const onAbort = (): void => {
      const reason: unknown = callSignal.reason;
      const kind = reason instanceof RemoteError && reason.kind && KINDS.has(reason.kind) ? (reason.kind as ActivityAbortKind) : undefined;
      controller.abort(kind ? new ActivityAbortedError(kind, reason instanceof Error ? reason.message : undefined) : reason);
    };
    if (callSignal.aborted) onAbort();
    else callSignal.addEventListener('abort', onAbort, { once: true });
    return controller.signal;
  }

  async heartbeat(details?: unknown): Promise<boolean> {
    if (this.signal.aborted || !this.peer.isOpen) return false;
    return (await this.peer.call('task', 'heartbeat', details === undefined ? {} : { details }, { callerId: this.#callerId })) === true;
  }

  /** Sends and receives as this task's invocation: every call is a host function call to the worker. */
  get messaging(): InvocationMessaging {
    return (this.#messaging ??= hostCallMessaging((name, args) => {
      const [ns, func] = name.split('.') as [string, string];
      return this.callHost(ns, func, args);
    }));
  }

  callHost(namespace: string, func: string, args?: unknown, options?: CallHostOptions): Promise<unknown> {
    // Abandoning the call (its signal aborts) cancels it in the worker, whose host function sees its signal abort.
    const signal = options?.signal;
    return this.peer.call(namespace, func, args ?? null, signal ? { callerId: this.#callerId, signal } : { callerId: this.#callerId });
  }
}
