import { decodeFlowyInput, encodeJsonResult } from '../swf/codec.js';
import { FlowySwfError } from '../swf/errors.js';
import { callHostOf, type ActivityContext, type ActivityInfo } from './context.js';

const contexts = new WeakMap<Activity, ActivityContext>();

/** @internal Gives an activity instance the context of the task it runs. */
export function bindActivityContext(activity: Activity, context: ActivityContext): void {
  contexts.set(activity, context);
}

function contextOf(activity: Activity): ActivityContext {
  const context = contexts.get(activity);
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
   * Calls a function the worker serves to its tasks (see `registerHostFunction`), in the worker's
   * process or from a child process alike.
   */
  callHost(namespace: string, func: string, args?: unknown): Promise<unknown> {
    return callHostOf(contextOf(this), namespace, func, args);
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
