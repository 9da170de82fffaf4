/**
 * The harness of the worker's end-to-end tests (worker-*.test.ts, limits-*.test.ts): a local endpoint and
 * a real `@aws-sdk/client-swf` client over HTTP, a domain per test, a worker started the way users start
 * one, a tiny decider that schedules activity tasks and reads the history, and probes (a recording
 * client, a proxy that loses answers, a captured logger, an unhandled-rejection spy).
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  GetWorkflowExecutionHistoryCommand,
  PollForDecisionTaskCommand,
  RegisterActivityTypeCommand,
  RegisterDomainCommand,
  RegisterWorkflowTypeCommand,
  RespondDecisionTaskCompletedCommand,
  SignalWorkflowExecutionCommand,
  StartWorkflowExecutionCommand,
  type Decision,
  type HistoryEvent,
  type RegisterActivityTypeCommandInput,
  type SWFClient,
} from '@aws-sdk/client-swf';
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import {
  createSwfClient,
  startActivityWorker,
  type StartActivityWorkerOptions,
  type TaskOutcome,
  type Worker,
} from 'flowy-swf';
import { startLocalSwf, type LocalSwf, type LocalSwfOptions } from 'flowy-swf/local';

/** The workflow type every test execution runs; its decisions are made by the test. */
export const WORKFLOW_TYPE = { name: 'e2e-workflow', version: '1' } as const;

