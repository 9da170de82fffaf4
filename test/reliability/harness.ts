/**
 * Shared pieces of the reliability suite: run sizes, a small stateless decider that survives chaos,
 * set-up calls that tolerate injected faults, history checks, and child worker processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  GetWorkflowExecutionHistoryCommand,
  PollForDecisionTaskCommand,
  RegisterActivityTypeCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  RespondDecisionTaskCompletedCommand,
  StartWorkflowExecutionCommand,
  type Decision,
  type HistoryEvent,
  type PollForDecisionTaskCommandOutput,
  type SWFClient,
} from '@aws-sdk/client-swf';
import { fullJitterBackoff, isTransient, isUnknownResource, systemClock, withRetry, type Backoff } from '../../src/swf/index.js';
import type { WorkerMetrics, TaskOutcome, SwfOperation, PollOutcome } from '../../src/worker/index.js';

// ---------------------------------------------------------------------------------------------------
// Run sizes
// ---------------------------------------------------------------------------------------------------

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} is ${JSON.stringify(raw)}; give a positive number`);
  return value;
}

/** How big the suite runs; read once from the environment (see docs/reliability.md). */
export interface ReliabilityConfig {
  /** `FLOWY_RELIABILITY_SCALE`, default 1. */
  scale: number;
  /** Activities in the chaos run with faults before calls: `FLOWY_RELIABILITY_ACTIVITIES`, default 2,000 × scale. */
  activities: number;
  /** Activities in the chaos run that also loses answers (slower: lost tasks wait for their time-out): 400 × scale. */
  lossyActivities: number;
  /** How long the endpoint is gone in the outage test: `FLOWY_RELIABILITY_OUTAGE_S`, default 5 s, 30 s when scale > 1. */
  outageMs: number;
  /** Seed of the chaos runs: `FLOWY_RELIABILITY_SEED`, default a new one per run (printed on failure). */
  seed: number;
}

export function reliabilityConfig(env: NodeJS.ProcessEnv = process.env): ReliabilityConfig {
  const scale = envNumber(env, 'FLOWY_RELIABILITY_SCALE') ?? 1;
  const activities = Math.round(envNumber(env, 'FLOWY_RELIABILITY_ACTIVITIES') ?? 2000 * scale);
  const lossyActivities = Math.round(400 * scale);
  const outageS = envNumber(env, 'FLOWY_RELIABILITY_OUTAGE_S') ?? (scale > 1 ? 30 : 5);
  const seedText = env.FLOWY_RELIABILITY_SEED;
  const seed = seedText !== undefined && seedText.trim() !== '' ? Number(seedText) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  return { scale, activities, lossyActivities, outageMs: outageS * 1000, seed };
}

