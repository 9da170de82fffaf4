import {
  RecordActivityTaskHeartbeatCommand,
  RespondActivityTaskCanceledCommand,
  RespondActivityTaskCompletedCommand,
  RespondActivityTaskFailedCommand,
  type ActivityTask,
} from '@aws-sdk/client-swf';
import type { Activity } from '../activity/activity.js';
import type { ActivityInfo } from '../activity/context.js';
import { definitionsOf } from '../scanner/decorator.js';
import type { ActivityClass, ActivityDefinition, ActivityLookup } from '../scanner/types.js';
import { encodeFlowyInput } from '../swf/codec.js';
import { FlowySwfError } from '../swf/errors.js';
import { compileWorkerOptions, type WorkerLogger } from '../worker/options.js';
import { TaskRun, type TaskRunnerShared } from '../worker/task-runner.js';
import type { ActivityOutcome } from './outcome.js';
import { ExecutorSet } from '../executor/index.js';

/**
 * How the mock SWF answers one heartbeat.
 * - `ok`: carry on.
 * - `cancel-requested`: the workflow asked to cancel the task: the heartbeat resolves `false` and the signal
 *   aborts with kind `cancelled`, as in the worker.
 * - `closed`: the task timed out or was closed (`UnknownResourceFault`): the heartbeat resolves `false`, the
 *   signal aborts with kind `closed`, and whatever the activity does next is not reported (`timed-out`).
 * - `error`: the call failed in transit after its retries: the heartbeat resolves `true` (the activity goes on).
 */
export type MockHeartbeatAnswer = 'ok' | 'cancel-requested' | 'closed' | 'error';

/** One heartbeat the worker sent, as SWF would receive it. */
export interface RecordedHeartbeat {
  /** 1 for the first heartbeat of the run, 2 for the second... */
  readonly index: number;
  /** The details as sent: a string as the activity gave it, anything else as JSON; `undefined` when none. */
  readonly details: string | undefined;
}

/** Options of {@link MockActivityEnvironment}. */
export interface MockActivityEnvironmentOptions {
  /**
   * What `activityInfo()` and `this.info` say. `activityType` @default the class's `@activity` name and
   * version (its class name and `'1'` when undecorated); `taskList` @default its `@activity` task list;
   * `domain` @default 'mock-domain'; `activityId` @default 'mock-activity'; `workflowExecution` @default
   * `{ workflowId: 'mock-workflow', runId: 'mock-run' }`; `startedEventId` @default 6.
   */
  info?: Partial<ActivityInfo>;
  /** The task token the activity sees (`this.token`). @default 'mock-task-token' */
  taskToken?: string;
  /**
   * Answers each heartbeat the worker sends. Return nothing for the default answer: `cancel-requested`
   * after {@link MockActivityEnvironment.requestCancel}, else `ok`. May be async: the activity's
   * `await this.heartbeat()` waits for it, as it waits for SWF. @default every heartbeat answered `ok`
   */
  onHeartbeat?: (heartbeat: RecordedHeartbeat) => MockHeartbeatAnswer | void | Promise<MockHeartbeatAnswer | void>;
  /**
   * Least time between two heartbeat calls, as the worker's `heartbeatIntervalMs`. 0 sends every heartbeat
   * the activity asks for, except those asked while one is in flight (their newest details ride on the next
   * call, as in the worker). @default 0
   */
  heartbeatIntervalMs?: number;
  /** Where the task logs, as the worker's `logger`. @default silent */
  logger?: WorkerLogger;
}

type Control = 'cancel' | 'time-out' | 'shutdown';

/**
 * Runs one activity as the worker does (decode the input, run it in a real per-task context, encode the
 * result, report), with SWF replaced by an in-memory fake: no network and no account. Records the
 * heartbeats the worker sends, lets a test cancel the task or time it out at a chosen moment, and gives
 * the outcome exactly as the worker would report it.
 *
 * ```ts
 * const env = new MockActivityEnvironment({ onHeartbeat: (hb) => (hb.index === 2 ? 'cancel-requested' : 'ok') });
 * const outcome = await env.run(Crunch, 21);
 * expect(outcome.status).toBe('canceled');
 * expect(env.heartbeats.map((hb) => hb.details)).toEqual(['{"step":0}', '{"step":1}']);
 * ```
 */
export class MockActivityEnvironment {
  readonly #options: MockActivityEnvironmentOptions;
  readonly #heartbeats: RecordedHeartbeat[] = [];
  #current: TaskRun | undefined;
  #pending: Control | undefined;
  #cancelRequested = false;
  #closed = false;
  #responses: { command: string; input: Record<string, unknown> }[] = [];

  constructor(options: MockActivityEnvironmentOptions = {}) {
    if (options.onHeartbeat !== undefined && typeof options.onHeartbeat !== 'function') {
      throw new TypeError('MockActivityEnvironment: onHeartbeat must be a function returning a MockHeartbeatAnswer');
    }
    this.#options = options;
  }

