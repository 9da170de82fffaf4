/**
 * Property-based fuzzing of the local endpoint, driven by the SWF model's shapes (src/local/model-shapes.ts):
 * for every operation, generated requests (valid-looking, with names and tokens of what the endpoint holds)
 * and mutated ones (members dropped, nulled, of the wrong type, unknown and deeply nested). After each call:
 * no 5xx, no state left half-applied; after each operation: the endpoint answers and every open execution
 * can still be driven to its close. Used by local-fuzz.test.ts (bounded) and `npm run fuzz` (long).
 */
import fc from 'fast-check';
import { applyCall, type CallResult } from '../../src/local/apply.js';
import { createManualClock, type ManualClock } from '../../src/local/clock.js';
import { OPERATION_INPUTS } from '../../src/local/model-shapes.js';
import { createEngine } from '../../src/local/engine.js';
import type { Execution } from '../../src/local/state.js';
import { inputShapeOf, shapeOf } from '../../src/local/validate.js';

/** Placeholders a generated string may be; each call swaps them for what the endpoint holds right then. */
const LIVE = ['$DOMAIN', '$ACTIVITY_TOKEN', '$DECISION_TOKEN', '$RUN_ID', '$WORKFLOW_ID', '$ARN'] as const;
const NAMES = ['wf', 'act', '1', 'decisions', 'activities', 'fuzz'];
const EDGE_STRINGS = ['', ' ', 'NONE', '0', '-1', '31536000', '99999999', '2147483648', 'arn', ' x', 'a:b', 'a|b', '\u0000', '\u0085', 'x'.repeat(257)];

/** Shapes whose values should mostly be what the endpoint holds, so requests reach past the lookups. */
const LIVE_BY_SHAPE: Readonly<Record<string, readonly string[]>> = {
  TaskToken: ['$DECISION_TOKEN', '$ACTIVITY_TOKEN'],
  DomainName: ['$DOMAIN'],
  WorkflowId: ['$WORKFLOW_ID'],
  WorkflowRunId: ['$RUN_ID'],
  WorkflowRunIdOptional: ['$RUN_ID', ''],
  Arn: ['$ARN'],
};

function stringArb(shapeName: string, spec: { min?: number; max?: number; e?: readonly string[] }): fc.Arbitrary<string> {
  const live = LIVE_BY_SHAPE[shapeName];
  if (live) return fc.oneof({ arbitrary: fc.constantFrom(...live), weight: 10 }, { arbitrary: genericString(shapeName, spec), weight: 2 });
  return genericString(shapeName, spec);
}

function genericString(shapeName: string, spec: { min?: number; max?: number; e?: readonly string[] }): fc.Arbitrary<string> {
  if (spec.e) return fc.oneof({ arbitrary: fc.constantFrom(...spec.e), weight: 8 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 });
  const max = Math.min(spec.max ?? 64, 64);
  const durations = /Duration/.test(shapeName) ? [fc.constantFrom('1', '5', '60', '3600', 'NONE', '0')] : [];
  const priorities = shapeName === 'TaskPriority' ? [fc.integer({ min: -5, max: 5 }).map(String)] : [];
  return fc.oneof(
    { arbitrary: fc.constantFrom(...LIVE, ...NAMES), weight: 6 },
    ...durations.map((arbitrary) => ({ arbitrary, weight: 6 })),
    ...priorities.map((arbitrary) => ({ arbitrary, weight: 6 })),
    { arbitrary: fc.string({ minLength: spec.min ?? 0, maxLength: Math.max(max, spec.min ?? 0) }), weight: 2 },
    { arbitrary: fc.constantFrom(...EDGE_STRINGS), weight: 1 },
  );
}

/** A value of the wrong kind, or junk SWF does not know. */
const WRONG = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  fc.constantFrom<unknown>(0, -1, 1e308, true, '', [], {}, 'x'),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 100, max: 3000 }).map((depth) => nest(depth)),
);

/** An object nested `depth` levels deep under `junk`. */
function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { junk: value };
  return value;
}

const cache = new Map<string, fc.Arbitrary<unknown>>();

