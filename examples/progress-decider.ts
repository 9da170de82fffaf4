import { RespondDecisionTaskCompletedCommand, type Decision, type HistoryEvent, type SWFClient } from '@aws-sdk/client-swf';
import { pollFreshDecisionTask } from './decision-task.js';
import { INVOCATION_STARTED, type InvocationStarted } from './swf-signals.js';

/** Options of {@link ProgressDecider}. */
export interface ProgressDeciderOptions {
  client: Pick<SWFClient, 'send'>;
  domain: string;
  /** The decision task list the workflow was started on. */
  taskList: string;
  /** Where the parent (`collect-progress`) goes. */
  parentTaskList: string;
  /** Where the child (`report-progress`) goes. @default parentTaskList */
  childTaskList?: string;
  /** How many steps the child reports. @default 5 */
  steps?: number;
  identity?: string;
}

/** How the workflow ended: the parent's and the child's results, as JSON values. */
export interface ProgressOutcome {
  parent?: unknown;
  child?: unknown;
  failed?: string;
}

/**
 * A decider for the messaging example: schedules the parent, waits for the parent's signal with its
 * invocation id, schedules the child with that id as input, and completes the workflow with both
 * results once both closed (fails it if either failed). Like FanoutDecider, it keeps its state in
 * memory to stay short.
 */
export class ProgressDecider {
  outcome: ProgressOutcome | undefined;
  readonly #results: ProgressOutcome = {};
  readonly #kinds = new Map<number, 'parent' | 'child'>();

  constructor(private readonly options: ProgressDeciderOptions) {}

  /** Polls and answers decision tasks until the workflow is closed or `signal` aborts. */
  async run(signal: AbortSignal): Promise<ProgressOutcome> {
    const { client } = this.options;
    while (!signal.aborted && !this.outcome) {
      let task;
      try {
        task = await pollFreshDecisionTask(client, this.options, signal);
      } catch (error) {
        if (signal.aborted) break;
        throw error;
      }
      if (!task) continue;
      await client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions: this.decide(task.fresh) }));
    }
    return this.outcome ?? { failed: 'stopped before the workflow closed' };
  }

  private decide(events: readonly HistoryEvent[]): Decision[] {
    const decisions: Decision[] = [];
    const { parentTaskList, childTaskList, steps } = this.options;
    for (const event of events) {
      switch (event.eventType) {
        case 'WorkflowExecutionStarted':
          decisions.push(schedule('parent', 'collect-progress', [30], parentTaskList));
          break;
        case 'WorkflowExecutionSignaled': {
          const a = event.workflowExecutionSignaledEventAttributes;
          if (a?.signalName !== INVOCATION_STARTED) break;
          const started = JSON.parse(a.input ?? '{}') as InvocationStarted;
          // The parent's invocation id goes to the child as plain input.
          decisions.push(schedule('child', 'report-progress', [started.invocationId, steps ?? 5], childTaskList ?? parentTaskList));
          break;
        }
        case 'ActivityTaskScheduled': {
          const id = event.activityTaskScheduledEventAttributes?.activityId;
          if (event.eventId !== undefined && (id === 'parent' || id === 'child')) this.#kinds.set(event.eventId, id);
          break;
        }
        case 'ActivityTaskCompleted': {
          const a = event.activityTaskCompletedEventAttributes;
          const kind = this.#kinds.get(a?.scheduledEventId ?? -1);
          if (kind) this.#results[kind] = JSON.parse(a?.result ?? 'null') as unknown;
          break;
        }
        case 'ActivityTaskFailed':
        case 'ActivityTaskTimedOut':
        case 'ScheduleActivityTaskFailed':
          this.#results.failed ??= `${event.eventType}: ${JSON.stringify(event.activityTaskFailedEventAttributes?.reason ?? event.activityTaskTimedOutEventAttributes?.timeoutType ?? event.scheduleActivityTaskFailedEventAttributes?.cause ?? '')}`;
          break;
        default:
          break;
      }
    }
    if (!this.outcome && (this.#results.failed || ('parent' in this.#results && 'child' in this.#results))) {
      this.outcome = { ...this.#results };
      decisions.push(
        this.#results.failed
          ? { decisionType: 'FailWorkflowExecution', failWorkflowExecutionDecisionAttributes: { reason: this.#results.failed.slice(0, 256) } }
          : { decisionType: 'CompleteWorkflowExecution', completeWorkflowExecutionDecisionAttributes: { result: JSON.stringify(this.outcome) } },
      );
    }
    return decisions;
  }
}

function schedule(activityId: string, name: string, args: unknown[], taskList: string): Decision {
  return {
    decisionType: 'ScheduleActivityTask',
    scheduleActivityTaskDecisionAttributes: {
      activityId,
      activityType: { name, version: '1' },
      input: JSON.stringify([args, {}]),
      taskList: { name: taskList },
    },
  };
}
