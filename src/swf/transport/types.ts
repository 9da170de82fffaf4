import type {
  ActivityTask,
  ActivityTaskStatus,
  PollForActivityTaskInput,
  RecordActivityTaskHeartbeatInput,
  RespondActivityTaskCanceledInput,
  RespondActivityTaskCompletedInput,
  RespondActivityTaskFailedInput,
} from '@aws-sdk/client-swf';

/** Which path a transport sends by: the AWS SDK's `SWFClient`, or the lean hot path. */
export type SwfTransportKind = 'sdk' | 'lean';

/**
 * The worker's hot path to SWF: the five operations an activity worker calls for every task. Two
 * implementations share it: {@link sdkTransport} (every call through an `SWFClient` and its middleware)
 * and {@link LeanSwfTransport} (signed with the SDK's signer, sent over a keep-alive pool, no middleware).
 * Errors are the SDK's own exception classes either way (`UnknownResourceFault`, `SWFServiceException`, ...).
 */
export interface SwfTransport {
  /** Which path this is. */
  readonly kind: SwfTransportKind;
  /**
   * Long poll (up to 60 s). An answer without `taskToken` means no task came. `abortSignal` abandons
   * the poll: it rejects at once and its connection is closed.
   */
  pollForActivityTask(input: PollForActivityTaskInput, options?: { abortSignal?: AbortSignal }): Promise<ActivityTask>;
  respondActivityTaskCompleted(input: RespondActivityTaskCompletedInput): Promise<void>;
  respondActivityTaskFailed(input: RespondActivityTaskFailedInput): Promise<void>;
  respondActivityTaskCanceled(input: RespondActivityTaskCanceledInput): Promise<void>;
  recordActivityTaskHeartbeat(input: RecordActivityTaskHeartbeatInput): Promise<ActivityTaskStatus>;
}
