import { decodeFlowyInput, encodeJsonResult } from '../swf/codec.js';
import { FlowySwfError } from '../swf/errors.js';
import { messagingOf } from '../messaging/port.js';
import type { ReceivedMessage, ReceiveMessageOptions, SendMessageOptions } from '../messaging/types.js';
import { callHostOf, type ActivityContext, type ActivityInfo, type CallHostOptions } from './context.js';
import type { CallbackHandle, DelegateOptions } from '../delegation/delegator.js';
import { notConfiguredError } from '../delegation/delegator.js';

// On the instance, under a key that is one per process: a worker of another copy of flowy-swf binds the
// activities it runs here too. (A property costs the task path less than a WeakMap entry, which every
// garbage collection must also visit.)
const CONTEXT = Symbol.for('flowy-swf.activity-context');
type Bound = Activity & { [CONTEXT]?: ActivityContext };

/** @internal Gives an activity instance the context of the task it runs. */
export function bindActivityContext(activity: Activity, context: ActivityContext): void {
  (activity as Bound)[CONTEXT] = context;
}

function contextOf(activity: Activity): ActivityContext {
  const context = (activity as Bound)[CONTEXT];
  if (!context) {
    throw new FlowySwfError(
      `${activity.constructor.name} is not running a task: token, info, signal and heartbeat() exist only while the worker runs it`,
    );
  }
  return context;
}

/**
 * The base class of every activity. Override {@link Activity.run}; register the class with `@activity`.
 *
 * One instance runs one task. Input is decoded by {@link Activity.deserializeArguments} (Flowy's
 * `[args, kwargs]` by default) and the value `run` returns is encoded by {@link Activity.serializeResult}
 * (JSON by default).
 */
export abstract class Activity {
  /** Does the work. May be sync or async and take any arguments; the return value is the result. */
  abstract run(...args: any[]): unknown;

  /** The task token: identifies this task to the async scheduler. A credential: never log it whole. */
  get token(): string {
    return contextOf(this).taskToken;
  }

  /** What SWF said about this task: activity id and type, workflow execution, task list, domain. */
  get info(): ActivityInfo {
    return contextOf(this).info;
  }

  /** Aborted when the task is cancelled, closed or timed out, or the worker is shutting down. */
  get signal(): AbortSignal {
    return contextOf(this).signal;
  }

  /**
   * Reports progress to SWF. Resolves `false` when the activity should stop: the workflow asked to
   * cancel it, or the task timed out or was closed. Calls are coalesced: at most one is in flight and
   * the newest details win. Details: a string as is, anything else as JSON; at most 2,048 characters.
   */
  heartbeat(details?: unknown): Promise<boolean> {
    return contextOf(this).heartbeat(details);
  }

  /**
   * A callback id and URL that let a third party finish this task over HTTP (`PUT <url>` with
   * `{ state: 'SUCCESS', output }`), without ever seeing the task token. Hand it over, then throw
   * `SuspendTask`. Rejects with `ConfigurationError` when the worker has no callback settings. See docs/delegation.md.
   */
  delegate(options?: DelegateOptions): Promise<CallbackHandle> {
    const context = contextOf(this);
    return context.delegate ? context.delegate(options) : Promise.reject(notConfiguredError());
  }

  /**
   * Sends `data` (any JSON value, at most 256 KiB as JSON) to `addressee` of running invocation
   * `invocationId`; resolves once a receiver took it. Rejects with `MessageSendError` and a `code`.
   * See {@link sendMessage} and docs/messaging.md.
   */
  sendMessage(invocationId: string, addressee: string, data: unknown, options?: SendMessageOptions): Promise<void> {
    return messagingOf(contextOf(this)).send(invocationId, addressee, data, options);
  }

  /**
   * Waits for one message on `addressee` of this task's invocation (`this.info.invocationId`).
   * Rejects with `MessageReceiveTimeout` after `timeoutSeconds`. See {@link receiveMessage}.
   */
  receiveMessage<T = unknown>(addressee: string, options?: ReceiveMessageOptions): Promise<ReceivedMessage<T>> {
    return messagingOf(contextOf(this)).receive<T>(addressee, options);
  }

  /**
   * Calls a function the worker serves to its tasks (see `registerHostFunction`), in the worker's
   * process or from a child process alike.
   */
  callHost(namespace: string, func: string, args?: unknown, options?: CallHostOptions): Promise<unknown> {
    return callHostOf(contextOf(this), namespace, func, args, options);
  }

  /**
   * Turns the task's input into the arguments of `run`. Default: Flowy's `[args, kwargs]`, `args`
   * spread and a non-empty `kwargs` as one last argument. Flowy's `_deserialize_arguments`.
   */
  deserializeArguments(input: string | undefined): unknown[] {
    return decodeFlowyInput(input);
  }

  /** Turns the value `run` returned into the task's result. Default: JSON, `undefined` as `null`. Flowy's `_serialize_result`. */
  serializeResult(result: unknown): string {
    return encodeJsonResult(result);
  }
}
