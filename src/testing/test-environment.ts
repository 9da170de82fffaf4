import {
  GetWorkflowExecutionHistoryCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  SignalWorkflowExecutionCommand,
  StartWorkflowExecutionCommand,
  type HistoryEvent,
  type SWFClient,
} from '@aws-sdk/client-swf';
import { createManualClock, startLocalSwf, type LocalSwf, type ManualClock } from '../local/index.js';
import { definitionsOf } from '../scanner/decorator.js';
import { registerActivityTypes } from '../scanner/register.js';
import { ActivityRegistry, defaultRegistry } from '../scanner/registry.js';
import { scan } from '../scanner/scan.js';
import type { ActivityClass, ActivityDefinition, ActivityTimeouts } from '../scanner/types.js';
import { createSwfClient } from '../swf/client.js';
import { encodeFlowyInput } from '../swf/codec.js';
import { ConfigurationError, FlowySwfError } from '../swf/errors.js';
import { Worker, type WorkerLogger, type WorkerOptions } from '../worker/index.js';
import { CANCEL_SIGNAL, outcomeOf, runDecider, scheduleFailure, type OneActivityPlan } from './decider.js';
import type { HistoryOutcome } from './outcome.js';

/** Options of {@link startTestEnvironment}. */
export interface TestEnvironmentOptions {
  /** Activity classes (decorated with `@activity`) the worker runs. @default every class `@activity` registered so far, unless `packages` is given */
  activities?: readonly ActivityClass[];
  /** Files, directories and globs to scan for `@activity` classes, as the worker's `--package`. @default [] */
  packages?: readonly string[];
  /** Globs to leave out of the scan. @default [] */
  ignore?: readonly string[];
  /** The domain registered for the tests. @default 'flowy-test' */
  domain?: string;
  /**
   * Run SWF's time-outs on the real clock. By default the endpoint runs on a manual clock: time-outs fire
   * only when {@link TestEnvironment.advanceTime} moves it, so a test of a 5-minute time-out takes no time. @default false
   */
  realTime?: boolean;
  /** Worker settings: anything but the client, domain, task list and registry. @default the worker's defaults, `shutdownGraceMs` 0 */
  worker?: Partial<Omit<WorkerOptions, 'client' | 'domain' | 'taskList' | 'registry'>>;
  /** Where the worker logs. @default silent */
  logger?: WorkerLogger;
}

/** Options of {@link TestEnvironment.runActivity} and {@link TestEnvironment.startActivity}. */
export interface RunActivityOptions {
  /** Time-outs for this task, in whole seconds or `'NONE'`. @default the type's registered defaults */
  timeouts?: ActivityTimeouts;
  /** The version, when the activity is named by a string and has several. @default the only one registered */
  version?: string;
  /** The activity id. @default a new unique one */
  activityId?: string;
}

/** One activity task scheduled by {@link TestEnvironment.startActivity}. */
export interface TestActivityRun {
  readonly workflowId: string;
  readonly runId: string;
  readonly activityId: string;
  /** Resolves once a worker has taken the task (`ActivityTaskStarted` is in the history). */
  started(): Promise<void>;
  /** Asks the workflow to request cancellation of the task; the activity learns it on its next heartbeat. */
  requestCancel(): Promise<void>;
  /** Resolves with the outcome the history records, once the task has closed. */
  outcome(): Promise<HistoryOutcome>;
  /** The run's whole history, oldest first. */
  history(): Promise<HistoryEvent[]>;
}

/** A local SWF endpoint, a registered domain, a decider and a worker over your activities; see {@link startTestEnvironment}. */
export interface TestEnvironment extends AsyncDisposable {
  /** The local endpoint's URL. */
  readonly endpoint: string;
  /** An SWF client for the endpoint, e.g. for `asyncScheduler({ client })`. */
  readonly client: SWFClient;
  readonly domain: string;
  /** The activity types the worker runs. */
  readonly activities: readonly ActivityDefinition[];
  /** Schedules `activity` with `args` through a real workflow and resolves with its outcome from the history. */
  runActivity(activity: ActivityClass | string, args?: readonly unknown[], options?: RunActivityOptions): Promise<HistoryOutcome>;
  /** Schedules `activity` and resolves once the workflow has started: for tests that act while it runs. */
  startActivity(activity: ActivityClass | string, args?: readonly unknown[], options?: RunActivityOptions): Promise<TestActivityRun>;
  /** Moves the endpoint's clock forward, firing SWF's time-outs that fall due. Not with `realTime`. */
  advanceTime(seconds: number): Promise<void>;
  /** Stops the worker (running tasks are aborted, kind `shutdown`), the decider and the endpoint. Idempotent. */
  teardown(): Promise<void>;
}

const WORKFLOW = { name: 'flowy-test-workflow', version: '1' } as const;
const DECISIONS = 'flowy-test-decisions';

