/** The test environment's workflow: schedule one activity, close once it has closed. @internal */
import {
  PollForDecisionTaskCommand,
  RespondDecisionTaskCompletedCommand,
  type Decision,
  type HistoryEvent,
  type SWFClient,
} from '@aws-sdk/client-swf';
import type { ActivityTimeoutType, HistoryOutcome } from './outcome.js';

/** What the workflow's input asks for: one activity task. */
export interface OneActivityPlan {
  readonly activityId: string;
  readonly activityType: { readonly name: string; readonly version: string };
  readonly input: string;
  /** SWF duration strings; absent ones fall back to the type's registered defaults. */
  readonly timeouts: {
    readonly heartbeatTimeout?: string;
    readonly scheduleToCloseTimeout?: string;
    readonly scheduleToStartTimeout?: string;
    readonly startToCloseTimeout?: string;
  };
}

/** The signal that asks the workflow to request cancellation of its activity. */
export const CANCEL_SIGNAL = 'flowy-test.cancel';

/** The last event of the activity, read as an outcome; `undefined` while it is open. */
export function outcomeOf(events: readonly HistoryEvent[]): HistoryOutcome | undefined {
  for (const event of events) {
    switch (event.eventType) {
      case 'ActivityTaskCompleted':
        return { status: 'completed', result: event.activityTaskCompletedEventAttributes?.result };
      case 'ActivityTaskFailed': {
        const a = event.activityTaskFailedEventAttributes;
        return { status: 'failed', reason: a?.reason, details: a?.details };
      }
      case 'ActivityTaskCanceled':
        return { status: 'canceled', details: event.activityTaskCanceledEventAttributes?.details };
      case 'ActivityTaskTimedOut': {
        const a = event.activityTaskTimedOutEventAttributes;
        return { status: 'timed-out', timeoutType: a?.timeoutType as ActivityTimeoutType, details: a?.details };
      }
      default:
        break;
    }
  }
  return undefined;
}

/** Why the activity could not be scheduled, from `ScheduleActivityTaskFailed`; `undefined` when it was. */
export function scheduleFailure(events: readonly HistoryEvent[]): string | undefined {
  const failed = events.find((e) => e.eventType === 'ScheduleActivityTaskFailed')?.scheduleActivityTaskFailedEventAttributes;
  return failed ? `${failed.cause ?? 'unknown cause'} (activity type ${failed.activityType?.name} ${failed.activityType?.version})` : undefined;
}

/** The decisions for a run whose whole history is `events`: stateless, so any decision task can be answered. */
export function decide(events: readonly HistoryEvent[]): Decision[] {
  const started = events.find((e) => e.eventType === 'WorkflowExecutionStarted');
  const plan = JSON.parse(started?.workflowExecutionStartedEventAttributes?.input ?? '{}') as OneActivityPlan;
  const failure = scheduleFailure(events);
  if (failure) {
    return [{ decisionType: 'FailWorkflowExecution', failWorkflowExecutionDecisionAttributes: { reason: 'ScheduleActivityTaskFailed', details: failure } }];
  }
  if (outcomeOf(events)) return [{ decisionType: 'CompleteWorkflowExecution', completeWorkflowExecutionDecisionAttributes: {} }];
  if (!events.some((e) => e.eventType === 'ActivityTaskScheduled')) {
    return [
      {
        decisionType: 'ScheduleActivityTask',
        scheduleActivityTaskDecisionAttributes: {
          activityId: plan.activityId,
          activityType: { ...plan.activityType },
          input: plan.input,
          ...plan.timeouts,
        },
      },
    ];
  }
  const cancelAsked = events.some((e) => e.eventType === 'WorkflowExecutionSignaled' && e.workflowExecutionSignaledEventAttributes?.signalName === CANCEL_SIGNAL);
  const cancelSent = events.some((e) => e.eventType === 'ActivityTaskCancelRequested');
  if (cancelAsked && !cancelSent) {
    return [{ decisionType: 'RequestCancelActivityTask', requestCancelActivityTaskDecisionAttributes: { activityId: plan.activityId } }];
  }
  return [];
}

/**
 * Polls `taskList` and answers every decision task with {@link decide} until `signal` aborts; calls
 * `onClosed` with the whole history of each run it closes.
 */
export async function runDecider(
  client: Pick<SWFClient, 'send'>,
  domain: string,
  taskList: string,
  signal: AbortSignal,
  onClosed: (workflowId: string, events: HistoryEvent[]) => void,
  onError: (error: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const events: HistoryEvent[] = [];
      let task = await client.send(new PollForDecisionTaskCommand({ domain, taskList: { name: taskList }, identity: 'flowy-test-decider' }));
      if (!task.taskToken || signal.aborted) continue;
      const taskToken = task.taskToken;
      const workflowId = task.workflowExecution?.workflowId ?? '';
      events.push(...(task.events ?? []));
      while (task.nextPageToken) {
        task = await client.send(
          new PollForDecisionTaskCommand({ domain, taskList: { name: taskList }, identity: 'flowy-test-decider', nextPageToken: task.nextPageToken }),
        );
        events.push(...(task.events ?? []));
      }
      const decisions = decide(events);
      await client.send(new RespondDecisionTaskCompletedCommand({ taskToken, decisions }));
      if (decisions.some((d) => d.decisionType === 'CompleteWorkflowExecution' || d.decisionType === 'FailWorkflowExecution')) {
        onClosed(workflowId, events);
      }
    } catch (error) {
      if (signal.aborted) return;
      onError(error);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