  /** The heartbeats the worker sent during the last (or current) run, in order. */
  get heartbeats(): readonly RecordedHeartbeat[] {
    return this.#heartbeats;
  }

  /** True while {@link MockActivityEnvironment.run} has not ended. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /**
   * Runs `activity` (a class, or an instance you built) with `args`, as the worker runs a task whose input
   * is Flowy's `[args, {}]`: the arguments go through JSON and the activity's `deserializeArguments`, as
   * they would in production. Resolves with the outcome the worker would report; never rejects for what
   * the activity does (a throw is a `failed` outcome). One run at a time per environment.
   */
  run(activity: ActivityClass | Activity, ...args: unknown[]): Promise<ActivityOutcome> {
    let input: string;
    try {
      input = encodeFlowyInput(args);
    } catch (error) {
      return Promise.reject(new TypeError(`MockActivityEnvironment.run: the arguments have no JSON form (${(error as Error).message}); SWF input is text`));
    }
    return this.runWithInput(activity, input);
  }

  /** Like {@link MockActivityEnvironment.run}, with the task's raw `input` text (`undefined` for none). */
  async runWithInput(activity: ActivityClass | Activity, input: string | undefined): Promise<ActivityOutcome> {
    if (this.#current) throw new FlowySwfError('MockActivityEnvironment: a run is already in progress; await it, or use another environment');
    const definition = definitionFor(activity);
    const task = this.#task(definition, input);
    this.#heartbeats.length = 0;
    this.#responses = [];
    this.#closed = false;
    const run = new TaskRun(task, this.#shared(definition));
    this.#current = run;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) this.#apply(pending);
    try {
      const outcome = await run.execute();
      return this.#outcome(outcome);
    } finally {
      this.#current = undefined;
      this.#cancelRequested = false;
    }
  }

  /**
   * Cancels the task now, as the worker does when SWF answers a heartbeat with `cancelRequested`: the
   * signal aborts with kind `cancelled` and heartbeats resolve `false`. If `run` then throws, the outcome is
   * `canceled`; if it returns, `completed`. Called before `run`, the next run starts cancelled.
   */
  cancel(): void {
    this.#control('cancel');
  }

  /**
   * Marks the task cancel-requested in SWF: the next heartbeat is answered `cancelRequested` (the only
   * way the worker learns of it). An activity that never heartbeats is never told, as in production.
   */
  requestCancel(): void {
    this.#cancelRequested = true;
  }

  /**
   * Times the task out now, as the worker learns it from `UnknownResourceFault`: the signal aborts with
   * kind `closed`, heartbeats resolve `false`, and nothing is reported: the outcome is `timed-out`. Called
   * before `run`, the next run starts timed out.
   */
  timeOut(): void {
    this.#control('time-out');
  }

  /**
   * Shuts the worker down with the grace period over: the signal aborts with kind `shutdown`. If `run`
   * then throws, the task is `failed` (the reason says the worker shut down, so the workflow can retry it
   * elsewhere); if it returns, `completed`. Called before `run`, the next run starts so.
   */
  shutdownWorker(): void {
    this.#control('shutdown');
  }

  #control(control: Control): void {
    if (this.#current) this.#apply(control);
    else this.#pending = control;
  }

  #apply(control: Control): void {
    if (control === 'time-out') {
      this.#closed = true;
      this.#current?.abort('closed');
    } else {
      this.#current?.abort(control === 'cancel' ? 'cancelled' : 'shutdown');
    }
  }

  #task(definition: ActivityDefinition, input: string | undefined): ActivityTask & { taskToken: string } {
    const info = this.#options.info ?? {};
    return {
      taskToken: this.#options.taskToken ?? 'mock-task-token',
      activityId: info.activityId ?? 'mock-activity',
      activityType: { name: info.activityType?.name ?? definition.name, version: info.activityType?.version ?? definition.version },
      workflowExecution: {
        workflowId: info.workflowExecution?.workflowId ?? 'mock-workflow',
        runId: info.workflowExecution?.runId ?? 'mock-run',
      },
      startedEventId: info.startedEventId ?? 6,
      input,
    };
  }