/**
 * Starts an in-process SWF endpoint with a domain, a decider whose workflow schedules one activity, and a
 * worker per task list over your activities. Everything runs in this process over real HTTP, with the
 * real AWS SDK: what passes here passes against SWF.
 *
 * ```ts
 * const env = await startTestEnvironment({ activities: [Echo] });
 * expect(await env.runActivity(Echo, ['hi'])).toEqual({ status: 'completed', result: '"hi"' });
 * await env.teardown();
 * ```
 */
export async function startTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const registry = await collectActivities(options);
  const clock: ManualClock | undefined = options.realTime ? undefined : createManualClock();
  const swf = await startLocalSwf({ pollTimeoutMs: 2_000, ...(clock ? { clock } : {}) });
  const client = createSwfClient({ endpoint: swf.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const domain = options.domain ?? 'flowy-test';
  try {
    await client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' }));
    await client.send(
      new RegisterWorkflowTypeCommand({
        domain,
        ...WORKFLOW,
        defaultTaskList: { name: DECISIONS },
        defaultChildPolicy: 'TERMINATE',
        defaultExecutionStartToCloseTimeout: '31536000',
        defaultTaskStartToCloseTimeout: 'NONE',
      }),
    );
    await registerActivityTypes(client, domain, registry.list());
  } catch (error) {
    client.destroy();
    await swf.close();
    throw error;
  }
  return new LocalTestEnvironment(swf, client, domain, registry, clock, options);
}

async function collectActivities(options: TestEnvironmentOptions): Promise<ActivityRegistry> {
  const registry = new ActivityRegistry();
  for (const cls of options.activities ?? []) {
    const found = definitionsOf(cls);
    if (found.length === 0) {
      throw new ConfigurationError(
        `startTestEnvironment: ${typeof cls === 'function' && cls.name ? `class ${cls.name}` : 'an activities entry'} has no @activity(name, version, taskList); decorate it, or test it with MockActivityEnvironment`,
      );
    }
    for (const definition of found) registry.register(definition);
  }
  if (options.packages && options.packages.length > 0) {
    await scan({ packages: options.packages, ignore: options.ignore ?? [], registry });
  }
  if (!options.activities && !options.packages) for (const definition of defaultRegistry().list()) registry.register(definition);
  if (registry.size === 0) {
    throw new ConfigurationError('startTestEnvironment: no activities to run; pass activities: [YourActivity] or packages: [\'./src/activities\']');
  }
  return registry;
}

class LocalTestEnvironment implements TestEnvironment {
  readonly endpoint: string;
  readonly activities: readonly ActivityDefinition[];
  readonly #workers: { worker: Worker; done: Promise<unknown> }[] = [];
  readonly #stopDecider = new AbortController();
  readonly #decider: Promise<void>;
  readonly #waiters = new Map<string, { resolve: (events: HistoryEvent[]) => void; promise: Promise<HistoryEvent[]> }>();
  #workerFailure: unknown;
  #deciderError: unknown;
  #seq = 0;
  #teardown: Promise<void> | undefined;

  constructor(
    readonly swf: LocalSwf,
    readonly client: SWFClient,
    readonly domain: string,
    readonly registry: ActivityRegistry,
    readonly clock: ManualClock | undefined,
    options: TestEnvironmentOptions,
  ) {
    this.endpoint = swf.endpoint;
    this.activities = registry.list();
    for (const taskList of new Set(this.activities.map((a) => a.taskList))) {
      const worker = new Worker({
        shutdownGraceMs: 0,
        ...options.worker,
        ...(options.logger ? { logger: options.logger } : {}),
        client,
        domain,
        taskList,
        registry,
      });
      const done = worker.run().catch((error: unknown) => {
        this.#workerFailure = error;
      });
      this.#workers.push({ worker, done });
    }
    this.#decider = runDecider(
      client,
      domain,
      DECISIONS,
      this.#stopDecider.signal,
      (workflowId, events) => this.#waiter(workflowId).resolve(events),
      (error) => (this.#deciderError = error),
    );
  }

  async runActivity(activity: ActivityClass | string, args: readonly unknown[] = [], options: RunActivityOptions = {}): Promise<HistoryOutcome> {
    return (await this.startActivity(activity, args, options)).outcome();
  }

  async startActivity(activity: ActivityClass | string, args: readonly unknown[] = [], options: RunActivityOptions = {}): Promise<TestActivityRun> {
    if (this.#teardown) throw new FlowySwfError('the test environment was torn down; start a new one');
    if (this.#workerFailure) throw new FlowySwfError(`the test environment's worker failed: ${String(this.#workerFailure)}`, { cause: this.#workerFailure });
    const definition = this.#definition(activity, options.version);
    const activityId = options.activityId ?? `activity-${++this.#seq}`;
    const workflowId = `flowy-test-${this.#seq}-${activityId}`;
    const plan: OneActivityPlan = {
      activityId,
      activityType: { name: definition.name, version: definition.version },
      input: encodeFlowyInput([...args]),
      timeouts: swfTimeouts(options.timeouts),
    };
    const { runId = '' } = await this.client.send(
      new StartWorkflowExecutionCommand({ domain: this.domain, workflowId, workflowType: WORKFLOW, input: JSON.stringify(plan) }),
    );
    const execution = { workflowId, runId };
    // Every page, oldest first: a history longer than one page (SWF pages at 1,000 events) is read whole.
    const history = async (): Promise<HistoryEvent[]> => {
      const events: HistoryEvent[] = [];
      let nextPageToken: string | undefined;
      do {
        const page = await this.client.send(new GetWorkflowExecutionHistoryCommand({ domain: this.domain, execution, nextPageToken }));
        events.push(...(page.events ?? []));
        nextPageToken = page.nextPageToken;
      } while (nextPageToken);
      return events;
    };
    const waiter = this.#waiter(workflowId);
    return {
      workflowId,
      runId,
      activityId,
      history,
      started: async () => {
        for (let waited = 0; ; waited += 20) {
          const events = await history();
          if (events.some((e) => e.eventType === 'ActivityTaskStarted')) return;
          if (outcomeOf(events)) throw new FlowySwfError(`activity ${activityId} closed before a worker started it: ${JSON.stringify(outcomeOf(events))}`);
          if (waited > 10_000) throw new FlowySwfError(`activity ${activityId} was not started by a worker within 10 s`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      requestCancel: async () => {
        await this.client.send(new SignalWorkflowExecutionCommand({ domain: this.domain, ...execution, signalName: CANCEL_SIGNAL }));
      },
      outcome: async () => {
        const events = await waiter.promise;
        const failure = scheduleFailure(events);
        if (failure) throw new ConfigurationError(`SWF refused to schedule activity ${activityId}: ${failure}`);
        const outcome = outcomeOf(events);
        if (!outcome) throw new FlowySwfError(`workflow ${workflowId} closed with activity ${activityId} open; this is a bug in flowy-swf/testing`);
        return outcome;
      },
    };
  }

  async advanceTime(seconds: number): Promise<void> {
    if (!this.clock) throw new FlowySwfError('advanceTime: this environment runs on the real clock (realTime: true); start one without it');
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new TypeError(`advanceTime: seconds is ${String(seconds)}; give a finite number ≥ 0`);
    }
    this.clock.advance(seconds * 1000);
    // Let the endpoint answer the polls the time-outs woke before the caller looks.
    await new Promise((resolve) => setImmediate(resolve));
  }

  teardown(): Promise<void> {
    this.#teardown ??= this.#stop();
    return this.#teardown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.teardown();
  }

  async #stop(): Promise<void> {
    this.#stopDecider.abort();
    const stopping = this.#workers.map(({ worker }) => worker.shutdown());
    // Aborted tasks report to the endpoint while it still answers; then it answers the open polls empty.
    for (let waited = 0; waited < 5_000 && this.#workers.some(({ worker }) => worker.runningTasks > 0); waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const { worker } of this.#workers) if (worker.runningTasks > 0) void worker.shutdown({ force: true });
    await this.swf.close();
    await Promise.all([...stopping, ...this.#workers.map((w) => w.done), this.#decider]);
    this.client.destroy();
  }

  #waiter(workflowId: string): { resolve: (events: HistoryEvent[]) => void; promise: Promise<HistoryEvent[]> } {
    let waiter = this.#waiters.get(workflowId);
    if (!waiter) {
      let resolve!: (events: HistoryEvent[]) => void;
      const promise = new Promise<HistoryEvent[]>((r) => (resolve = r));
      waiter = { resolve, promise };
      this.#waiters.set(workflowId, waiter);
    }
    return waiter;
  }

  #definition(activity: ActivityClass | string, version: string | undefined): ActivityDefinition {
    const known = this.activities.map((a) => `${a.name}@${a.version}`).join(', ');
    if (typeof activity === 'function') {
      const found = definitionsOf(activity).find((d) => this.registry.get(d.name, d.version)?.activityClass === activity);
      if (!found) throw new ConfigurationError(`${activity.name || 'this class'} is not one of this environment's activities (${known}); add it to activities or packages`);
      return found;
    }
    const named = this.activities.filter((a) => a.name === activity && (version === undefined || a.version === version));
    if (named.length === 1) return named[0]!;
    throw new ConfigurationError(
      named.length === 0
        ? `no activity type ${JSON.stringify(activity)}${version ? ` version ${version}` : ''} in this environment; it has ${known}`
        : `activity type ${JSON.stringify(activity)} has versions ${named.map((a) => a.version).join(', ')}: pass { version }`,
    );
  }
}

function swfTimeouts(timeouts: ActivityTimeouts = {}): OneActivityPlan['timeouts'] {
  const s = (value: number | 'NONE' | undefined): string | undefined => (value === undefined ? undefined : String(value));
  const out: Record<string, string> = {};
  const pairs = [
    ['heartbeatTimeout', s(timeouts.heartbeat)],
    ['scheduleToCloseTimeout', s(timeouts.scheduleToClose)],
    ['scheduleToStartTimeout', s(timeouts.scheduleToStart)],
    ['startToCloseTimeout', s(timeouts.startToClose)],
  ] as const;
  for (const [key, value] of pairs) if (value !== undefined) out[key] = value;
  return out;
}
