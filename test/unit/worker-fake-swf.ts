/** Test doubles for the worker's unit tests: a fake SWF sender, a fake clock, and registry helpers. */
import type { ActivityTask, SWFClient } from '@aws-sdk/client-swf';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Activity } from '../../src/activity/activity.js';
import type { Clock } from '../../src/swf/clock.js';
import type { ActivityDefinition, ActivityLookup } from '../../src/scanner/types.js';
import type { Backoff } from '../../src/swf/backoff.js';
import type { WorkerLogger } from '../../src/worker/options.js';

export type Op =
  | 'PollForActivityTask'
  | 'RecordActivityTaskHeartbeat'
  | 'RespondActivityTaskCompleted'
  | 'RespondActivityTaskFailed'
  | 'RespondActivityTaskCanceled';

export interface Call {
  op: Op;
  input: Record<string, any>;
}

type Handler = (input: Record<string, any>) => unknown;

/** An SWF error as the AWS SDK shapes it. */
export function swfError(name: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(`${name} from fake SWF`), { name, $metadata: { httpStatusCode } });
}

/**
 * A fake SWF: polls take queued tasks or wait for one (or answer empty at once with `emptyWhenIdle`);
 * every call is recorded; errors can be queued per operation; handlers answer heartbeats and responds.
 */
export class FakeSwf {
  readonly calls: Call[] = [];
  readonly queue: ActivityTask[] = [];
  readonly waiting: Array<{ resolve: (task: ActivityTask) => void }> = [];
  emptyWhenIdle = false;
  maxOpenPolls = 0;
  readonly errors: Partial<Record<Op, unknown[]>> = {};
  readonly handlers: Partial<Record<Op, Handler>> = {};
  #tokens = 0;

  get client(): Pick<SWFClient, 'send'> {
    return { send: this.send } as unknown as Pick<SWFClient, 'send'>;
  }

  readonly send = async (command: { input: Record<string, any>; constructor: { name: string } }, options?: { abortSignal?: AbortSignal }): Promise<unknown> => {
    const op = command.constructor.name.replace(/Command$/, '') as Op;
    this.calls.push({ op, input: command.input });
    const queued = this.errors[op];
    if (queued && queued.length > 0) throw queued.shift();
    const handler = this.handlers[op];
    if (handler) return handler(command.input);
    if (op === 'PollForActivityTask') return this.#poll(options?.abortSignal);
    if (op === 'RecordActivityTaskHeartbeat') return { cancelRequested: false };
    return {};
  };

  #poll(signal: AbortSignal | undefined): Promise<ActivityTask> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.emptyWhenIdle) return Promise.resolve({ taskToken: '' } as ActivityTask);
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: (task: ActivityTask) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(task);
        },
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.maxOpenPolls = Math.max(this.maxOpenPolls, this.waiting.length);
    });
  }

  /** A task of `name`/`version` with Flowy input `[args, kwargs]` (or raw input when a string). */
  task(name: string, version: string, input?: string | [unknown[], Record<string, unknown>?]): ActivityTask {
    const n = ++this.#tokens;
    return {
      taskToken: `token-${n}-${'x'.repeat(40)}`,
      activityId: `act-${n}`,
      startedEventId: n,
      workflowExecution: { workflowId: 'wf-1', runId: 'run-1' },
      activityType: { name, version },
      input: typeof input === 'string' ? input : input === undefined ? undefined : JSON.stringify([input[0], input[1] ?? {}]),
    };
  }

  /** Gives a task to the oldest open poll, or queues it for the next one. */
  push(task: ActivityTask): void {
    const poll = this.waiting.shift();
    if (poll) poll.resolve(task);
    else this.queue.push(task);
  }

  /** Answers every open poll with no task. */
  answerEmpty(token: string | undefined = ''): void {
    for (const poll of this.waiting.splice(0)) poll.resolve(token === undefined ? ({} as ActivityTask) : ({ taskToken: token } as ActivityTask));
  }

  get openPolls(): number {
    return this.waiting.length;
  }

  callsOf(op: Op): Array<Record<string, any>> {
    return this.calls.filter((c) => c.op === op).map((c) => c.input);
  }

  /** Queues errors that the next calls of `op` throw, in order. */
  failNext(op: Op, ...errors: unknown[]): void {
    (this.errors[op] ??= []).push(...errors);
  }
}

export { FakeClock, settle } from './fake-clock.js';
import { settle } from './fake-clock.js';


/** Waits (in macrotask turns, not time) until `condition` holds; fails the test after many turns. */
export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await nextMacrotask();
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A backoff that records the attempts it is asked about and answers `ms(attempt)`. */
export function recordingBackoff(ms: (attempt: number) => number = (a) => 100 * 2 ** a): Backoff & { attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    delay(attempt) {
      attempts.push(attempt);
      return ms(attempt);
    },
  };
}

/** An activity definition for tests. */
export function definition(
  name: string,
  version: string,
  activityClass: new () => Activity,
  heartbeatTimeout = 'NONE',
): ActivityDefinition {
  return {
    name,
    version,
    taskList: 'tl',
    defaults: { heartbeatTimeout, scheduleToCloseTimeout: '420', scheduleToStartTimeout: '120', startToCloseTimeout: '300' },
    activityClass,
  };
}

/** A hand-built registry. */
export function lookup(...definitions: ActivityDefinition[]): ActivityLookup {
  const sorted = [...definitions].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  return {
    get: (name, version) => sorted.find((d) => d.name === name && d.version === version),
    list: () => [...sorted],
  };
}

/** A promise with its resolve function, for tests that hold an activity until they say so. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** One line a {@link recordingLogger} took. */
export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A worker logger that keeps every line; `overrides[level]` also runs after a line of that level (e.g. to throw). */
export function recordingLogger(overrides: Partial<Record<LoggedLine['level'], () => void>> = {}): { logger: WorkerLogger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: LoggedLine['level']) => (fields: object, message?: string) => {
    lines.push({ level, fields: fields as Record<string, unknown>, message: message ?? '' });
    overrides[level]?.();
  };
  const logger: WorkerLogger = {
    child: () => logger,
    isLevelEnabled: () => true,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}
