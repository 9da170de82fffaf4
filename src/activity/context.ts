import { AsyncLocalStorage } from 'node:async_hooks';
import { FlowySwfError } from '../swf/errors.js';
import type { CallbackHandle, DelegateOptions } from '../delegation/delegator.js';
import type { InvocationMessaging } from '../messaging/types.js';
import { brandOf, isBranded, processSingleton } from './shared.js';

/** What SWF told the worker about the task being run. */
export interface ActivityInfo {
  readonly activityId: string;
  readonly activityType: { readonly name: string; readonly version: string };
  readonly workflowExecution: { readonly workflowId: string; readonly runId: string };
  readonly startedEventId: number;
  readonly taskList: string;
  readonly domain: string;
  /**
   * This run's invocation id: `inv-` and 22 base64url characters, new for every task the worker runs
   * (a retry of the same activity gets a new one), unique across workers, safe in SWF input. Pass it
   * to another activity so that one can send messages here (docs/messaging.md).
   */
  readonly invocationId: string;
}

/** Why a task's signal was aborted; decides how the worker reports the task. */
export type ActivityAbortKind =
  /** SWF answered a heartbeat with `cancelRequested: true`. */
  | 'cancelled'
  /** The task timed out or was closed: SWF answered `UnknownResourceFault`. */
  | 'closed'
  /** The worker is shutting down and the grace period ran out. */
  | 'shutdown';

const ABORTED_BRAND = brandOf('ActivityAbortedError');

/**
 * The reason an activity's `signal` is aborted with. `instanceof` holds for one made by any copy of
 * flowy-swf in the process (the worker's copy and the one your activities import may differ).
 */
export class ActivityAbortedError extends FlowySwfError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, ActivityAbortedError, ABORTED_BRAND, value);
  }
  override name = 'ActivityAbortedError';
  readonly [ABORTED_BRAND] = true;
  constructor(readonly kind: ActivityAbortKind, message?: string) {
    super(message ?? defaultMessage(kind));
  }
}

function defaultMessage(kind: ActivityAbortKind): string {
  switch (kind) {
    case 'cancelled':
      return 'the workflow requested cancellation of this activity task';
    case 'closed':
      return 'the task timed out or was closed; SWF will not take a result for it any more';
    case 'shutdown':
      return 'the worker is shutting down and the grace period ran out';
  }
}

/** Options of a host function call. */
export interface CallHostOptions {
  /** Abandons the call when it aborts, besides the task's own signal. @default the task's signal only */
  readonly signal?: AbortSignal;
}

/** The per-task context the worker gives each running activity. */
export interface ActivityContext {
  /** The task token: a credential, never log it whole. */
  readonly taskToken: string;
  readonly info: ActivityInfo;
  /** Aborted, with an {@link ActivityAbortedError}, when the task is cancelled, closed, or the worker shuts down. */
  readonly signal: AbortSignal;
  /**
   * Records a heartbeat with optional details (a string as is, anything else as JSON, at most 2,048
   * characters). Resolves `false` when the activity should stop: cancel requested, task closed.
   */
  heartbeat(details?: unknown): Promise<boolean>;
  /**
   * Seals this task's token into a callback id for a third party (see docs/delegation.md). Absent where
   * the task runs without a worker's callback settings.
   */
  delegate?(options?: DelegateOptions): Promise<CallbackHandle>;
  /** Sends and receives messages as this invocation; absent in a context no worker made. */
  readonly messaging?: InvocationMessaging;
  /**
   * Calls a function the worker serves to its tasks (see `registerHostFunction`), wherever the task runs:
   * in the worker's own process it is called directly, from a child process over its communicator.
   * Optional for contexts built by hand (tests); the worker's contexts always have it. `options.signal`
   * abandons the call when it aborts (the host function's signal aborts with it).
   */
  callHost?(namespace: string, func: string, args?: unknown, options?: CallHostOptions): Promise<unknown>;
}

// One store per process, so heartbeat() and cancellationSignal() of any copy of flowy-swf see the task a
// worker of any other copy runs.
const storage = processSingleton(
  'activity-storage',
  () => new AsyncLocalStorage<ActivityContext>(),
  (v) => typeof (v as { run?: unknown }).run === 'function' && typeof (v as { getStore?: unknown }).getStore === 'function',
);

// Activity runs under way in this process, shared like the store: the store is on while one is.
const runs = processSingleton(
  'activity-runs',
  () => ({ count: 0 }),
  (v) => typeof (v as { count?: unknown }).count === 'number',
);

/** @internal Runs `fn` with `context` as the current activity context (and switches the store on). */
export function runInActivityContext<T>(context: ActivityContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * @internal Marks the start of one activity's run in this process; returns its end (which may be called
 * more than once). The context store is switched on by {@link runInActivityContext} and off when the
 * last run under way ends. While it is on, Node runs its promise hooks for every promise of the process,
 * the worker's and the transport's included: at concurrency 1 that cost the loop to SWF about a third
 * more CPU, so it is on only while activity code may still run and ask for its context.
 */
export function beginActivityRun(): () => void {
  runs.count++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--runs.count === 0) storage.disable();
  };
}

/** The context of the activity task running in this async flow; throws outside one. */
export function activityContext(): ActivityContext {
  const context = storage.getStore();
  if (!context) {
    throw new FlowySwfError(
      'no activity task is running here: call heartbeat(), cancellationSignal() and activityInfo() from code that run() calls',
    );
  }
  return context;
}

/** Heartbeats the current task; see {@link ActivityContext.heartbeat}. */
export function heartbeat(details?: unknown): Promise<boolean> {
  return activityContext().heartbeat(details);
}

/** The current task's abort signal; see {@link ActivityContext.signal}. */
export function cancellationSignal(): AbortSignal {
  return activityContext().signal;
}

/** The current task's {@link ActivityInfo}. */
export function activityInfo(): ActivityInfo {
  return activityContext().info;
}

/** Calls a host function for the current task; see {@link ActivityContext.callHost}. */
export function callHost(namespace: string, func: string, args?: unknown, options?: CallHostOptions): Promise<unknown> {
  return callHostOf(activityContext(), namespace, func, args, options);
}

/** @internal Calls a host function through `context`, or rejects naming why it cannot. */
export function callHostOf(context: ActivityContext, namespace: string, func: string, args?: unknown, options?: CallHostOptions): Promise<unknown> {
  if (typeof context.callHost !== 'function') {
    return Promise.reject(new FlowySwfError(`this task's context serves no host functions: ${namespace}.${func} cannot be called from here`));
  }
  return options === undefined ? context.callHost(namespace, func, args) : context.callHost(namespace, func, args, options);
}
