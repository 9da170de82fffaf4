import {
  RespondDecisionTaskCompletedCommand,
  type Decision,
  type HistoryEvent,
  type SWFClient,
} from '@aws-sdk/client-swf';
import { pollFreshDecisionTask } from './decision-task.js';

/** One activity task the example workflow schedules. */
export interface PlannedActivity {
  readonly activityId: string;
  readonly activityType: { readonly name: string; readonly version: string };
  /** Flowy's wire format: the JSON text `[args, kwargs]`. */
  readonly input: string;
}

/** How the tasks of one activity type ended, with one example of each end. */
export interface TypeProgress {
  completed: number;
  failed: number;
  timedOut: number;
  /** The result of the first task of this type that completed, as the worker sent it (JSON). */
  sampleResult?: string;
  /** The reason of the first task of this type that failed. */
  failureReason?: string;
}

/** What the decider has seen of one workflow run so far. */
export interface FanoutProgress {
  total: number;
  scheduled: number;
  completed: number;
  failed: number;
  timedOut: number;
  /** Tasks SWF refused to schedule (unknown type, duplicate id...): a bug in the plan. */
  scheduleFailed: number;
  /** Set when the workflow was closed by this decider. */
  closed: boolean;
  /** The same counts per activity type name, in the order the plan first names each type. */
  byType: Record<string, TypeProgress>;
}

/** Options of {@link FanoutDecider}. */
export interface FanoutDeciderOptions {
  client: Pick<SWFClient, 'send'>;
  domain: string;
  /** The decision task list the workflow was started on. */
  taskList: string;
  /** The activity tasks to fan out when a workflow starts. */
  plan: readonly PlannedActivity[];
  /** Where activity tasks go. */
  activityTaskList: string;
  identity?: string;
}

/**
 * A small decider written with the plain SWF client, the way any SWF decider in any language would
 * be: poll a decision task, read the new events, answer with decisions. Its workflow schedules every
 * planned activity at once, counts how each one ends, reschedules a task that timed out, and
 * completes the workflow once every task has closed.
 *
 * It keeps its bookkeeping in memory, which a real decider must not do (it would replay the whole
 * history instead); that keeps this example short.
 */
export class FanoutDecider {
  readonly progress: FanoutProgress;
  private readonly byScheduledEventId = new Map<number, PlannedActivity>();
  private readonly byActivityId: ReadonlyMap<string, PlannedActivity>;

  constructor(private readonly options: FanoutDeciderOptions) {
    this.byActivityId = new Map(options.plan.map((planned) => [planned.activityId, planned]));
    const byType: Record<string, TypeProgress> = {};
    for (const planned of options.plan) byType[planned.activityType.name] ??= { completed: 0, failed: 0, timedOut: 0 };
    this.progress = { total: options.plan.length, scheduled: 0, completed: 0, failed: 0, timedOut: 0, scheduleFailed: 0, closed: false, byType };
  }

