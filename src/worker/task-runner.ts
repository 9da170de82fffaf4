import type { ActivityTask } from '@aws-sdk/client-swf';
import { ActivityAbortedError, type ActivityAbortKind, type ActivityInfo, type CallHostOptions } from '../activity/context.js';
import { SuspendTask } from '../activity/errors.js';
import type { ExecutionContext, ExecutorSet } from '../executor/index.js';
import { progressDetails } from '../executor/progress.js';
import type { RetryOptions } from '../swf/backoff.js';
import { TaskClosedError } from '../swf/errors.js';
import { encodeFailure, fitDetails, truncate, type EncodedFailure } from '../swf/failure.js';
import { SWF_LIMITS } from '../swf/limits.js';
import {
  encodeHeartbeatDetails,
  recordHeartbeat,
  respondCanceled,
  respondCompleted,
  respondFailed,
  type RespondOutcome,
} from '../swf/respond.js';
import { tokenDigest } from '../swf/token.js';
import type { ActivityDefinition } from '../scanner/types.js';
import { notConfiguredError, type CallbackHandle, type DelegateOptions } from '../delegation/delegator.js';
import { callbackDigest } from '../delegation/keys.js';
import { invocationMessaging } from '../messaging/port.js';
import type { InvocationMessaging } from '../messaging/types.js';
import { autoHeartbeat, heartbeatTimeoutMs, HeartbeatCoalescer } from './heartbeats.js';
import { TaskInvocation } from './invocation.js';
import { TokenBucket } from './token-bucket.js';
import type { SwfOperation, TaskOutcome } from './metrics.js';
import type { CompiledWorkerOptions, WorkerLogger } from './options.js';
import { respondTask, unknownTypeFailure, type RespondOperation } from './task-respond.js';

/** @internal What every task of one worker shares: options, the worker's logger, retry settings. */
export interface TaskRunnerShared {
  readonly options: CompiledWorkerOptions;
  /** The worker's logger, already carrying domain, task list and identity. */
  readonly log: WorkerLogger;
  /** Retry settings per operation: the worker's clock and backoff, a retry metric, the force-stop signal. */
  readonly retry: Readonly<Record<SwfOperation, RetryOptions>>;
  /** The worker-wide heartbeat budget (`maxHeartbeatsPerSecond`); absent when unlimited. */
  readonly heartbeatBudget: TokenBucket | undefined;
  /** Where tasks run: inline, or in child processes. */
  readonly executors: ExecutorSet;
}

/**
 * Runs one polled task: look its type up, have its executor run it (build the activity, decode the
 * input, run it in its context, encode the result), and respond. It is also the task's context, as the
 * executor sees it ({@link ExecutionContext}). `execute()` never rejects.
 * @internal
 */
export class TaskRun implements ExecutionContext {
  readonly taskToken: string;
  readonly #task: ActivityTask;
  readonly #shared: TaskRunnerShared;
  #info: ActivityInfo | undefined;
  readonly #invocation: TaskInvocation;
  #messaging: InvocationMessaging | undefined;
  #log: WorkerLogger | undefined;
  #controller: AbortController | undefined;
  #abortReason: ActivityAbortedError | undefined;
  #heartbeats: HeartbeatCoalescer | undefined;
  /** Made when a heartbeat waits for the budget; resolved when the task's response is due, so it goes at once. */
  #flushing: { promise: Promise<void>; resolve: () => void } | undefined;
  #responseDue = false;
  #autoStop: AbortController | undefined;
  /** Set once `run` has ended: heartbeats resolve `false` from then on. */
  #done = false;
  #definition: ActivityDefinition | undefined;
  /** When the task arrived (clock ms): where the default expiry of a callback id counts from. */
  readonly #receivedAt: number;
  /** Automatic heartbeats go out only while this says the task's process answers. */
  #alive: () => boolean = alwaysAlive;
  #progressLoggedAt = Number.NEGATIVE_INFINITY;

  /** `receivedAt`: when the task arrived (clock ms), if the caller has read the clock already. */
  constructor(task: ActivityTask & { taskToken: string }, shared: TaskRunnerShared, receivedAt = shared.options.clock.now()) {
    this.taskToken = task.taskToken;
    this.#task = task;
    this.#shared = shared;
    this.#invocation = new TaskInvocation(shared.options.messaging, this);
    this.#receivedAt = receivedAt;
  }

