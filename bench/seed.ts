/**
 * Schedules activity tasks the way SWF gets them: a registered domain, activity type and workflow type;
 * workflow executions started; a decision step in each scheduling up to 1,000 activities (SWF's limit of
 * open activities per execution). All through the real API, before anything is timed.
 */
import {
  PollForDecisionTaskCommand,
  RegisterActivityTypeCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  RespondDecisionTaskCompletedCommand,
  StartWorkflowExecutionCommand,
  type Decision,
  type SWFClient,
} from '@aws-sdk/client-swf';
import { BENCH_DEFAULTS, type TypeDefaults } from './fixtures.js';

/** The workflow type whose executions schedule the bench's activities. */
const SEED_WORKFLOW = { name: 'bench-seed', version: '1' };
/** SWF allows 1,000 open activities per execution. */
const PER_EXECUTION = 1000;

async function ignoring(fault: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if ((error as { name?: string }).name !== fault) throw error;
  }
}

/** Registers the domain, the activity type and the seeding workflow type; any of them may exist already. */
export async function prepareDomain(
  client: SWFClient,
  domain: string,
  activityType: { name: string; version: string },
  taskList: string,
  defaults: TypeDefaults = BENCH_DEFAULTS,
): Promise<void> {
  await ignoring('DomainAlreadyExistsFault', () =>
    client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' })),
  );
  await ignoring('TypeAlreadyExistsFault', () =>
    client.send(
      new RegisterActivityTypeCommand({
        domain,
        ...activityType,
        defaultTaskList: { name: taskList },
        defaultTaskHeartbeatTimeout: defaults.heartbeatTimeout,
        defaultTaskScheduleToCloseTimeout: defaults.scheduleToCloseTimeout,
        defaultTaskScheduleToStartTimeout: defaults.scheduleToStartTimeout,
        defaultTaskStartToCloseTimeout: defaults.startToCloseTimeout,
      }),
    ),
  );
  await ignoring('TypeAlreadyExistsFault', () =>
    client.send(
      new RegisterWorkflowTypeCommand({
        domain,
        ...SEED_WORKFLOW,
        defaultTaskList: { name: 'bench-decisions' },
        defaultExecutionStartToCloseTimeout: '86400',
        defaultTaskStartToCloseTimeout: '3600',
        defaultChildPolicy: 'TERMINATE',
      }),
    ),
  );
}

/** What to schedule. */
export interface SeedSpec {
  domain: string;
  taskList: string;
  activityType: { name: string; version: string };
  count: number;
  /** Input of every task. @default '[[], {}]' */
  input?: string;
}

let batches = 0;

/**
 * Schedules `count` activity tasks on `taskList`: starts ⌈count / 1000⌉ executions on a decision task
 * list of their own (so later decision tasks of earlier batches never get in the way), then answers
 * each one's first decision task with its share of ScheduleActivityTask decisions.
 */
export async function seedActivityTasks(client: SWFClient, spec: SeedSpec): Promise<void> {
  const batch = `${process.pid}-${++batches}`;
  const decisionList = `bench-decisions-${batch}`;
  const executions = Math.ceil(spec.count / PER_EXECUTION);
  await Promise.all(
    Array.from({ length: executions }, (_, i) =>
      client.send(
        new StartWorkflowExecutionCommand({
          domain: spec.domain,
          workflowId: `seed-${batch}-${i}`,
          workflowType: SEED_WORKFLOW,
          taskList: { name: decisionList },
          input: String(Math.min(PER_EXECUTION, spec.count - i * PER_EXECUTION)),
        }),
      ),
    ),
  );
  const decide = async (): Promise<void> => {
    const task = await client.send(new PollForDecisionTaskCommand({ domain: spec.domain, taskList: { name: decisionList } }));
    if (!task.taskToken) throw new Error(`seed: no decision task came on ${decisionList}`);
    const started = task.events?.find((e) => e.eventType === 'WorkflowExecutionStarted');
    const n = Number(started?.workflowExecutionStartedEventAttributes?.input ?? 0);
    const decisions: Decision[] = Array.from({ length: n }, (_, j) => ({
      decisionType: 'ScheduleActivityTask',
      scheduleActivityTaskDecisionAttributes: {
        activityType: spec.activityType,
        activityId: `a-${j}`,
        taskList: { name: spec.taskList },
        input: spec.input ?? '[[], {}]',
      },
    }));
    await client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions }));
  };
  // A few deciders at once: enough to overlap calls, few enough not to hold many polls open.
  let left = executions;
  await Promise.all(
    Array.from({ length: Math.min(4, executions) }, async () => {
      while (left > 0) {
        left--;
        await decide();
      }
    }),
  );
}
