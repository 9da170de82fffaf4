import type { ActivityTask } from '@aws-sdk/client-swf';
import { TaskClosedError } from '../swf/errors.js';
import { encodeFailure, fitDetails, truncate, type EncodedFailure } from '../swf/failure.js';
import { SWF_LIMITS } from '../swf/limits.js';
import { respondFailed, type RespondOutcome } from '../swf/respond.js';
import type { TaskOutcome } from './metrics.js';
import type { CompiledWorkerOptions, WorkerLogger } from './options.js';
import type { TaskRunnerShared } from './task-runner.js';

/** @internal The three calls that close a task. */
export type RespondOperation = 'RespondActivityTaskCompleted' | 'RespondActivityTaskFailed' | 'RespondActivityTaskCanceled';

/** @internal The task a response is for: its token, and its logger (made on first use). */
export interface RespondingTask {
  readonly taskToken: string;
  readonly log: WorkerLogger;
}

/**
 * @internal Makes the respond `call` and tells what became of the task: `outcome` when SWF took it,
 * `timed-out` when the task was already closed, `failed` when SWF refused it (a refused result is
 * reported as a failure instead, so the decider hears now, not at the timeout). Never rejects.
 */
export function respondTask(
  task: RespondingTask,
  shared: TaskRunnerShared,
  operation: RespondOperation,
  outcome: TaskOutcome,
  call: () => Promise<RespondOutcome>,
): Promise<TaskOutcome> {
  let answer: Promise<RespondOutcome>;
  try {
    answer = call();
  } catch (error) {
    answer = Promise.reject(error);
  }
  // `then`, not an async frame: the common case (SWF took it) is one reaction.
  return answer.then(
    (applied) => {
      shared.options.metrics.swfCall(operation, 'ok');
      if (applied === 'probably-applied') {
        task.log.info({ operation }, `${operation}: an earlier attempt went through; the task was already closed by it`);
      }
      return outcome;
    },
    (error: unknown) => refused(task, shared, operation, error),
  );
}

/** What became of a task whose respond call failed with `error`. */
function refused(task: RespondingTask, shared: TaskRunnerShared, operation: RespondOperation, error: unknown): Promise<TaskOutcome> | TaskOutcome {
  const { metrics } = shared.options;
  metrics.swfCall(operation, 'error');
  if (error instanceof TaskClosedError) {
    task.log.warn({ operation }, `${operation}: the task timed out or was closed in SWF before the response; it is lost`);
    return 'timed-out';
  }
  if (operation === 'RespondActivityTaskCompleted') {
    task.log.error({ err: error, operation }, `${operation} was refused; failing the task instead`);
    // SWF refused the result itself (validation): fail the task so the decider hears now, not at timeout.
    return respondTask(task, shared, 'RespondActivityTaskFailed', 'failed', () => {
      const failure = encodeFailure(error);
      return respondFailed(
        shared.options.transport,
        task.taskToken,
        `SWF refused the result: ${failure.reason}`,
        failure.details,
        shared.retry.RespondActivityTaskFailed,
      );
    });
  }
  task.log.error({ err: error, operation }, `${operation} was refused; the task is left to time out`);
  return 'failed';
}

/** @internal The failure of a task whose type this worker does not know, naming the types it knows. */
export function unknownTypeFailure(task: ActivityTask, options: CompiledWorkerOptions): { message: string; known: string[]; failure: EncodedFailure } {
  const name = task.activityType?.name ?? '';
  const version = task.activityType?.version ?? '';
  const known = options.registry.list().map((d) => `${d.name}@${d.version}`);
  const message = `unknown activity type ${JSON.stringify(name)} version ${JSON.stringify(version)}: this worker (task list ${options.taskList}) knows ${known.length > 0 ? known.join(', ') : 'no activity types'}`;
  const failure = {
    reason: truncate(message, SWF_LIMITS.reason),
    details: fitDetails({ type: 'UnknownActivityType', message, name, version, known }),
  };
  return { message, known, failure };
}
