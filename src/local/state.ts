/** The in-memory state of the local endpoint and the records it is made of. @internal */
import { randomBytes, randomUUID } from 'node:crypto';
import type { LocalClock, TimerHandle } from './clock.js';
import { SwfFault, unknownResource } from './protocol.js';
import { Deque, TaskDispatcher, type Waiter } from './task-queue.js';

/** Name and version of an activity or workflow type. */
export interface TypeId {
  name: string;
  version: string;
}

/** A task list as SWF writes it. */
export interface TaskListRef {
  name: string;
}

export interface TypeRecord {
  id: TypeId;
  status: 'REGISTERED' | 'DEPRECATED';
  description?: string;
  creationMs: number;
  deprecationMs?: number;
  /** The type's default settings, as registered (duration strings, task list, priority, child policy). */
  defaults: Record<string, unknown>;
}

export interface ResourceTag {
  key: string;
  value?: string;
}

export interface Domain {
  name: string;
  status: 'REGISTERED' | 'DEPRECATED';
  description?: string;
  retentionDays: string;
  arn: string;
  tags: ResourceTag[];
  activityTypes: Map<string, TypeRecord>;
  workflowTypes: Map<string, TypeRecord>;
  /** Every run, open or closed, by run id. */
  executions: Map<string, Execution>;
  /** The open run of each workflow id. */
  open: Map<string, Execution>;
  activityQueues: Map<string, TaskDispatcher<ActivityTask>>;
  decisionQueues: Map<string, TaskDispatcher<DecisionTask>>;
  /** Closed runs still kept, oldest close first: the order their retention ends in. */
  closed: Deque<Execution>;
}

export interface HistoryEventRecord {
  eventId: number;
  eventTimestampMs: number;
  eventType: string;
  attributes: Record<string, unknown>;
}

export type CloseStatus = 'COMPLETED' | 'FAILED' | 'CANCELED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT';

/** The settings an execution runs with, defaults of its type applied. */
export interface ExecutionConfig {
  taskList: TaskListRef;
  taskPriority?: string;
  executionStartToCloseTimeout: string;
  taskStartToCloseTimeout: string;
  childPolicy: string;
  lambdaRole?: string;
}

export interface Execution {
  domain: Domain;
  workflowId: string;
  runId: string;
  workflowType: TypeId;
  config: ExecutionConfig;
  tagList: string[];
  input?: string;
  startMs: number;
  closeMs?: number;
  status: 'OPEN' | 'CLOSED';
  closeStatus?: CloseStatus;
  cancelRequested: boolean;
  history: HistoryEventRecord[];
  latestExecutionContext?: string;
  latestActivityTaskMs?: number;
  parent?: { execution: Execution; initiatedEventId: number; startedEventId?: number };
  /** Open activity tasks by activity id. */
  activities: Map<string, ActivityTask>;
  /** Open timers by timer id. */
  timers: Map<string, TimerRecord>;
  /** Open child executions by run id. */
  children: Map<string, Execution>;
  decision: {
    scheduled?: DecisionTask;
    started?: DecisionTask;
    /** Something happened while a decision task was started: schedule another when it ends. */
    needsAnother: boolean;
    /** Decisions of a completed task are being applied: hold new decision tasks until they all are. */
    applying: boolean;
    previousStartedEventId: number;
  };
  timeoutTimer?: TimerHandle;
  /** The engine's history limit, shared by every run: a run that reaches it joins `reached`. */
  eventLimit: EventLimit;
  /** Forgotten: its retention ended, or the cap on closed runs pushed it out. */
  dropped?: boolean;
}

/** SWF's cap on events in one run's history, and the runs that reached it since the engine last settled. */
export interface EventLimit {
  readonly max: number;
  readonly reached: Set<Execution>;
}

export interface ActivityTimeouts {
  scheduleToStart?: number;
  scheduleToClose?: number;
  startToClose?: number;
  heartbeat?: number;
}

export interface ActivityTask {
  queued: boolean;
  state: 'SCHEDULED' | 'STARTED' | 'CLOSED';
  execution: Execution;
  activityId: string;
  activityType: TypeId;
  input?: string;
  taskList: string;
  timeouts: ActivityTimeouts;
  scheduledEventId: number;
  startedEventId: number;
  token?: string;
  cancelRequested: boolean;
  latestCancelRequestedEventId?: number;
  heartbeatDetails?: string;
  timers: { scheduleToStart?: TimerHandle; scheduleToClose?: TimerHandle; startToClose?: TimerHandle; heartbeat?: TimerHandle };
}

export interface DecisionTask {
  queued: boolean;
  state: 'SCHEDULED' | 'STARTED' | 'CLOSED';
  execution: Execution;
  taskList: string;
  startToCloseMs?: number;
  scheduledEventId: number;
  startedEventId: number;
  token?: string;
  timer?: TimerHandle;
}

export interface TimerRecord {
  timerId: string;
  startedEventId: number;
  handle: TimerHandle;
}

/** Settings of the engine, already normalised. */
export interface EngineSettings {
  pollTimeoutMs: number;
  maxOpenActivitiesPerExecution: number;
  maxDomains: number;
  /** Events in one run's history before SWF terminates it (EVENT_LIMIT_EXCEEDED). */
  maxHistoryEvents: number;
  /** Most closed runs kept across domains, oldest dropped first; undefined for no cap but retention. */
  maxClosedExecutions?: number;
  accountId: string;
  region: string;
}