/** A generator of values of model shape `shapeName`, each member sometimes mutated. */
export function shapeArb(shapeName: string, depth = 0): fc.Arbitrary<unknown> {
  const key = `${shapeName}@${Math.min(depth, 6)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const spec = shapeOf(shapeName);
  let arb: fc.Arbitrary<unknown>;
  if (spec === undefined || depth > 6) arb = fc.constant({});
  else if (spec.t === 's') arb = stringArb(shapeName, spec);
  else if (spec.t === 'i') arb = fc.oneof(fc.integer({ min: spec.min ?? -10, max: Math.min(spec.max ?? 10, 20) }), fc.integer());
  else if (spec.t === 'b') arb = fc.boolean();
  else if (spec.t === 'ts') arb = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.constantFrom<unknown>('0', 'x', 1e300, -1));
  else if (shapeName === 'Decision') arb = decisionArb(spec.m as Record<string, string>, depth);
  else if (spec.t === 'l') arb = fc.array(shapeArb(spec.m as string, depth + 1), { maxLength: Math.min(spec.max ?? 4, 4) });
  else arb = structureArb(spec.m as Record<string, string>, spec.r ?? [], depth);
  cache.set(key, arb);
  return arb;
}

function structureArb(members: Record<string, string>, required: readonly string[], depth: number): fc.Arbitrary<unknown> {
  const model = Object.fromEntries(Object.entries(members).map(([k, s]) => [k, mutated(shapeArb(s, depth + 1))]));
  const record = fc.record(model, { requiredKeys: required.filter((r) => Object.hasOwn(model, r)) });
  return fc.oneof(
    { arbitrary: record, weight: 10 },
    // Unknown members beside the known ones, some of them deeply nested.
    { arbitrary: fc.tuple(record, fc.dictionary(fc.string({ maxLength: 8 }), WRONG, { maxKeys: 2 })).map(([r, extra]) => ({ ...extra, ...(r as object) })), weight: 1 },
  );
}

/** A decision of a random type with, mostly, the attributes of that type (generated and mutated). */
function decisionArb(members: Record<string, string>, depth: number): fc.Arbitrary<unknown> {
  const types = (shapeOf('DecisionType')?.e ?? []) as readonly string[];
  return fc.constantFrom(...types).chain((decisionType) => {
    const key = `${decisionType.charAt(0).toLowerCase()}${decisionType.slice(1)}DecisionAttributes`;
    const attributes = members[key] === undefined ? fc.constant({}) : shapeArb(members[key], depth + 1);
    return fc.record({ decisionType: mutated(fc.constant(decisionType)), [key]: mutated(attributes) }, { requiredKeys: ['decisionType'] });
  });
}

function mutated(arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: arb, weight: 12 }, { arbitrary: WRONG, weight: 1 });
}

/** The request generator of `operation`: model-driven, with a whole-body mutation now and then. */
export function requestArb(operation: string): fc.Arbitrary<unknown> {
  const shape = inputShapeOf(operation);
  const body = shape === undefined ? fc.constant({}) : shapeArb(shape);
  return fc.oneof({ arbitrary: body, weight: 20 }, { arbitrary: WRONG, weight: 1 });
}

/** Every operation the endpoint answers. */
export const FUZZED_OPERATIONS: readonly string[] = [...Object.keys(OPERATION_INPUTS), 'DeleteActivityType', 'DeleteWorkflowType'].sort();

/** An engine on a manual clock with a domain, types and a few runs with tasks out: something to hit. */
export class Target {
  readonly clock: ManualClock = createManualClock(1_700_000_000_000);
  readonly engine = createEngine(this.clock, { pollTimeoutMs: 1, maxOpenActivitiesPerExecution: 1000, maxDomains: 100, maxHistoryEvents: 25_000, maxClosedExecutions: 500, accountId: '000000000000', region: 'us-east-1' });
  calls = 0;

  async seed(): Promise<void> {
    await this.must('RegisterDomain', { name: 'fuzz', workflowExecutionRetentionPeriodInDays: '1' });
    await this.refill();
  }

  /** Puts the domain and the two types back the way the seed made them, whatever the requests did to them. */
  private async restore(): Promise<void> {
    const domain = this.engine.domains.get('fuzz');
    if (domain?.status === 'DEPRECATED') await this.must('UndeprecateDomain', { name: 'fuzz' });
    const types = [
      ['WorkflowType', 'workflowType', { name: 'wf', version: '1', defaultTaskList: { name: 'decisions' }, defaultExecutionStartToCloseTimeout: '3600', defaultTaskStartToCloseTimeout: '60', defaultChildPolicy: 'TERMINATE' }],
      ['ActivityType', 'activityType', { name: 'act', version: '1', defaultTaskList: { name: 'activities' }, defaultTaskScheduleToStartTimeout: '600', defaultTaskScheduleToCloseTimeout: '1200', defaultTaskStartToCloseTimeout: '600' }],
    ] as const;
    for (const [type, member, registration] of types) {
      const ref = { domain: 'fuzz', [member]: { name: registration.name, version: '1' } };
      const described = await this.call(`Describe${type}`, ref);
      if ('fault' in described) await this.must(`Register${type}`, { domain: 'fuzz', ...registration });
      else if ((described.ok.typeInfo as { status: string }).status === 'DEPRECATED') await this.must(`Undeprecate${type}`, ref);
    }
  }

  /** Keeps a run with a started decision task and a started activity task around, so tokens mean something. */
  async refill(): Promise<void> {
    await this.restore();
    if (this.engine.decisionTokens.size === 0) {
      await this.must('StartWorkflowExecution', { domain: 'fuzz', workflowId: `wf-${++this.calls}`, workflowType: { name: 'wf', version: '1' } });
      await this.must('PollForDecisionTask', { domain: 'fuzz', taskList: { name: 'decisions' } });
    }
    if (this.engine.activityTokens.size === 0) {
      const token = [...this.engine.decisionTokens.keys()][0];
      const decisions = [{ decisionType: 'ScheduleActivityTask', scheduleActivityTaskDecisionAttributes: { activityId: `a-${++this.calls}`, activityType: { name: 'act', version: '1' } } }];
      if (token) await this.call('RespondDecisionTaskCompleted', { taskToken: token, decisions });
      await this.call('PollForActivityTask', { domain: 'fuzz', taskList: { name: 'activities' } });
      await this.refillDecision();
    }
  }

  private async refillDecision(): Promise<void> {
    if (this.engine.decisionTokens.size > 0) return;
    await this.must('StartWorkflowExecution', { domain: 'fuzz', workflowId: `wf-${++this.calls}`, workflowType: { name: 'wf', version: '1' } });
    await this.call('PollForDecisionTask', { domain: 'fuzz', taskList: { name: 'decisions' } });
  }

  private live(): Record<(typeof LIVE)[number], string> {
    const run = this.openExecutions()[0];
    return {
      $DOMAIN: 'fuzz',
      $ACTIVITY_TOKEN: [...this.engine.activityTokens.keys()][0] ?? 'none',
      $DECISION_TOKEN: [...this.engine.decisionTokens.keys()][0] ?? 'none',
      $RUN_ID: run?.runId ?? 'none',
      $WORKFLOW_ID: run?.workflowId ?? 'none',
      $ARN: this.engine.domains.get('fuzz')?.arn ?? 'none',
    };
  }

  /** Swaps placeholders for live values, in what the generator built (never deeper than 12 levels). */
  bind(value: unknown, live = this.live(), depth = 0): unknown {
    if (typeof value === 'string') return Object.hasOwn(live, value) ? live[value as keyof typeof live] : value;
    if (depth > 12 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.bind(v, live, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.bind(v, live, depth + 1)]));
  }

  call(operation: string, input: unknown): Promise<CallResult> {
    return applyCall(this.engine, operation, input);
  }

  private async must(operation: string, input: unknown): Promise<Record<string, unknown>> {
    const result = await this.call(operation, input);
    if ('fault' in result) throw new Error(`${operation} failed: ${result.fault.type}: ${result.fault.message}`);
    return result.ok;
  }

  openExecutions(): Execution[] {
    return [...this.engine.domains.values()].flatMap((d) => [...d.open.values()]);
  }
}

/** Throws when a run is left half-applied: a decision task lost, a token without its task, a task out of its queue. */
export function checkInvariants(target: Target): void {
  for (const e of target.openExecutions()) {
    const where = `${e.domain.name}/${e.workflowId}`;
    if (e.decision.applying) throw new Error(`${where}: decisions left half-applied`);
    const { scheduled, started } = e.decision;
    if (started && (started.state !== 'STARTED' || target.engine.decisionTokens.get(started.token ?? '') !== started)) throw new Error(`${where}: started decision task without its token`);
    if (scheduled && (scheduled.state !== 'SCHEDULED' || !scheduled.queued)) throw new Error(`${where}: scheduled decision task not in its task list`);
    if (!started && e.decision.needsAnother) throw new Error(`${where}: a decision task is owed but none is scheduled`);
    for (const task of e.activities.values()) {
      if (task.state === 'SCHEDULED' && !task.queued) throw new Error(`${where}: scheduled activity ${task.activityId} not in its task list`);
    }
  }
}

/** Signals every open run and drives each to its close through the API: proof that none is stuck. */
export async function driveAllToClose(target: Target): Promise<void> {
  for (const e of target.openExecutions()) {
    const signaled = await target.call('SignalWorkflowExecution', { domain: e.domain.name, workflowId: e.workflowId, runId: e.runId, signalName: 'progress' });
    if ('fault' in signaled) throw new Error(`cannot signal ${e.workflowId}: ${signaled.fault.message}`);
  }
  for (let round = 0; round < 10_000 && target.openExecutions().length > 0; round++) {
    const e = target.openExecutions()[0] as Execution;
    let token = e.decision.started?.token;
    if (token === undefined) {
      if (!e.decision.scheduled) throw new Error(`${e.workflowId} is open with no decision task after a signal`);
      const polled = await target.call('PollForDecisionTask', { domain: e.domain.name, taskList: { name: e.decision.scheduled.taskList } });
      if ('fault' in polled) throw new Error(`poll failed: ${polled.fault.message}`);
      token = polled.ok.taskToken as string | undefined;
      if (token === undefined) throw new Error(`${e.workflowId}: its scheduled decision task could not be polled`);
    }
    const done = await target.call('RespondDecisionTaskCompleted', { taskToken: token, decisions: [{ decisionType: 'CompleteWorkflowExecution' }] });
    if ('fault' in done) throw new Error(`completing a decision task failed: ${done.fault.message}`);
  }
  if (target.openExecutions().length > 0) throw new Error(`${target.openExecutions().length} runs could not be closed`);
}

/** Fuzzes one operation for `numRuns` generated requests; throws with fast-check's counterexample on failure. */
export async function fuzzOperation(operation: string, options: { numRuns: number; seed: number }): Promise<{ faults: number; ok: number }> {
  const target = new Target();
  await target.seed();
  const counts = { faults: 0, ok: 0 };
  await fc.assert(
    fc.asyncProperty(requestArb(operation), fc.nat({ max: 120_000 }), async (request, advanceMs) => {
      const result = await target.call(operation, target.bind(request));
      if ('fault' in result) {
        if (result.fault.status >= 500) throw new Error(`${operation} answered ${result.fault.status} ${result.fault.type}: ${result.fault.message}`);
        counts.faults++;
      } else {
        JSON.stringify(result.ok); // an answer that cannot be written is a 500 over HTTP
        counts.ok++;
      }
      target.clock.advance(advanceMs % 7 === 0 ? advanceMs : 0); // time-outs and timers fire now and then
      checkInvariants(target);
      await target.refill();
    }),
    { numRuns: options.numRuns, seed: options.seed, endOnFailure: true },
  );
  const alive = await target.call('ListDomains', { registrationStatus: 'REGISTERED' });
  if ('fault' in alive) throw new Error(`ListDomains failed after fuzzing ${operation}: ${alive.fault.message}`);
  await driveAllToClose(target);
  target.engine.close();
  return counts;
}
