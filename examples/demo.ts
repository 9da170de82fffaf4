import { RegisterDomainCommand, RegisterWorkflowTypeCommand, StartWorkflowExecutionCommand } from '@aws-sdk/client-swf';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { asyncScheduler, createSwfClient, startActivityWorker, type Worker } from 'flowy-swf';
import { startLocalSwf } from 'flowy-swf/local';
import { FanoutDecider, planFanout, type TypeProgress } from './decider.js';
import { approvalInbox, type ApprovalRequest } from './inbox.js';
import { formatSummary } from './summary.js';
import { startDemoDelegation } from './third-party.js';
import { ProgressDecider } from './progress-decider.js';
import { exampleSwf } from './swf-signals.js';

/** Options of {@link demo}. */
export interface DemoOptions {
  /** Activity tasks the workflow fans out. @default 300 */
  tasks?: number;
  /** Worker slots. @default 32 */
  maxConcurrentTasks?: number;
  /** How long the "external system" takes to approve an order, in ms. @default 200 */
  approvalDelayMs?: number;
  /** Where progress and the summary go. @default process.stdout */
  out?: NodeJS.WritableStream;
  /** Worker log level. @default 'warn' */
  logLevel?: string;
  /** How often progress is printed, in ms. @default 500 */
  progressEveryMs?: number;
  /** The external system approves orders below this amount and rejects the others. @default 2500 */
  approvalLimit?: number;
}

/** How the demo's workflow ended. */
export interface DemoSummary {
  tasks: number;
  completed: number;
  failed: number;
  timedOut: number;
  /** Failures the plan expects: the out-of-stock reservations. */
  expectedFailures: number;
  /** Approval requests the external system answered by token, approving the order. */
  approved: number;
  /** Approval requests it answered by token, rejecting the order (amount at or over `approvalLimit`). */
  rejected: number;
  /** Tasks a fake third party finished over HTTP through the callback service. */
  delegated: number;
  /** How the tasks of each activity type ended. */
  byType: Record<string, TypeProgress>;
  elapsedMs: number;
  tasksPerSecond: number;
  /** Progress messages the `collect-progress` parent got from its `report-progress` child (docs/messaging.md). */
  progressMessages: number;
  /** True when every task closed as planned and both workflows completed. */
  ok: boolean;
}

const DOMAIN = 'flowy-demo';
const DECISIONS = 'demo-decisions';
const ACTIVITIES = 'demo-activities';
const PROGRESS_DECISIONS = 'demo-progress-decisions';

/**
 * Runs the whole demo in this process, with no AWS: a local SWF endpoint, the worker on
 * `examples/activities`, a fan-out decider, and an external system completing suspended tasks.
 */