  get info(): ActivityInfo {
    this.#invocation.sighted();
    if (!this.#info) {
      const t = this.#task;
      this.#info = Object.freeze({
        activityId: t.activityId ?? '',
        activityType: Object.freeze({ name: t.activityType?.name ?? '', version: t.activityType?.version ?? '' }),
        workflowExecution: Object.freeze({
          workflowId: t.workflowExecution?.workflowId ?? '',
          runId: t.workflowExecution?.runId ?? '',
        }),
        startedEventId: t.startedEventId ?? 0,
        taskList: this.#shared.options.taskList,
        domain: this.#shared.options.domain,
        invocationId: this.#invocation.id,
      });
    }
    return this.#info;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortReason) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Sends and receives messages as this task's invocation, through the worker's router. */
  get messaging(): InvocationMessaging {
    this.#invocation.sighted();
    return (this.#messaging ??= invocationMessaging(this.#shared.options.messaging, this.#invocation.id, this.signal));
  }

  /** Why the signal was aborted, if it was. */
  get abortKind(): ActivityAbortKind | undefined {
    return this.#abortReason?.kind;
  }

  /** The task's logger, made on first use: a child carrying the activity type, ids and token digest. */
  get log(): WorkerLogger {
    return (this.#log ??= this.#shared.log.child({
      activityType: this.#task.activityType?.name,
      activityVersion: this.#task.activityType?.version,
      activityId: this.#task.activityId,
      workflowId: this.#task.workflowExecution?.workflowId,
      runId: this.#task.workflowExecution?.runId,
      tokenDigest: tokenDigest(this.taskToken),
    }));
  }

  /** Aborts the task's signal with `kind`; the first kind wins. Pending heartbeats resolve `false`. */
  abort(kind: ActivityAbortKind): void {
    if (this.#abortReason) return;
    this.#abortReason = new ActivityAbortedError(kind);
    this.#heartbeats?.close();
    this.#controller?.abort(this.#abortReason);
  }

  delegate(options?: DelegateOptions): Promise<CallbackHandle> {
    const { delegator, clock } = this.#shared.options;
    if (!delegator) return Promise.reject(notConfiguredError());
    try {
      const defaults = this.#definition?.defaults;
      const handle = delegator.delegate(
        {
          taskToken: this.taskToken,
          receivedAt: this.#receivedAt,
          startToCloseTimeout: defaults?.startToCloseTimeout,
          scheduleToCloseTimeout: defaults?.scheduleToCloseTimeout,
        },
        clock.now(),
        options,
      );
      if (this.#shared.options.logger.isLevelEnabled('debug')) this.log.debug({ callback: callbackDigest(handle.id), expiresAt: handle.expiresAt.toISOString() }, 'task delegated: callback id sealed');
      return Promise.resolve(handle);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  heartbeat(details?: unknown): Promise<boolean> {
    if (this.#done || this.#abortReason) return Promise.resolve(false);
    let encoded: string | undefined;
    try {
      encoded = encodeHeartbeatDetails(details);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#coalescer().request(encoded);
  }

  /** Calls a host function for this task (see `registerHostFunction`). */
  callHost(namespace: string, func: string, args?: unknown, options?: CallHostOptions): Promise<unknown> {
    return this.#shared.options.hostFunctions.invoke(namespace, func, args ?? null, {
      info: this.info,
      signal: options?.signal ? AbortSignal.any([this.signal, options.signal]) : this.signal,
      taskToken: this.taskToken,
      context: this,
    });
  }

  vouchFor(alive: () => boolean): void {
    this.#alive = alive;
  }

  /** A value the activity yielded: heartbeat details (coalesced, newest wins), a log line at most once a second, a metric, an event. */
  progress(value: unknown): void {
    if (this.#done || this.#abortReason) return;
    const details = progressDetails(value);
    void this.#coalescer().request(details);
    const { metrics, onProgress, clock } = this.#shared.options;
    const type = this.#task.activityType;
    metrics.progress(type?.name ?? '', type?.version ?? '');
    const now = clock.now();
    if (now - this.#progressLoggedAt >= 1_000) {
      this.#progressLoggedAt = now;
      this.log.info({ progress: details.length > 200 ? `${details.slice(0, 200)}…` : details }, 'progress');
    }
    if (onProgress) {
      try {
        onProgress({ activityType: this.info.activityType, activityId: this.info.activityId, workflowExecution: this.info.workflowExecution, value, details });
      } catch (error) {
        this.log.warn({ err: error }, 'onProgress threw; progress goes on');
      }
    }
  }

  #coalescer(): HeartbeatCoalescer {
    return (this.#heartbeats ??= new HeartbeatCoalescer(
      (details, urgent) => this.#sendHeartbeat(details, urgent),
      this.#shared.options.clock,
      this.#shared.options.heartbeatIntervalMs,
    ));
  }

  async #sendHeartbeat(details: string | undefined, urgent: boolean): Promise<boolean> {
    const { options, retry, heartbeatBudget } = this.#shared;
    const { metrics } = options;
    if (heartbeatBudget) {
      // A heartbeat waiting its turn when the task's response is due goes at once: the response must
      // not wait behind other tasks' heartbeats. (Its place in line is then spent on nothing.)
      const due = urgent || this.#responseDue;
      await Promise.race([heartbeatBudget.take(due), (this.#flushing ??= deferred()).promise]);
      // The task may have been aborted while it waited its turn: nothing left to say to SWF.
      if (this.#abortReason) return false;
    }
    try {
      const answer = await recordHeartbeat(options.transport, this.taskToken, details, retry.RecordActivityTaskHeartbeat);
      metrics.swfCall('RecordActivityTaskHeartbeat', 'ok');
      if (answer === 'cancel-requested') {
        metrics.heartbeat('cancel-requested');
        this.log.info({}, 'cancel requested: aborting the task signal (kind cancelled)');
        this.abort('cancelled');
        return false;
      }
      metrics.heartbeat('ok');
      return true;
    } catch (error) {
      if (error instanceof TaskClosedError) {
        metrics.swfCall('RecordActivityTaskHeartbeat', 'error');
        metrics.heartbeat('closed');
        this.log.warn({}, 'heartbeat: task closed or timed out in SWF; aborting the task signal (kind closed)');
        this.abort('closed');
        return false;
      }
      // A network blip must not kill a healthy activity: report it, tell the activity to go on.
      metrics.swfCall('RecordActivityTaskHeartbeat', 'error');
      metrics.heartbeat('error');
      this.log.warn({ err: error }, 'heartbeat failed after retries; the activity goes on');
      return true;
    }
  }

  /** Runs the task to its end and reports it. Never rejects. */
  execute(): Promise<TaskOutcome> {
    return this.#run(undefined);
  }

  /** Fails the task without running it: the worker was force-stopped. Never rejects. */
  refuse(message: string): Promise<TaskOutcome> {
    return this.#run(message);
  }

  /**
   * Runs the task and responds (given `refusal`, fails it without running it). One async frame for
   * the whole task: each frame, await and closure more is a cost every task pays.
   */
  async #run(refusal: string | undefined): Promise<TaskOutcome> {
    try {
      if (refusal !== undefined) {
        return await this.#respondFailure({ reason: truncate(refusal, SWF_LIMITS.reason), details: fitDetails({ type: 'WorkerStopped', message: refusal }) });
      }
      const type = this.#task.activityType;
      const definition = type?.name !== undefined && type.version !== undefined ? this.#shared.options.registry.get(type.name, type.version) : undefined;
      if (!definition) return await this.#failUnknownType();
      this.#definition = definition;
      if (this.#shared.options.autoHeartbeat) this.#startAutoHeartbeat(definition);
      const registered = this.#invocation.tell('register');
      if (registered) await registered;
      // An outcome given at once (a `run` that awaited nothing, inline) costs no await.
      const running = this.#shared.executors.for(definition).execute(definition, this.#task.input, this);
      const outcome = running instanceof Promise ? await running : running;
      this.#done = true;
      void this.#invocation.tell('finish');
      if (outcome.status === 'threw') return await this.#reportThrown(outcome.error, outcome.context);
      if (this.abortKind === 'closed') {
        this.log.warn({}, 'run returned, but the task was already closed or timed out in SWF; not reporting');
        return 'timed-out';
      }
      const flushing = this.#flushHeartbeats();
      if (flushing) await flushing;
      const { transport } = this.#shared.options;
      const retry = this.#shared.retry.RespondActivityTaskCompleted;
      return await this.#respond('RespondActivityTaskCompleted', 'completed', () => respondCompleted(transport, this.taskToken, outcome.result, retry));
    } catch (error) {
      // Only a bug in the worker lands here; the task is left to SWF's timeouts.
      this.log.error({ err: error }, 'internal error while running the task');
      return 'failed';
    } finally {
      this.#done = true;
      this.#autoStop?.abort();
      this.#heartbeats?.close();
    }
  }

  #startAutoHeartbeat(definition: ActivityDefinition): void {
    const timeoutMs = heartbeatTimeoutMs(definition.defaults.heartbeatTimeout);
    if (timeoutMs === undefined) return;
    this.#autoStop = new AbortController();
    const periodMs = timeoutMs / 3;
    const firstDelayMs = periodMs * this.#shared.options.random();
    void autoHeartbeat(this.#coalescer(), this.#shared.options.clock, periodMs, this.#autoStop.signal, firstDelayMs, () => this.#alive());
  }

  /** Stops automatic heartbeats and sends the last pending one; undefined (nothing to wait for) when none was made. */
  #flushHeartbeats(): Promise<void> | undefined {
    this.#autoStop?.abort();
    if (!this.#heartbeats) return undefined;
    this.#responseDue = true;
    this.#flushing?.resolve();
    return this.#heartbeats.flush();
  }

  async #reportThrown(error: unknown, context?: string): Promise<TaskOutcome> {
    if (error instanceof SuspendTask) {
      await this.#flushHeartbeats();
      if (this.#shared.options.logger.isLevelEnabled('debug')) this.log.debug({}, 'task suspended; slot freed without a response');
      return 'suspended';
    }
    switch (this.abortKind) {
      case 'closed':
        this.log.warn({ err: error }, 'run threw after the task was closed or timed out in SWF; not reporting');
        return 'timed-out';
      case 'cancelled': {
        await this.#flushHeartbeats();
        const { details } = encodeFailure(error);
        return this.#respond('RespondActivityTaskCanceled', 'canceled', () =>
          respondCanceled(this.#shared.options.transport, this.taskToken, details, this.#shared.retry.RespondActivityTaskCanceled),
        );
      }
      case 'shutdown':
        return this.#fail(error, `worker ${this.#shared.options.identity} shut down before the task finished; retry it elsewhere`);
      default:
        return this.#fail(error, context);
    }
  }

  #failUnknownType(): Promise<TaskOutcome> {
    const { message, known, failure } = unknownTypeFailure(this.#task, this.#shared.options);
    this.log.error({ known }, message);
    return this.#respondFailure(failure);
  }

  /** Fails the task with what was thrown; `context` goes in front of the reason. */
  #fail(error: unknown, context?: string): Promise<TaskOutcome> {
    const failure = encodeFailure(error);
    if (context) failure.reason = truncate(`${context}: ${failure.reason}`, SWF_LIMITS.reason);
    return this.#respondFailure(failure);
  }

  async #respondFailure(failure: EncodedFailure): Promise<TaskOutcome> {
    await this.#flushHeartbeats();
    if (this.#shared.options.logger.isLevelEnabled('info')) this.log.info({ reason: failure.reason }, 'task failed');
    return this.#respond('RespondActivityTaskFailed', 'failed', () =>
      respondFailed(this.#shared.options.transport, this.taskToken, failure.reason, failure.details, this.#shared.retry.RespondActivityTaskFailed),
    );
  }

  #respond(operation: RespondOperation, outcome: TaskOutcome, call: () => Promise<RespondOutcome>): Promise<TaskOutcome> {
    return respondTask(this, this.#shared, operation, outcome, call);
  }
}

function alwaysAlive(): boolean {
  return true;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
