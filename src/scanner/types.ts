import type { Activity } from '../activity/activity.js';

/** A timeout in whole seconds, or `'NONE'` for no limit. */
export type TimeoutSeconds = number | 'NONE';

/** Default timeouts of an activity type, as given to `@activity`. All are defaults a decider may override. */
export interface ActivityTimeouts {
  /** Most seconds between two heartbeats. @default 'NONE' (no heartbeat timeout) */
  heartbeat?: TimeoutSeconds;
  /** Seconds from scheduled to closed. @default 420 */
  scheduleToClose?: TimeoutSeconds;
  /** Seconds a task may wait in the task list. @default 120 */
  scheduleToStart?: TimeoutSeconds;
  /** Seconds from started to closed. @default 300 */
  startToClose?: TimeoutSeconds;
}

/** Options of `@activity` besides the timeouts: where its tasks run. */
export interface ActivityExecutionOptions {
  /**
   * Where this activity's tasks run: `'inline'` in the worker's event loop, `'process'` in a pooled child
   * process (isolated: CPU-bound work, crashes and memory do not reach the worker). @default the worker's `executor` ('inline')
   */
  executor?: 'inline' | 'process';
  /** With `executor: 'process'`: the child's memory limit in MB (V8 heap and resident memory). @default the worker's (1024) */
  memoryLimitMb?: number;
}

/** The last argument of `@activity`: default timeouts and execution options. */
export interface ActivityOptions extends ActivityTimeouts, ActivityExecutionOptions {}

/** A concrete subclass of {@link Activity} with a no-argument constructor. */
export type ActivityClass = new () => Activity;

/**
 * An activity type as the registry holds it: SWF's identity (name, version), the defaults it is
 * registered with, and the class that runs its tasks. Timeouts are SWF strings: whole seconds or `NONE`.
 */
export interface ActivityDefinition {
  readonly name: string;
  readonly version: string;
  readonly taskList: string;
  readonly defaults: {
    readonly heartbeatTimeout: string;
    readonly scheduleToCloseTimeout: string;
    readonly scheduleToStartTimeout: string;
    readonly startToCloseTimeout: string;
  };
  readonly activityClass: ActivityClass;
  /** Where its tasks run, when `@activity` said; otherwise the worker's default. */
  readonly executor?: 'inline' | 'process';
  /** The child's memory limit in MB, when `@activity` said. */
  readonly memoryLimitMb?: number;
  /** The module file the class was found in, when {@link scan} found it: what a child process imports. */
  readonly file?: string;
}

/** What the worker needs of a registry: look an activity type up, and list them all. */
export interface ActivityLookup {
  get(name: string, version: string): ActivityDefinition | undefined;
  /** Every registered activity, sorted by name, then version. */
  list(): ActivityDefinition[];
}