/** The whole state of one local endpoint, with the indexes every hot call goes through. */
export class Engine {
  readonly domains = new Map<string, Domain>();
  readonly activityTokens = new Map<string, ActivityTask>();
  readonly decisionTokens = new Map<string, DecisionTask>();
  private readonly timers = new Set<TimerHandle>();
  private readonly polls = new Set<{ waiter: Waiter<never>; finish: () => void }>();
  private tokenSeq = 0;
  /** Closed runs kept, across domains (dropped ones excluded). */
  closedCount = 0;
  /** Closed runs in close order, across domains; kept only when there is a cap on them. */
  readonly closedOrder = new Deque<Execution>();
  /** The timer that drops closed runs whose retention ended, and when it fires. */
  retentionTimer?: { handle: TimerHandle; at: number };
  readonly eventLimit: EventLimit;
  /** Key that signs page tokens, so a hand-made one is told apart from one this endpoint wrote. */
  readonly pageTokenKey = randomBytes(32);
  closed = false;

  constructor(
    readonly clock: LocalClock,
    readonly settings: EngineSettings,
  ) {
    this.eventLimit = { max: settings.maxHistoryEvents, reached: new Set() };
  }

  now(): number {
    return this.clock.now();
  }

  /** Starts a timer the engine will clear on close. */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const handle: TimerHandle = this.clock.setTimer(ms, () => {
      this.timers.delete(handle);
      if (this.closed) return;
      try {
        fn();
      } finally {
        this.settle();
      }
    });
    this.timers.add(handle);
    return handle;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    this.timers.delete(handle);
    this.clock.clearTimer(handle);
  }

  /**
   * Runs after every call and every timer: enforces what may only be enforced between two steps of the
   * state machine (set by the endpoint; a no-op until then).
   */
  settle: () => void = () => {};

  /** Time-outs and workflow timers running now, not counting the retention sweep (for tests and stats). */
  get timerCount(): number {
    return this.timers.size - (this.retentionTimer ? 1 : 0);
  }

  /** An opaque, unguessable task token: 32 random bytes in base64url and a sequence number. */
  newToken(): string {
    return `${randomBytes(32).toString('base64url')}.${(++this.tokenSeq).toString(36)}`;
  }

  newRunId(): string {
    return randomUUID().replaceAll('-', '') + randomBytes(6).toString('hex');
  }

  domain(name: string): Domain {
    const d = this.domains.get(name);
    if (d === undefined) throw unknownResource(`Unknown domain: ${name}`);
    return d;
  }

  activityQueue(domain: Domain, taskList: string): TaskDispatcher<ActivityTask> {
    let q = domain.activityQueues.get(taskList);
    if (q === undefined) {
      q = new TaskDispatcher<ActivityTask>();
      domain.activityQueues.set(taskList, q);
    }
    return q;
  }

  decisionQueue(domain: Domain, taskList: string): TaskDispatcher<DecisionTask> {
    let q = domain.decisionQueues.get(taskList);
    if (q === undefined) {
      q = new TaskDispatcher<DecisionTask>();
      domain.decisionQueues.set(taskList, q);
    }
    return q;
  }

  /**
   * Waits for a task on `queue`: answers at once with a queued task, else holds the poll until a task
   * is offered, `pollTimeoutMs` passes (→ undefined), the caller goes away (`signal`) or the engine closes.
   * Poll holds run on real timers, not the injectable clock: they are transport, not SWF semantics.
   */
  waitForTask<T extends ActivityTask | DecisionTask>(queue: TaskDispatcher<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
    if (this.closed) throw new SwfFault('InternalFailure', 'The local SWF endpoint is closing', 503);
    // A caller that already left must not take a task: it would be lost with the answer.
    if (signal?.aborted) return Promise.resolve(undefined);
    const ready = queue.take();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<T | undefined>((resolve) => {
      let timeout: NodeJS.Timeout | undefined;
      const finish = (task: T | undefined): void => {
        if (timeout !== undefined) clearTimeout(timeout);
        signal?.removeEventListener('abort', onAbort);
        this.polls.delete(entry);
        resolve(task);
      };
      const waiter: Waiter<T> = { active: true, deliver: finish };
      const onAbort = (): void => {
        queue.removeWaiter(waiter);
        finish(undefined);
      };
      const entry = { waiter: waiter as unknown as Waiter<never>, finish: onAbort };
      this.polls.add(entry);
      queue.addWaiter(waiter);
      timeout = setTimeout(onAbort, this.settings.pollTimeoutMs);
      timeout.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Polls waiting now (for tests and stats). */
  get waitingPolls(): number {
    return this.polls.size;
  }

  /** Stops every timer and answers every waiting poll empty. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
    for (const p of [...this.polls]) p.finish();
  }
}

/** The key of a type in its domain's map. */
export function typeKey(id: TypeId): string {
  return `${id.name}\u0000${id.version}`;
}

/** Finds an execution; an absent run id means the open run of the workflow id. */
export function findExecution(engine: Engine, domainName: string, ref: { workflowId?: string; runId?: string }): Execution {
  const domain = engine.domain(domainName);
  const workflowId = ref.workflowId ?? '';
  const found = ref.runId ? domain.executions.get(ref.runId) : domain.open.get(workflowId);
  if (found === undefined || found.workflowId !== workflowId) {
    throw unknownResource(`Unknown execution: WorkflowExecution=[workflowId=${workflowId}, runId=${ref.runId ?? ''}]`);
  }
  return found;
}

/** An execution as SWF names one in its answers. */
export function executionRef(e: Execution): { workflowId: string; runId: string } {
  return { workflowId: e.workflowId, runId: e.runId };
}
