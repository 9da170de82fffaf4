/** Activities: the base class, the per-task context, and the errors an activity throws on purpose. */
export { Activity, bindActivityContext } from './activity.js';
export { SuspendTask } from './errors.js';
export {
  ActivityAbortedError,
  activityContext,
  activityInfo,
  callHost,
  cancellationSignal,
  heartbeat,
  runInActivityContext,
  type ActivityAbortKind,
  type ActivityContext,
  type ActivityInfo,
  type CallHostOptions,
} from './context.js';