// ---------------------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------------------

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, looking every `everyMs`; throws naming `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await sleep(everyMs);
  }
}

function increment<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** A worker metrics sink that counts everything, for assertions. */
export class CountingMetrics implements Partial<WorkerMetrics> {
  readonly outcomes = new Map<TaskOutcome, number>();
  readonly retries = new Map<SwfOperation, number>();
  readonly polls = new Map<PollOutcome, number>();
  readonly callErrors = new Map<SwfOperation, number>();
  /** The most slots (open polls plus running tasks) ever held at once. */
  maxSlotsInUse = 0;

  poll(outcome: PollOutcome): void {
    increment(this.polls, outcome);
  }
  taskFinished(_type: string, _version: string, outcome: TaskOutcome): void {
    increment(this.outcomes, outcome);
  }
  slotsInUse(n: number): void {
    this.maxSlotsInUse = Math.max(this.maxSlotsInUse, n);
  }
  swfRetry(operation: SwfOperation): void {
    increment(this.retries, operation);
  }
  swfCall(operation: SwfOperation, outcome: 'ok' | 'error'): void {
    if (outcome === 'error') increment(this.callErrors, operation);
  }
  totalRetries(): number {
    let n = 0;
    for (const v of this.retries.values()) n += v;
    return n;
  }
}

/** A pino-compatible logger that keeps the messages at info and above, for assertions. */
export class RecordingLogger {
  readonly messages: { level: string; message: string }[] = [];
  child(): RecordingLogger {
    return this;
  }
  isLevelEnabled(level: string): boolean {
    return level !== 'debug' && level !== 'trace';
  }
  debug(): void {}
  info(_fields: object, message = ''): void {
    this.messages.push({ level: 'info', message });
  }
  warn(_fields: object, message = ''): void {
    this.messages.push({ level: 'warn', message });
  }
  error(_fields: object, message = ''): void {
    this.messages.push({ level: 'error', message });
  }
  count(level: string, pattern: RegExp): number {
    return this.messages.filter((m) => m.level === level && pattern.test(m.message)).length;
  }
}

/** SWF errors a set-up call may meet under chaos when an earlier attempt went through but its answer was lost. */
const ALREADY_DONE = new Set(['DomainAlreadyExistsFault', 'TypeAlreadyExistsFault', 'WorkflowExecutionAlreadyStartedFault']);

/**
 * Sends a set-up call until it is through: transient faults are retried; "already exists" after a
 * retry means an earlier attempt was applied and its answer lost.
 */
export async function setUpCall<T>(send: () => Promise<T>): Promise<T | undefined> {
  let attempts = 0;
  try {
    return await withRetry(
      () => {
        attempts++;
        return send();
      },
      { backoff: fullJitterBackoff({ maxMs: 1000 }) },
    );
  } catch (error) {
    if (attempts > 1 && ALREADY_DONE.has((error as { name?: string }).name ?? '')) return undefined;
    throw error;
  }
}

/** Timeouts of the workflow type the decider runs, in seconds. */
export interface WorkflowTypeOptions {
  /** Decision task start-to-close; a decision task whose answer chaos lost times out after it. @default 5 */
  taskStartToClose?: number;
}

export const WORKFLOW_TYPE = { name: 'reliability-flow', version: '1' } as const;

/** Registers a domain and the decider's workflow type, tolerating chaos. */
export async function registerDomain(client: SWFClient, domain: string, options: WorkflowTypeOptions = {}): Promise<void> {
  await setUpCall(() => client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' })));
  await setUpCall(() =>
    client.send(
      new RegisterWorkflowTypeCommand({
        domain,
        ...WORKFLOW_TYPE,
        defaultTaskList: { name: 'reliability-decisions' },
        defaultExecutionStartToCloseTimeout: '3600',
        defaultTaskStartToCloseTimeout: String(options.taskStartToClose ?? 5),
        defaultChildPolicy: 'TERMINATE',
      }),
    ),
  );
}

/** Registers an activity type with no schedule time-outs, tolerating chaos. */
export async function registerActivityType(
  client: SWFClient,
  domain: string,
  type: { name: string; version: string },
  startToCloseSeconds: number,
): Promise<void> {
  await setUpCall(() =>
    client.send(
      new RegisterActivityTypeCommand({
        domain,
        ...type,
        defaultTaskList: { name: 'reliability' },
        defaultTaskScheduleToStartTimeout: 'NONE',
        defaultTaskScheduleToCloseTimeout: 'NONE',
        defaultTaskStartToCloseTimeout: String(startToCloseSeconds),
        defaultTaskHeartbeatTimeout: 'NONE',
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------
// The decider
// ---------------------------------------------------------------------------------------------------

/** Options of {@link Decider}. */
export interface DeciderOptions {
  client: SWFClient;
  domain: string;
  /** Decision task list. @default 'reliability-decisions' */
  taskList?: string;
  /** The activity type every planned item runs as. */
  activityType: { name: string; version: string };
  /** Activity task list. @default 'reliability' */
  activityTaskList?: string;
  /** Input of an item's attempt (1 for the first). */
  input: (item: string, attempt: number) => string;
  /** Decision polls open at once. @default 2 */
  pollers?: number;
}

/** What the decider learnt of one run, built from its history events only. */
class RunState {
  lastEventId = 0;
  /** Event id of each ActivityTaskScheduled → its item. */
  readonly scheduledIds = new Map<number, string>();
  readonly attempts = new Map<string, number>();
  readonly open = new Map<string, number>();
  readonly completed = new Map<string, number>();

  apply(event: HistoryEvent): void {
    switch (event.eventType) {
      case 'ActivityTaskScheduled': {
        const activityId = event.activityTaskScheduledEventAttributes?.activityId ?? '';
        const item = itemOf(activityId);
        this.scheduledIds.set(event.eventId ?? 0, item);
        increment(this.attempts, item);
        increment(this.open, item);
        break;
      }
      case 'ActivityTaskCompleted':
      case 'ActivityTaskFailed':
      case 'ActivityTaskTimedOut':
      case 'ActivityTaskCanceled': {
        const attrs =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        const item = this.scheduledIds.get(attrs?.scheduledEventId ?? -1);
        if (item === undefined) break;
        increment(this.open, item, -1);
        if (event.eventType === 'ActivityTaskCompleted') increment(this.completed, item);
        break;
      }
    }
  }
}

/** Activity ids are `<item>.<attempt>`. */
export function itemOf(activityId: string): string {
  const dot = activityId.lastIndexOf('.');
  return dot < 0 ? activityId : activityId.slice(0, dot);
}

/**
 * A decider for the suite: each execution runs a planned list of items, one activity task each.
 * It schedules every item not completed and not open, schedules again an item whose task failed or
 * timed out, and completes the execution once every item completed. It decides from history alone
 * (cached per run, read incrementally), so a decision lost to chaos is simply made again. Every call
 * is retried on transient faults; a decision task that closed meanwhile is dropped.
 */
export class Decider {
  readonly #o: Required<DeciderOptions>;
  readonly #plans = new Map<string, readonly string[]>();
  readonly #runs = new Map<string, RunState>();
  readonly #stop = new AbortController();
  readonly #backoff: Backoff = fullJitterBackoff({ maxMs: 2000 });
  #loops: Promise<void>[] = [];
  /** runId of each workflow id, learnt from decision tasks. */
  readonly runIds = new Map<string, string>();
  /** Errors that are neither transient nor a closed decision task: a bug somewhere. */
  readonly errors: unknown[] = [];
  decisionTasks = 0;
  droppedDecisionTasks = 0;
  retries = 0;

  constructor(options: DeciderOptions) {
    this.#o = {
      taskList: 'reliability-decisions',
      activityTaskList: 'reliability',
      pollers: 2,
      ...options,
    };
  }

  /** Starts an execution running `items`; tolerates chaos. */
  async startExecution(workflowId: string, items: readonly string[]): Promise<void> {
    this.#plans.set(workflowId, items);
    await setUpCall(() =>
      this.#o.client.send(
        new StartWorkflowExecutionCommand({
          domain: this.#o.domain,
          workflowId,
          workflowType: WORKFLOW_TYPE,
          taskList: { name: this.#o.taskList },
        }),
      ),
    );
  }

  start(): void {
    for (let i = 0; i < this.#o.pollers; i++) this.#loops.push(this.#loop(i));
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  #retryOptions() {
    return {
      backoff: this.#backoff,
      signal: this.#stop.signal,
      onRetry: () => {
        this.retries++;
      },
    };
  }

  async #loop(n: number): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      let task: PollForDecisionTaskCommandOutput;
      try {
        task = await this.#o.client.send(this.#pollCommand(n), { abortSignal: this.#stop.signal });
        failures = 0;
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        if (!isTransient(error)) this.errors.push(error);
        this.retries++;
        await systemClock.sleep(this.#backoff.delay(failures++), this.#stop.signal).catch(() => {});
        continue;
      }
      if (!task.taskToken) continue;
      this.decisionTasks++;
      try {
        await this.#handle(task, n);
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        if (isUnknownResource(error) || isClosedPageToken(error)) {
          this.droppedDecisionTasks++;
        } else {
          this.errors.push(error);
        }
      }
    }
  }

  #pollCommand(n: number, nextPageToken?: string): PollForDecisionTaskCommand {
    return new PollForDecisionTaskCommand({
      domain: this.#o.domain,
      taskList: { name: this.#o.taskList },
      identity: `reliability-decider-${n}`,
      reverseOrder: true,
      maximumPageSize: 1000,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
  }

  async #handle(task: PollForDecisionTaskCommandOutput, n: number): Promise<void> {
    const workflowId = task.workflowExecution?.workflowId ?? '';
    const runId = task.workflowExecution?.runId ?? '';
    this.runIds.set(workflowId, runId);
    let run = this.#runs.get(runId);
    if (!run) {
      run = new RunState();
      this.#runs.set(runId, run);
    }
    // Newest first: read pages until the events already applied are reached.
    const fresh: HistoryEvent[] = [];
    let page: PollForDecisionTaskCommandOutput = task;
    for (;;) {
      let reachedKnown = false;
      for (const event of page.events ?? []) {
        if ((event.eventId ?? 0) <= run.lastEventId) {
          reachedKnown = true;
          break;
        }
        fresh.push(event);
      }
      if (reachedKnown || !page.nextPageToken) break;
      const token = page.nextPageToken;
      page = await withRetry(() => this.#o.client.send(this.#pollCommand(n, token)), this.#retryOptions());
    }
    fresh.sort((a, b) => (a.eventId ?? 0) - (b.eventId ?? 0));
    // Checked again here: a decision task that timed out while this one read its pages may have had its
    // successor handled meanwhile, by another poller, with the same events.
    for (const event of fresh) {
      const id = event.eventId ?? 0;
      if (id <= run.lastEventId) continue;
      run.apply(event);
      run.lastEventId = id;
    }

    const decisions = this.#decide(workflowId, run);
    await withRetry(
      () => this.#o.client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions })),
      this.#retryOptions(),
    ).catch((error: unknown) => {
      // Closed meanwhile: timed out, or an earlier attempt was applied and its answer lost.
      if (isUnknownResource(error)) {
        this.droppedDecisionTasks++;
        return;
      }
      throw error;
    });
  }

  #decide(workflowId: string, run: RunState): Decision[] {
    const plan = this.#plans.get(workflowId) ?? [];
    const decisions: Decision[] = [];
    let done = 0;
    for (const item of plan) {
      if ((run.completed.get(item) ?? 0) > 0) {
        done++;
        continue;
      }
      if ((run.open.get(item) ?? 0) > 0) continue;
      const attempt = (run.attempts.get(item) ?? 0) + 1;
      decisions.push({
        decisionType: 'ScheduleActivityTask',
        scheduleActivityTaskDecisionAttributes: {
          activityId: `${item}.${attempt}`,
          activityType: this.#o.activityType,
          taskList: { name: this.#o.activityTaskList },
          input: this.#o.input(item, attempt),
        },
      });
    }
    if (plan.length > 0 && done === plan.length) {
      decisions.push({ decisionType: 'CompleteWorkflowExecution', completeWorkflowExecutionDecisionAttributes: { result: String(done) } });
    }
    return decisions;
  }
}

function isClosedPageToken(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | null;
  return e?.name === 'ValidationException' && /decision task that is closed/.test(e.message ?? '');
}

// ---------------------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------------------

/** The whole history of a run, oldest first; tolerates chaos. */
export async function fullHistory(client: SWFClient, domain: string, execution: { workflowId: string; runId: string }): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: string | undefined;
  do {
    const token = nextPageToken;
    const page = await withRetry(
      () =>
        client.send(
          new GetWorkflowExecutionHistoryCommand({ domain, execution, maximumPageSize: 1000, ...(token ? { nextPageToken: token } : {}) }),
        ),
      { backoff: fullJitterBackoff({ maxMs: 1000 }) },
    );
    events.push(...(page.events ?? []));
    nextPageToken = page.nextPageToken;
  } while (nextPageToken);
  return events;
}

/** One activity task as its history tells it. */
export interface TaskRecord {
  activityId: string;
  item: string;
  scheduledEventId: number;
  /** Identity of the worker that started it, if one did. */
  startedBy?: string;
  /** How it closed: the event type, or undefined while open. */
  closedAs?: string;
  result?: string;
  reason?: string;
  timeoutType?: string;
}

/** The activity tasks of a history, in schedule order. */
export function activityTasks(events: readonly HistoryEvent[]): TaskRecord[] {
  const byScheduled = new Map<number, TaskRecord>();
  for (const e of events) {
    switch (e.eventType) {
      case 'ActivityTaskScheduled': {
        const activityId = e.activityTaskScheduledEventAttributes?.activityId ?? '';
        byScheduled.set(e.eventId ?? 0, { activityId, item: itemOf(activityId), scheduledEventId: e.eventId ?? 0 });
        break;
      }
      case 'ActivityTaskStarted': {
        const record = byScheduled.get(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1);
        if (record) record.startedBy = e.activityTaskStartedEventAttributes?.identity;
        break;
      }
      case 'ActivityTaskCompleted': {
        const a = e.activityTaskCompletedEventAttributes;
        const record = byScheduled.get(a?.scheduledEventId ?? -1);
        if (record) close(record, e.eventType, { result: a?.result });
        break;
      }
      case 'ActivityTaskFailed': {
        const a = e.activityTaskFailedEventAttributes;
        const record = byScheduled.get(a?.scheduledEventId ?? -1);
        if (record) close(record, e.eventType, { reason: a?.reason });
        break;
      }
      case 'ActivityTaskTimedOut': {
        const a = e.activityTaskTimedOutEventAttributes;
        const record = byScheduled.get(a?.scheduledEventId ?? -1);
        if (record) close(record, e.eventType, { timeoutType: a?.timeoutType });
        break;
      }
      case 'ActivityTaskCanceled': {
        const record = byScheduled.get(e.activityTaskCanceledEventAttributes?.scheduledEventId ?? -1);
        if (record) close(record, e.eventType, {});
        break;
      }
    }
  }
  return [...byScheduled.values()];
}

function close(record: TaskRecord, as: string, extra: Partial<TaskRecord>): void {
  if (record.closedAs !== undefined) throw new Error(`activity ${record.activityId} closed twice: ${record.closedAs}, then ${as}`);
  record.closedAs = as;
  Object.assign(record, Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)));
}

// ---------------------------------------------------------------------------------------------------
// Child worker processes
// ---------------------------------------------------------------------------------------------------

/** The package root, from this file's place in it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI. */
export const WORKER_CLI = fileURLToPath(new URL('../../dist/bin/start-activity-worker.js', import.meta.url));
/** Activities the child workers scan. */
export const FIXTURE_ACTIVITIES = fileURLToPath(new URL('./fixtures/activities/', import.meta.url));

/** Builds dist when the built CLI is missing (npm test builds it first; a bare vitest run may not have). */
export function ensureBuilt(): void {
  if (existsSync(WORKER_CLI)) return;
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
}

/** A worker running in a child process. */
export interface ChildWorker {
  readonly process: ChildProcess;
  readonly identity: string;
  /** What it wrote on stderr, for failure messages. */
  readonly stderr: () => string;
  /** Resolves when it exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  readonly alive: () => boolean;
}

const children = new Set<ChildWorker>();

/** Starts `node <script> <args>` as a worker. */
export function spawnWorker(script: string, args: readonly string[], identity: string): ChildWorker {
  const proc = spawn(process.execPath, [script, ...args], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    proc.once('exit', (code, signal) => {
      alive = false;
      resolve({ code, signal, at: Date.now() });
    });
  });
  const child: ChildWorker = { process: proc, identity, stderr: () => stderr, exited, alive: () => alive };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** The CLI's arguments for a worker on `endpoint`. */
export function cliArgs(endpoint: string, domain: string, identity: string, extra: readonly string[] = []): string[] {
  return [
    '--domain', domain,
    '--task-list', 'reliability',
    '--endpoint', endpoint,
    '--package', FIXTURE_ACTIVITIES,
    '--identity', identity,
    '--log-level', 'warn',
    ...extra,
  ];
}

/** Kills (SIGKILL) every child worker this suite started that still runs, and waits for them. */
export async function killChildren(): Promise<void> {
  const alive = [...children];
  for (const child of alive) if (child.alive()) child.process.kill('SIGKILL');
  await Promise.all(alive.map((c) => c.exited));
}