/** A name no other test of this process uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

// ---------------------------------------------------------------------------------------------------
// Endpoint, client, domain

/** A local endpoint and a client talking to it over HTTP. */
export interface Endpoint {
  readonly swf: LocalSwf;
  /** A client built as users build one: `createSwfClient({ endpoint })`. */
  readonly client: SWFClient;
  /** Registers a fresh domain and the test workflow type in it; returns the domain's name. */
  newDomain(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a local endpoint (polls held 300 ms unless told otherwise) and a client for it. */
export async function startEndpoint(options: LocalSwfOptions = {}): Promise<Endpoint> {
  const swf = await startLocalSwf({ port: 0, pollTimeoutMs: 300, ...options });
  const client = createSwfClient({ endpoint: swf.endpoint });
  return {
    swf,
    client,
    newDomain: () => registerDomain(client),
    async close() {
      client.destroy();
      await swf.close();
    },
  };
}

/** Registers a fresh domain with the test workflow type. */
export async function registerDomain(client: Pick<SWFClient, 'send'>): Promise<string> {
  const domain = unique('e2e-domain');
  await client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' }));
  await client.send(
    new RegisterWorkflowTypeCommand({
      domain,
      ...WORKFLOW_TYPE,
      defaultTaskList: { name: 'e2e-decisions' },
      defaultExecutionStartToCloseTimeout: '600',
      defaultTaskStartToCloseTimeout: '60',
      defaultChildPolicy: 'TERMINATE',
    }),
  );
  return domain;
}

/** Registers an activity type directly (not through a worker), with short defaults unless overridden. */
export async function registerActivityType(
  client: Pick<SWFClient, 'send'>,
  domain: string,
  name: string,
  overrides: Partial<RegisterActivityTypeCommandInput> = {},
): Promise<void> {
  await client.send(
    new RegisterActivityTypeCommand({
      domain,
      name,
      version: '1',
      defaultTaskList: { name: 'e2e' },
      defaultTaskScheduleToStartTimeout: '30',
      defaultTaskScheduleToCloseTimeout: '60',
      defaultTaskStartToCloseTimeout: '30',
      defaultTaskHeartbeatTimeout: 'NONE',
      ...overrides,
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Worker

/** A worker started with `startActivityWorker`, and the promise that call returned. */
export interface RunningWorker {
  readonly worker: Worker;
  /** What `startActivityWorker` returned: resolves when the worker stopped. */
  readonly done: Promise<void>;
  /** Outcomes the worker's metrics saw, by activity type name, in order. */
  readonly outcomes: Array<{ activityType: string; outcome: TaskOutcome }>;
  /** Graceful shutdown, then waits for `startActivityWorker` to return. */
  stop(): Promise<void>;
}

/** A logger that says nothing, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Starts a worker as users do, `startActivityWorker`, with `handleSignals: false` and `registerRemote:
 * true` unless told otherwise, and resolves once it is built and about to poll. Rejects with what
 * `startActivityWorker` rejected with when it fails before that (bad options, registration mismatch).
 */
export async function startWorker(
  options: Omit<StartActivityWorkerOptions, 'onWorker'> & { client: Pick<SWFClient, 'send'> },
): Promise<RunningWorker> {
  const outcomes: RunningWorker['outcomes'] = [];
  let built!: (worker: Worker) => void;
  const gotWorker = new Promise<Worker>((resolve) => (built = resolve));
  const userMetrics = options.metrics;
  const done = startActivityWorker({
    handleSignals: false,
    registerRemote: true,
    logger: silentLogger,
    heartbeatIntervalMs: 20,
    ...options,
    metrics: {
      ...userMetrics,
      taskFinished(activityType, version, outcome, seconds) {
        outcomes.push({ activityType, outcome });
        userMetrics?.taskFinished?.(activityType, version, outcome, seconds);
      },
    },
    onWorker: built,
  });
  // A rejection after start-up is the test's to see through `done`; never an unhandled one.
  done.catch(() => {});
  const worker = await Promise.race([
    gotWorker,
    done.then(() => {
      throw new Error('startActivityWorker returned before the worker was built');
    }),
  ]);
  return {
    worker,
    done,
    outcomes,
    async stop() {
      await worker.shutdown();
      await done;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Decider

/** One activity task for the decider to schedule. */
export interface ActivitySpec {
  activityId: string;
  name: string;
  version?: string;
  /** The task's input as sent. Give `args`/`kwargs` instead for Flowy's `[args, kwargs]`. */
  input?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  taskList?: string;
  heartbeatTimeout?: string;
  startToCloseTimeout?: string;
  scheduleToCloseTimeout?: string;
  scheduleToStartTimeout?: string;
}

/** A workflow execution the decider started, and the decision task list only it uses. */
export interface Execution {
  readonly domain: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly decisionTaskList: string;
}

function scheduleDecision(spec: ActivitySpec): Decision {
  const input = spec.input ?? (spec.args || spec.kwargs ? JSON.stringify([spec.args ?? [], spec.kwargs ?? {}]) : undefined);
  return {
    decisionType: 'ScheduleActivityTask',
    scheduleActivityTaskDecisionAttributes: {
      activityId: spec.activityId,
      activityType: { name: spec.name, version: spec.version ?? '1' },
      ...(input !== undefined ? { input } : {}),
      ...(spec.taskList ? { taskList: { name: spec.taskList } } : {}),
      ...(spec.heartbeatTimeout ? { heartbeatTimeout: spec.heartbeatTimeout } : {}),
      ...(spec.startToCloseTimeout ? { startToCloseTimeout: spec.startToCloseTimeout } : {}),
      ...(spec.scheduleToCloseTimeout ? { scheduleToCloseTimeout: spec.scheduleToCloseTimeout } : {}),
      ...(spec.scheduleToStartTimeout ? { scheduleToStartTimeout: spec.scheduleToStartTimeout } : {}),
    },
  };
}

/** Polls the execution's own decision task list and answers the task with `decisions`. */
export async function decide(client: Pick<SWFClient, 'send'>, execution: Execution, decisions: Decision[]): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const task = await client.send(
      new PollForDecisionTaskCommand({ domain: execution.domain, taskList: { name: execution.decisionTaskList }, identity: 'e2e-decider' }),
    );
    if (!task.taskToken) continue; // the poll was held and came back empty: poll again
    await client.send(new RespondDecisionTaskCompletedCommand({ taskToken: task.taskToken, decisions }));
    return;
  }
  throw new Error(`no decision task came for ${execution.workflowId}`);
}

/** Starts an execution of the test workflow and schedules `activities` in its first decision. */
export async function scheduleActivities(
  client: Pick<SWFClient, 'send'>,
  domain: string,
  activities: ActivitySpec[],
): Promise<Execution> {
  const workflowId = unique('e2e-wf');
  const decisionTaskList = unique('e2e-decisions');
  const { runId } = await client.send(
    new StartWorkflowExecutionCommand({ domain, workflowId, workflowType: WORKFLOW_TYPE, taskList: { name: decisionTaskList } }),
  );
  const execution: Execution = { domain, workflowId, runId: runId ?? '', decisionTaskList };
  await decide(client, execution, activities.map(scheduleDecision));
  return execution;
}

/** Asks SWF to cancel an activity task: a signal wakes the decider, which decides RequestCancelActivityTask. */
export async function requestCancel(client: Pick<SWFClient, 'send'>, execution: Execution, activityId: string): Promise<void> {
  await client.send(
    new SignalWorkflowExecutionCommand({ domain: execution.domain, workflowId: execution.workflowId, runId: execution.runId, signalName: 'cancel' }),
  );
  await decide(client, execution, [{ decisionType: 'RequestCancelActivityTask', requestCancelActivityTaskDecisionAttributes: { activityId } }]);
}

/** The whole history of an execution, oldest first, every page. */
export async function history(client: Pick<SWFClient, 'send'>, execution: Execution): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: string | undefined;
  do {
    const page = await client.send(
      new GetWorkflowExecutionHistoryCommand({
        domain: execution.domain,
        execution: { workflowId: execution.workflowId, runId: execution.runId },
        ...(nextPageToken ? { nextPageToken } : {}),
      }),
    );
    events.push(...(page.events ?? []));
    nextPageToken = page.nextPageToken;
  } while (nextPageToken);
  return events;
}

/** How one activity task ended, as the history records it. */
export interface ActivityOutcome {
  readonly activityId: string;
  /** `ActivityTaskCompleted`, `ActivityTaskFailed`, `ActivityTaskCanceled` or `ActivityTaskTimedOut`. */
  readonly eventType: string;
  readonly result?: string;
  readonly reason?: string;
  readonly details?: string;
  readonly timeoutType?: string;
  /** How many times the task was started (SWF starts a task once). */
  readonly starts: number;
  /** How many close events name this task (exactly one when all is well). */
  readonly closes: number;
}

const CLOSE_EVENTS: Record<string, string> = {
  ActivityTaskCompleted: 'activityTaskCompletedEventAttributes',
  ActivityTaskFailed: 'activityTaskFailedEventAttributes',
  ActivityTaskCanceled: 'activityTaskCanceledEventAttributes',
  ActivityTaskTimedOut: 'activityTaskTimedOutEventAttributes',
};

/** Every activity task of a history that has closed, by activity id. */
export function activityOutcomes(events: readonly HistoryEvent[]): Map<string, ActivityOutcome> {
  const idOf = new Map<number, string>();
  const starts = new Map<string, number>();
  const closes = new Map<string, number>();
  const out = new Map<string, ActivityOutcome>();
  for (const e of events) {
    if (e.eventType === 'ActivityTaskScheduled') {
      idOf.set(e.eventId ?? -1, e.activityTaskScheduledEventAttributes?.activityId ?? '');
      continue;
    }
    if (e.eventType === 'ActivityTaskStarted') {
      const id = idOf.get(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) ?? '';
      starts.set(id, (starts.get(id) ?? 0) + 1);
      continue;
    }
    const key = CLOSE_EVENTS[e.eventType ?? ''];
    if (!key) continue;
    const attrs = (e as unknown as Record<string, Record<string, unknown>>)[key] ?? {};
    const activityId = idOf.get(attrs.scheduledEventId as number) ?? '';
    closes.set(activityId, (closes.get(activityId) ?? 0) + 1);
    out.set(activityId, {
      activityId,
      eventType: e.eventType ?? '',
      ...(attrs.result !== undefined ? { result: attrs.result as string } : {}),
      ...(attrs.reason !== undefined ? { reason: attrs.reason as string } : {}),
      ...(attrs.details !== undefined ? { details: attrs.details as string } : {}),
      ...(attrs.timeoutType !== undefined ? { timeoutType: attrs.timeoutType as string } : {}),
      starts: 0,
      closes: 0,
    });
  }
  for (const [id, outcome] of out) out.set(id, { ...outcome, starts: starts.get(id) ?? 0, closes: closes.get(id) ?? 0 });
  return out;
}

/** Waits until `check` holds, trying every 20 ms for at most `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the given activities have all closed, and returns how each ended. */
export async function outcomesOf(
  client: Pick<SWFClient, 'send'>,
  execution: Execution,
  activityIds: readonly string[],
  timeoutMs?: number,
): Promise<Map<string, ActivityOutcome>> {
  return until(
    `${activityIds.length} activity tasks to close in ${execution.workflowId}`,
    async () => {
      const outcomes = activityOutcomes(await history(client, execution));
      return activityIds.every((id) => outcomes.has(id)) ? outcomes : undefined;
    },
    timeoutMs,
  );
}

/** Waits until one activity has closed, and returns how it ended. */
export async function outcomeOf(client: Pick<SWFClient, 'send'>, execution: Execution, activityId: string): Promise<ActivityOutcome> {
  const outcomes = await outcomesOf(client, execution, [activityId]);
  return outcomes.get(activityId)!;
}

// ---------------------------------------------------------------------------------------------------
// Probes

/** One SWF call seen by a {@link recordingClient}. */
export interface RecordedCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/**
 * Wraps a client: records every call's operation and input, and every task token an activity poll
 * handed out, then passes the call on.
 */
export function recordingClient(inner: Pick<SWFClient, 'send'>): {
  client: Pick<SWFClient, 'send'>;
  calls: RecordedCall[];
  tokens: Set<string>;
  /** Calls sent and not yet answered, by operation. */
  inFlight: Map<string, number>;
} {
  const calls: RecordedCall[] = [];
  const tokens = new Set<string>();
  const inFlight = new Map<string, number>();
  const send = async (command: { input: Record<string, unknown>; constructor: { name: string } }, options?: unknown): Promise<unknown> => {
    const operation = command.constructor.name.replace(/Command$/, '');
    calls.push({ operation, input: command.input });
    inFlight.set(operation, (inFlight.get(operation) ?? 0) + 1);
    try {
      const output = await (inner.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
      const token = (output as { taskToken?: unknown } | undefined)?.taskToken;
      if (operation === 'PollForActivityTask' && typeof token === 'string' && token !== '') tokens.add(token);
      return output;
    } finally {
      inFlight.set(operation, (inFlight.get(operation) ?? 1) - 1);
    }
  };
  return { client: { send } as unknown as Pick<SWFClient, 'send'>, calls, tokens, inFlight };
}

/** A proxy in front of an endpoint that loses some answers. */
export interface LossyProxy {
  /** The URL to point a client at. */
  readonly endpoint: string;
  /** Answers lost so far, by operation. */
  readonly lost: string[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP proxy in front of `target`. Every call is forwarded and applied; when `lose(operation,
 * n)` (n counts that operation's calls from 1) says so, the answer is thrown away and the client's socket
 * destroyed, as when an answer is lost on its way back.
 */
export async function startLossyProxy(target: string, lose: (operation: string, n: number) => boolean): Promise<LossyProxy> {
  const upstream = new URL(target);
  const counts = new Map<string, number>();
  const lost: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^SimpleWorkflowService\./, '');
      const n = (counts.get(operation) ?? 0) + 1;
      counts.set(operation, n);
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
      const forward = request(
        { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            if (lose(operation, n)) {
              lost.push(operation);
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    lost,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A pino logger writing JSON lines into memory. */
export interface CapturedLog {
  readonly logger: Logger;
  /** Every line written, parsed. */
  readonly lines: Array<Record<string, unknown>>;
  /** Every byte written, as text. */
  text(): string;
}

/** A pino logger at `level` whose output is kept for the test to read. */
export function captureLog(level = 'trace'): CapturedLog {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const text = String(chunk);
      raw.push(text);
      for (const line of text.split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines, text: () => raw.join('') };
}

/** Records every unhandled rejection of the process until `stop()`. */
export function spyUnhandledRejections(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', listener);
  return { seen, stop: () => process.off('unhandledRejection', listener) };
}

/**
 * The set-up most suites share: one endpoint for the file (started before its tests, closed after), and
 * a check after every test that nothing was left as an unhandled rejection. Read `env` inside tests.
 */
export function useEndpoint(options: LocalSwfOptions = {}): { readonly env: Endpoint; readonly unhandled: { readonly seen: unknown[] } } {
  let env: Endpoint | undefined;
  const unhandled = spyUnhandledRejections();
  beforeAll(async () => {
    env = await startEndpoint(options);
  });
  afterAll(async () => {
    unhandled.stop();
    await env?.close();
  });
  afterEach(() => {
    expect(unhandled.seen).toEqual([]);
  });
  return {
    get env(): Endpoint {
      if (!env) throw new Error('useEndpoint(): the endpoint starts in beforeAll; read env inside a test');
      return env;
    },
    unhandled,
  };
}
