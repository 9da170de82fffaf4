/**
 * How an activity task ended, as the worker reports it to SWF.
 * - `completed`: `RespondActivityTaskCompleted` with `result`, the encoded result (JSON by default: `JSON.parse` it).
 * - `failed`: `RespondActivityTaskFailed` with `reason` (`Name: message`, at most 256 characters) and `details`
 *   (JSON `{type, message, stack, cause}` for a thrown error).
 * - `canceled`: `RespondActivityTaskCanceled`, after a cancel request, with the thrown error as JSON `details`.
 * - `suspended`: the activity threw `SuspendTask`; the worker freed its slot and sent nothing.
 * - `timed-out`: the task timed out or was closed in SWF; the worker sent nothing (SWF would take nothing).
 */
export type ActivityOutcome =
  | { readonly status: 'completed'; readonly result: string }
  | { readonly status: 'failed'; readonly reason: string; readonly details: string | undefined }
  | { readonly status: 'canceled'; readonly details: string | undefined }
  | { readonly status: 'suspended' }
  | { readonly status: 'timed-out' };

/** SWF's activity time-out types, as `ActivityTaskTimedOut` names them. */
export type ActivityTimeoutType = 'START_TO_CLOSE' | 'SCHEDULE_TO_START' | 'SCHEDULE_TO_CLOSE' | 'HEARTBEAT';

/**
 * How an activity task ended, as a workflow's history records it (the last event of the activity).
 * - `completed`: `ActivityTaskCompleted`; `result` is what the worker sent (`undefined` when nothing was).
 * - `failed`: `ActivityTaskFailed` with `reason` and `details`.
 * - `canceled`: `ActivityTaskCanceled` with `details`.
 * - `timed-out`: `ActivityTaskTimedOut` with its `timeoutType` and the last heartbeat's `details`.
 */
export type HistoryOutcome =
  | { readonly status: 'completed'; readonly result: string | undefined }
  | { readonly status: 'failed'; readonly reason: string | undefined; readonly details: string | undefined }
  | { readonly status: 'canceled'; readonly details: string | undefined }
  | { readonly status: 'timed-out'; readonly timeoutType: ActivityTimeoutType; readonly details: string | undefined };
