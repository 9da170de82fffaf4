/**
 * flowy-swf/testing: test your activities. {@link MockActivityEnvironment} runs one activity as the worker
 * does, with SWF faked in memory; {@link startTestEnvironment} runs it through a real workflow on an
 * in-process SWF endpoint. See docs/testing.md.
 */
import 'reflect-metadata';

export {
  MockActivityEnvironment,
  type MockActivityEnvironmentOptions,
  type MockHeartbeatAnswer,
  type RecordedHeartbeat,
} from './mock-activity-environment.js';
export {
  startTestEnvironment,
  type RunActivityOptions,
  type TestActivityRun,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from './test-environment.js';
export type { ActivityOutcome, ActivityTimeoutType, HistoryOutcome } from './outcome.js';