  /** Polls and answers decision tasks until `signal` aborts or the workflow is closed. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.progress.closed) {
      try {
        await this.decideOnce();
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
    }
  }

  /** One poll and, when a task came, one answer. Returns false for an empty poll. */
  async decideOnce(): Promise<boolean> {
    const { client } = this.options;
    const task = await pollFreshDecisionTask(client, this.options);
    if (!task) return false;
    const decisions = this.decide(task.fresh);
    await client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions }));
    return true;
  }

  private decide(events: readonly HistoryEvent[]): Decision[] {
    const decisions: Decision[] = [];
    const p = this.progress;
    for (const event of events) {
      switch (event.eventType) {
        case 'WorkflowExecutionStarted':
          for (const planned of this.options.plan) decisions.push(this.schedule(planned));
          break;
        case 'ActivityTaskScheduled': {
          const a = event.activityTaskScheduledEventAttributes;
          const planned = this.byActivityId.get((a?.activityId ?? '').replace(/-retry\d+$/, ''));
          if (planned && event.eventId !== undefined) this.byScheduledEventId.set(event.eventId, planned);
          p.scheduled++;
          break;
        }
        case 'ActivityTaskCompleted': {
          p.completed++;
          const a = event.activityTaskCompletedEventAttributes;
          const type = this.typeOf(a?.scheduledEventId);
          if (type) {
            type.completed++;
            type.sampleResult ??= a?.result;
          }
          break;
        }
        case 'ActivityTaskFailed': {
          p.failed++;
          const a = event.activityTaskFailedEventAttributes;
          const type = this.typeOf(a?.scheduledEventId);
          if (type) {
            type.failed++;
            type.failureReason ??= a?.reason;
          }
          break;
        }
        case 'ActivityTaskTimedOut': {
          p.timedOut++;
          const type = this.typeOf(event.activityTaskTimedOutEventAttributes?.scheduledEventId);
          if (type) type.timedOut++;
          const planned = this.byScheduledEventId.get(event.activityTaskTimedOutEventAttributes?.scheduledEventId ?? -1);
          if (planned) decisions.push(this.schedule({ ...planned, activityId: `${planned.activityId}-retry${p.timedOut}` }));
          break;
        }
        case 'ScheduleActivityTaskFailed':
          p.scheduleFailed++;
          break;
        default:
          break;
      }
    }
    if (p.completed + p.failed + p.scheduleFailed >= p.total && !p.closed) {
      p.closed = true;
      decisions.push({
        decisionType: 'CompleteWorkflowExecution',
        completeWorkflowExecutionDecisionAttributes: {
          result: JSON.stringify({ completed: p.completed, failed: p.failed, timedOut: p.timedOut }),
        },
      });
    }
    return decisions;
  }

  private typeOf(scheduledEventId: number | undefined): TypeProgress | undefined {
    const planned = this.byScheduledEventId.get(scheduledEventId ?? -1);
    return planned && this.progress.byType[planned.activityType.name];
  }

  private schedule(planned: PlannedActivity): Decision {
    return {
      decisionType: 'ScheduleActivityTask',
      scheduleActivityTaskDecisionAttributes: {
        activityId: planned.activityId,
        activityType: { ...planned.activityType },
        input: planned.input,
        taskList: { name: this.options.activityTaskList },
      },
    };
  }
}

/**
 * The demo's workflow: `size` tasks across five activity types. Every tenth `reserve-stock` asks for
 * an out-of-stock SKU and fails; `approve-order` suspends and is completed by the external system.
 * With `delegateTo`, the first `count-slowly` becomes a `translate-document` handed to that third party.
 */
export function planFanout(size: number, options: { delegateTo?: string } = {}): PlannedActivity[] {
  const plan: PlannedActivity[] = [];
  const input = (args: unknown[], kwargs: Record<string, unknown> = {}): string => JSON.stringify([args, kwargs]);
  for (let i = 0; i < size; i++) {
    const id = `task-${String(i).padStart(4, '0')}`;
    const kind = i % 20;
    // One CPU-bound activity in a child process and one Python program (docs/executors.md).
    if (i === 0) plan.push({ activityId: id, activityType: { name: 'checksum', version: '1' }, input: input(['demo']) });
    else if (i === 1) plan.push({ activityId: id, activityType: { name: 'word-count', version: '1' }, input: input(['flowy runs python too']) });
    else if (kind < 8) plan.push({ activityId: id, activityType: { name: 'add', version: '1' }, input: input([i, i * 2]) });
    else if (kind < 14) plan.push({ activityId: id, activityType: { name: 'shout', version: '1.0' }, input: input([`item ${i}`], { suffix: '!' }) });
    else if (kind < 17) plan.push({ activityId: id, activityType: { name: 'reserve-stock', version: '2' }, input: input([`sku-${Math.floor(i / 20) % 5}`, 1 + (i % 3)]) });
    else if (kind < 19) plan.push({ activityId: id, activityType: { name: 'approve-order', version: '1' }, input: input([`order-${i}`, 10 * i]) });
    else if (i === 19 && options.delegateTo) plan.push({ activityId: id, activityType: { name: 'translate-document', version: '1' }, input: input([options.delegateTo, `doc-${i}`]) });
    else plan.push({ activityId: id, activityType: { name: 'count-slowly', version: '1' }, input: input([20, 25]) });
  }
  return plan;
}