  #shared(definition: ActivityDefinition): TaskRunnerShared {
    const info = this.#options.info ?? {};
    const type = { name: info.activityType?.name ?? definition.name, version: info.activityType?.version ?? definition.version };
    // The task's type resolves to the activity given, whatever name info gives it. It runs inline in this
    // process, whatever its @activity says: a mock tests the activity's own logic, in the same context.
    const inline: ActivityDefinition = { ...definition, executor: 'inline' };
    const registry: ActivityLookup = {
      get: (name, version) => (name === type.name && version === type.version ? inline : undefined),
      list: () => [inline],
    };
    const options = compileWorkerOptions({
      client: { send: (command: unknown) => this.#send(command) } as never,
      domain: info.domain ?? 'mock-domain',
      taskList: info.taskList ?? definition.taskList,
      registry,
      identity: 'mock-activity-environment',
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs ?? 0,
      maxHeartbeatsPerSecond: Number.POSITIVE_INFINITY,
      ...(this.#options.logger ? { logger: this.#options.logger } : {}),
    });
    const once = { clock: options.clock, maxAttempts: 1 };
    return {
      options,
      log: options.logger,
      heartbeatBudget: undefined,
      executors: new ExecutorSet('inline', {}, options.hostFunctions, options.logger),
      retry: {
        PollForActivityTask: once,
        RecordActivityTaskHeartbeat: once,
        RespondActivityTaskCompleted: once,
        RespondActivityTaskFailed: once,
        RespondActivityTaskCanceled: once,
      },
    };
  }

  /** The fake SWF: records what the worker sends and answers as SWF would. */
  async #send(command: unknown): Promise<unknown> {
    if (command instanceof RecordActivityTaskHeartbeatCommand) {
      if (this.#closed) throw unknownResource();
      const heartbeat: RecordedHeartbeat = Object.freeze({ index: this.#heartbeats.length + 1, details: command.input.details });
      this.#heartbeats.push(heartbeat);
      const answer = (await this.#options.onHeartbeat?.(heartbeat)) ?? (this.#cancelRequested ? 'cancel-requested' : 'ok');
      switch (answer) {
        case 'ok':
          return { cancelRequested: false };
        case 'cancel-requested':
          return { cancelRequested: true };
        case 'closed':
          this.#closed = true;
          throw unknownResource();
        case 'error':
          throw Object.assign(new Error('mock: the heartbeat failed in transit'), { name: 'ServiceUnavailableException' });
        default:
          throw new TypeError(
            `MockActivityEnvironment: onHeartbeat returned ${JSON.stringify(answer)}; return 'ok', 'cancel-requested', 'closed', 'error' or nothing`,
          );
      }
    }
    const name =
      command instanceof RespondActivityTaskCompletedCommand ||
      command instanceof RespondActivityTaskFailedCommand ||
      command instanceof RespondActivityTaskCanceledCommand
        ? command.constructor.name
        : undefined;
    if (!name) throw new FlowySwfError(`MockActivityEnvironment: unexpected SWF call ${String((command as object)?.constructor?.name)}`);
    if (this.#closed) throw unknownResource();
    this.#closed = true;
    this.#responses.push({ command: name, input: (command as { input: Record<string, unknown> }).input });
    return {};
  }

  #outcome(outcome: string): ActivityOutcome {
    const sent = this.#responses.at(-1);
    const input = sent?.input ?? {};
    const text = (key: string): string | undefined => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
    if (outcome === 'completed' && sent?.command === 'RespondActivityTaskCompletedCommand') {
      return { status: 'completed', result: text('result') ?? '' };
    }
    if (outcome === 'failed' && sent?.command === 'RespondActivityTaskFailedCommand') {
      return { status: 'failed', reason: text('reason') ?? '', details: text('details') };
    }
    if (outcome === 'canceled' && sent?.command === 'RespondActivityTaskCanceledCommand') return { status: 'canceled', details: text('details') };
    if (outcome === 'suspended') return { status: 'suspended' };
    if (outcome === 'timed-out') return { status: 'timed-out' };
    throw new FlowySwfError(`MockActivityEnvironment: the worker ended the task ${outcome} without reporting it; this is a bug in flowy-swf`);
  }
}

function unknownResource(): Error {
  return Object.assign(new Error('mock: the task is closed or timed out'), { name: 'UnknownResourceFault' });
}

/** The definition to run `activity` under: its `@activity` one, or a stand-in for an undecorated class. */
function definitionFor(activity: ActivityClass | Activity): ActivityDefinition {
  const cls = typeof activity === 'function' ? activity : (activity?.constructor as ActivityClass | undefined);
  const proto = (cls as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  if (typeof proto?.run !== 'function' || typeof proto.deserializeArguments !== 'function') {
    throw new TypeError('MockActivityEnvironment.run: give an Activity subclass or an instance of one');
  }
  const base: ActivityDefinition = definitionsOf(cls)[0] ?? {
    name: cls!.name || 'activity',
    version: '1',
    taskList: 'mock-task-list',
    defaults: { heartbeatTimeout: 'NONE', scheduleToCloseTimeout: 'NONE', scheduleToStartTimeout: 'NONE', startToCloseTimeout: 'NONE' },
    activityClass: cls!,
  };
  if (typeof activity === 'function') return base;
  // The worker builds one instance per task with `new`; a constructor that returns the given instance
  // makes it run that one, bound to the task's context as any other.
  const given = function () {
    return activity;
  } as unknown as ActivityClass;
  return { ...base, activityClass: given };
}
