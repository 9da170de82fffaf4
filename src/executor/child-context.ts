import { ActivityAbortedError, type ActivityAbortKind, type ActivityContext, type ActivityInfo } from '../activity/context.js';
import { RemoteError, type Peer } from '../ipc/index.js';

const KINDS = new Set<string>(['cancelled', 'closed', 'shutdown']);

/**
 * The per-task context inside a child process: every part of it is a call to the worker. `heartbeat()`
 * calls the host function `task.heartbeat`, `callHost()` any other; the signal aborts when the worker
 * cancels the task's call, with the worker's `ActivityAbortedError` kind.
 * @internal
 */
export class ChildTaskContext implements ActivityContext {
  readonly #controller = new AbortController();
  /** Who calls for this task: `child:<pid>/<callId of its activity.run>`, so a worker can tell tasks of one child apart. */
  readonly #callerId: string;

  constructor(
    private readonly peer: Peer,
    readonly taskToken: string,
    readonly info: ActivityInfo,
    callSignal: AbortSignal,
    runCallId: number,
  ) {
    this.#callerId = `child:${process.pid}/${runCallId}`;
    const onAbort = (): void => {
      const reason: unknown = callSignal.reason;
      const kind = reason instanceof RemoteError && reason.kind && KINDS.has(reason.kind) ? (reason.kind as ActivityAbortKind) : undefined;
      this.#controller.abort(kind ? new ActivityAbortedError(kind, reason instanceof Error ? reason.message : undefined) : reason);
    };
    if (callSignal.aborted) onAbort();
    else callSignal.addEventListener('abort', onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  async heartbeat(details?: unknown): Promise<boolean> {
    if (this.#controller.signal.aborted || !this.peer.isOpen) return false;
    return (await this.peer.call('task', 'heartbeat', details === undefined ? {} : { details }, { callerId: this.#callerId })) === true;
  }

  callHost(namespace: string, func: string, args?: unknown): Promise<unknown> {
    return this.peer.call(namespace, func, args ?? null, { callerId: this.#callerId });
  }
}
