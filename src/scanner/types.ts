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
}

/** What the worker needs of a registry: look an activity type up, and list them all. */
export interface ActivityLookup {
  get(name: string, version: string): ActivityDefinition | undefined;
  /** Every registered activity, sorted by name, then version. */
  list(): ActivityDefinition[];
}
