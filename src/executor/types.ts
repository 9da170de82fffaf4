import type { ActivityContext, CallHostOptions } from '../activity/context.js';
import type { ActivityDefinition } from '../scanner/types.js';

/** Where an activity's tasks run: in the worker's own event loop, or in a pooled child process. */
export type ExecutorName = 'inline' | 'process';

/** The names {@link ExecutorName} takes. */
export const EXECUTOR_NAMES: readonly ExecutorName[] = ['inline', 'process'];

/** What a logger must have for the executors (the worker's logger fits). */
export interface ExecutorLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/**
 * The task's side of an execution, given by the worker: the activity's context plus what an executor
 * reports back while the task runs.
 */
export interface ExecutionContext extends ActivityContext {
  callHost(namespace: string, func: string, args?: unknown, options?: CallHostOptions): Promise<unknown>;
  readonly log: ExecutorLogger;
  /** A value the activity yielded: progress, sent as heartbeat details (coalesced), logged, counted, emitted. */
  progress(value: unknown): void;
  /**
   * Automatic heartbeats (`autoHeartbeat`) go out only while `alive()` is true: a child process that no
   * longer answers is not covered for.
   */
  vouchFor(alive: () => boolean): void;
}

/**
 * How running the activity ended, before anything is reported: the encoded result, or what was thrown
 * and, when it was not `run` that threw, the step that did (`deserializeArguments threw`).
 */
export type ExecutionOutcome =
  | { readonly status: 'returned'; readonly result: string }
  | { readonly status: 'threw'; readonly error: unknown; readonly context?: string };

/** One progress value an activity yielded, as the worker's `onProgress` gets it. */
export interface ActivityProgress {
  readonly activityType: { readonly name: string; readonly version: string };
  readonly activityId: string;
  readonly workflowExecution: { readonly workflowId: string; readonly runId: string };
  /** The value as yielded. */
  readonly value: unknown;
  /** The heartbeat details it became: a string as is, anything else as JSON, cut to fit 2,048 characters. */
  readonly details: string;
}

/** Runs activity tasks somewhere. The worker decides when a task runs and how it is reported. */
export interface TaskExecutor {
  readonly name: ExecutorName;
  /**
   * Builds the activity, decodes `input`, runs it in `context`, encodes the result. Never rejects; may
   * answer at once (no promise) when nothing was awaited.
   */
  execute(definition: ActivityDefinition, input: string | undefined, context: ExecutionContext): ExecutionOutcome | Promise<ExecutionOutcome>;
  /** Stops what the executor started (child processes); `force` kills at once. Idempotent. */
  close(options?: { force?: boolean }): Promise<void>;
}