export async function demo(options: DemoOptions = {}): Promise<DemoSummary> {
  const size = options.tasks ?? 300;
  const out = options.out ?? process.stdout;
  const started = performance.now();
  const local = await startLocalSwf({ port: 0 });
  const client = createSwfClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
  const stop = new AbortController();
  const running: { worker?: Worker } = {};
  let approved = 0;
  let rejected = 0;
  const approvalLimit = options.approvalLimit ?? 2_500;
  const scheduler = asyncScheduler({ client });
  const pendingApprovals = new Set<Promise<void>>();
  const onApproval = (request: ApprovalRequest): void => {
    const p: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, options.approvalDelayMs ?? 200))
      .then(async () => {
        const ok = request.amount < approvalLimit;
        await scheduler.complete(request.taskToken, { orderId: request.orderId, approved: ok });
        if (ok) approved++;
        else rejected++;
      })
      .catch((error: unknown) => {
        out.write(`external system: could not complete ${request.orderId}: ${String(error)}\n`);
      })
      .finally(() => pendingApprovals.delete(p));
    pendingApprovals.add(p);
  };
  approvalInbox.on('request', onApproval);
  const delegation = await startDemoDelegation(client);
  try {
    await client.send(new RegisterDomainCommand({ name: DOMAIN, workflowExecutionRetentionPeriodInDays: '1' }));
    for (const [name, taskList, executionTimeout] of [['fanout', DECISIONS, '3600'], ['progress', PROGRESS_DECISIONS, '600']] as const) {
      await client.send(
        new RegisterWorkflowTypeCommand({
          domain: DOMAIN,
          name,
          version: '1',
          defaultTaskList: { name: taskList },
          defaultChildPolicy: 'TERMINATE',
          defaultExecutionStartToCloseTimeout: executionTimeout,
          defaultTaskStartToCloseTimeout: '30',
        }),
      );
    }
    exampleSwf.client = client;
    let workerReady!: () => void;
    const ready = new Promise<void>((resolve) => {
      workerReady = resolve;
    });
    const workerDone = startActivityWorker({
      domain: DOMAIN,
      taskList: ACTIVITIES,
      client,
      packages: [fileURLToPath(new URL('./activities', import.meta.url))],
      ignore: ['**/*.d.ts', '**/*.map'],
      maxConcurrentTasks: options.maxConcurrentTasks ?? 32,
      ...delegation.workerOptions,
      handleSignals: false,
      logger: pino({ level: options.logLevel ?? 'warn' }, pino.destination(2)),
      onWorker: (worker) => {
        // Called once the activity types are registered: only then may the workflow schedule them.
        running.worker = worker;
        workerReady();
      },
    });
    await Promise.race([ready, workerDone.then(() => Promise.reject(new Error('the worker stopped before it was ready')))]);
    const plan = planFanout(size, { delegateTo: delegation.thirdPartyUrl });
    const decider = new FanoutDecider({ client, domain: DOMAIN, taskList: DECISIONS, plan, activityTaskList: ACTIVITIES, identity: 'demo-decider' });
    await client.send(new StartWorkflowExecutionCommand({ domain: DOMAIN, workflowId: 'demo-fanout', workflowType: { name: 'fanout', version: '1' }, input: JSON.stringify({ size }) }));
    out.write(`flowy-swf demo: local SWF endpoint at ${local.endpoint}; fanning out ${size} activity tasks\n`);
    // Beside the fan-out, a parent and a child activity talk while both run (invocation messaging).
    const progressDecider = new ProgressDecider({ client, domain: DOMAIN, taskList: PROGRESS_DECISIONS, parentTaskList: ACTIVITIES, steps: 5, identity: 'demo-progress-decider' });
    await client.send(new StartWorkflowExecutionCommand({ domain: DOMAIN, workflowId: 'demo-progress', workflowType: { name: 'progress', version: '1' } }));
    const progressDone = progressDecider.run(stop.signal);
    progressDone.catch(() => {}); // awaited below; this only keeps an early failure elsewhere from leaving it unhandled
    const p = decider.progress;
    const ticker = setInterval(() => {
      out.write(`  scheduled ${p.scheduled}  completed ${p.completed}  failed ${p.failed}  timed out ${p.timedOut}  orders approved ${approved}, rejected ${rejected}\n`);
    }, options.progressEveryMs ?? 500);
    try {
      await Promise.race([decider.run(stop.signal), workerDone.then(() => Promise.reject(new Error('the worker stopped before the workflow finished')))]);
    } finally {
      clearInterval(ticker);
    }
    const progress = await progressDone;
    const progressMessages = (progress.parent as { steps?: number[] } | undefined)?.steps?.length ?? 0;
    out.write(`messaging: collect-progress got ${progressMessages} progress messages from report-progress while both ran${progress.failed ? ` (failed: ${progress.failed})` : ''}\n`);
    const elapsedMs = performance.now() - started;
    await Promise.all(pendingApprovals);
    await delegation.close();
    const shutdown = running.worker?.shutdown();
    await local.close();
    await shutdown;
    await workerDone;
    const expectedFailures = plan.filter((t) => t.activityType.name === 'reserve-stock' && t.input.includes('"sku-0"')).length;
    const summary: DemoSummary = {
      tasks: size,
      completed: p.completed,
      failed: p.failed,
      timedOut: p.timedOut,
      expectedFailures,
      approved,
      rejected,
      delegated: delegation.finished(),
      byType: p.byType,
      elapsedMs,
      tasksPerSecond: (p.completed + p.failed) / (elapsedMs / 1000),
      progressMessages,
      ok: p.closed && p.failed === expectedFailures && p.completed === size - expectedFailures && p.scheduleFailed === 0 && progressMessages === 5,
    };
    out.write(
      `done: ${summary.completed} completed, ${summary.failed} failed (${expectedFailures} expected: out of stock), ` +
        `${summary.timedOut} timed out; ${(elapsedMs / 1000).toFixed(2)} s, ${summary.tasksPerSecond.toFixed(0)} tasks/s\n`,
    );
    out.write(
      formatSummary({
        byType: p.byType,
        outside: [
          `external system: answered ${approved + rejected} approval requests by task token: ` +
            `${approved} orders approved, ${rejected} rejected (amount ${approvalLimit.toLocaleString('en-US')} or more)`,
          `third party: finished ${summary.delegated} delegated task(s) over HTTP through the callback service`,
        ],
      }),
    );
    return summary;
  } finally {
    stop.abort();
    exampleSwf.client = undefined;
    approvalInbox.off('request', onApproval);
    await delegation.close();
    await local.close();
    client.destroy();
  }
}

/** Runs {@link demo} and turns its outcome into an exit code: 0 when every task ended as planned. */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const summary = await demo(options);
  return summary.ok ? 0 : 1;
}
