/**
 * Checks a request against the SWF model (required members, lengths, enums, ranges) and SWF's rules
 * (rules.ts), and keeps only what the model names: unknown members and nulls are dropped, so nothing a
 * client invents is stored, and the depth of what is kept is the model's. @internal
 */
import { OPERATION_INPUTS, SHAPES, type ShapeSpec } from './model-shapes.js';
import { SwfFault } from './protocol.js';
import { ruleFor, ruleProblem } from './rules.js';

/** Operations the current AWS SDK has but the bundled model predates. */
const EXTRA_SHAPES: Readonly<Record<string, ShapeSpec>> = {
  DeleteActivityTypeInput: { t: 'o', m: { domain: 'DomainName', activityType: 'ActivityType' }, r: ['domain', 'activityType'] },
  DeleteWorkflowTypeInput: { t: 'o', m: { domain: 'DomainName', workflowType: 'WorkflowType' }, r: ['domain', 'workflowType'] },
};
const EXTRA_OPERATIONS: Readonly<Record<string, string>> = {
  DeleteActivityType: 'DeleteActivityTypeInput',
  DeleteWorkflowType: 'DeleteWorkflowTypeInput',
};

/** Most violations spelled out in one ValidationException; the rest are counted ("and 3,401 more"). */
export const MAX_REPORTED_ERRORS = 10;

/** True when `operation` is one SWF has. */
export function isKnownOperation(operation: string): boolean {
  return Object.hasOwn(OPERATION_INPUTS, operation) || Object.hasOwn(EXTRA_OPERATIONS, operation);
}

/** The input shape of `operation`, by name. */
export function inputShapeOf(operation: string): string | undefined {
  return Object.hasOwn(EXTRA_OPERATIONS, operation) ? EXTRA_OPERATIONS[operation] : (OPERATION_INPUTS[operation] ?? undefined);
}

/** A shape of the model (or of the operations it predates) by name. */
export function shapeOf(name: string): ShapeSpec | undefined {
  return Object.hasOwn(EXTRA_SHAPES, name) ? EXTRA_SHAPES[name] : Object.hasOwn(SHAPES, name) ? SHAPES[name] : undefined;
}

/** Shows a value the way SWF's messages do, cut short, and never by walking a structure a client built. */
function show(value: unknown): string {
  if (typeof value === 'string') return value.length > 64 ? `${value.slice(0, 61)}...` : value;
  if (Array.isArray(value)) return `[list of ${value.length.toLocaleString('en-US')}]`;
  return typeof value === 'object' && value !== null ? '{...}' : String(value);
}

/** Past this many violations a request is not read further: its CPU cost is bounded, whatever it holds. */
export const MAX_COUNTED_ERRORS = 100;

/** Thrown to stop the walk once MAX_COUNTED_ERRORS violations are found. */
class TooManyErrors extends Error {}

/** Violations found so far: the first few spelled out, the rest counted up to MAX_COUNTED_ERRORS. */
class Violations {
  readonly shown: string[] = [];
  count = 0;
  add(value: unknown, path: string, must: string): void {
    this.count++;
    if (this.count > MAX_COUNTED_ERRORS) throw new TooManyErrors();
    const shownValue = value === null ? 'null' : `'${show(value)}'`;
    if (this.shown.length < MAX_REPORTED_ERRORS) this.shown.push(`Value ${shownValue} at '${path}' failed to satisfy constraint: Member must ${must}`);
  }
}

function lengthProblems(spec: ShapeSpec, value: string | unknown[], path: string, errors: Violations): boolean {
  const before = errors.count;
  if (spec.min !== undefined && value.length < spec.min) errors.add(value, path, `have length greater than or equal to ${spec.min}`);
  if (spec.max !== undefined && value.length > spec.max) errors.add(value, path, `have length less than or equal to ${spec.max}`);
  return errors.count > before;
}

function checkString(spec: ShapeSpec, value: unknown, path: string, errors: Violations, ruleKey: readonly [string, string, string]): string {
  if (typeof value !== 'string') throw new SwfFault('SerializationException', `Expected a string at '${path}'`);
  if (lengthProblems(spec, value, path, errors)) return value;
  if (spec.e && !spec.e.includes(value)) errors.add(value, path, `satisfy enum value set: [${spec.e.join(', ')}]`);
  const rule = ruleFor(...ruleKey);
  const problem = rule === undefined || (value === '' && spec.min === 0) ? undefined : ruleProblem(rule, value);
  if (problem) errors.add(value, path, problem);
  return value;
}

/** The members of each structure shape as [name, shape] pairs, listed once rather than on every value. */
const MEMBERS = new Map<ShapeSpec, readonly (readonly [string, string])[]>();
function membersOf(spec: ShapeSpec): readonly (readonly [string, string])[] {
  let members = MEMBERS.get(spec);
  if (members === undefined) {
    members = Object.entries(spec.m as Readonly<Record<string, string>>);
    MEMBERS.set(spec, members);
  }
  return members;
}

function checkStructure(spec: ShapeSpec, shapeName: string, value: unknown, path: string, errors: Violations): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SwfFault('SerializationException', `Expected an object at '${path || 'the request'}'`);
  }
  const record = value as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const req of spec.r ?? []) {
    if (record[req] === undefined || record[req] === null) errors.add(null, path ? `${path}.${req}` : req, 'not be null');
  }
  // Only members the model names are read and kept: SWF ignores the others, and so they are never stored.
  for (const [key, memberShape] of membersOf(spec)) {
    const v = Object.hasOwn(record, key) ? record[key] : undefined;
    if (v === undefined || v === null) continue;
    kept[key] = check(memberShape, v, path ? `${path}.${key}` : key, errors, [shapeName, key, memberShape]);
  }
  return kept;
}

function check(shapeName: string, value: unknown, path: string, errors: Violations, ruleKey: readonly [string, string, string]): unknown {
  const spec = shapeOf(shapeName);
  if (spec === undefined) return undefined;
  switch (spec.t) {
    case 's':
      return checkString(spec, value, path, errors, ruleKey);
    case 'i':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new SwfFault('SerializationException', `Expected an integer at '${path}'`);
      if (spec.min !== undefined && value < spec.min) errors.add(value, path, `have value greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) errors.add(value, path, `have value less than or equal to ${spec.max}`);
      return value;
    case 'b':
      if (typeof value !== 'boolean') throw new SwfFault('SerializationException', `Expected a boolean at '${path}'`);
      return value;
    case 'ts':
      if (!(typeof value === 'number' || typeof value === 'string') || !Number.isFinite(Number(value)) || (typeof value === 'string' && value.trim() === '')) {
        throw new SwfFault('SerializationException', `Expected a timestamp (epoch seconds) at '${path}'`);
      }
      return value;
    case 'l': {
      if (!Array.isArray(value)) throw new SwfFault('SerializationException', `Expected a list at '${path}'`);
      lengthProblems(spec, value, path, errors);
      const member = spec.m as string;
      const kept: unknown[] = [];
      const key = [shapeName, 'member', member] as const;
      for (let i = 0; i < value.length; i++) {
        const v = check(member, value[i], `${path}.${i + 1}.member`, errors, key);
        // Once the request is known to fail, what it would keep is not built.
        if (errors.count === 0) kept.push(v);
      }
      return kept;
    }
    case 'o':
      return checkStructure(spec, shapeName, value, path, errors);
  }
}

/**
 * Validates the input of `operation` and returns it with only the members the model names. Throws
 * `ValidationException` in SWF's words (`2 validation errors detected: Value '...' at 'reason' failed to
 * satisfy constraint: ...`), the first {@link MAX_REPORTED_ERRORS} violations spelled out and the rest counted;
 * past {@link MAX_COUNTED_ERRORS} the request is not read further (`More than 100 validation errors ...`).
 */
export function validateInput(operation: string, input: unknown): Record<string, unknown> {
  const inputName = inputShapeOf(operation);
  if (inputName === undefined) return {};
  const errors = new Violations();
  let kept: Record<string, unknown> = {};
  try {
    kept = check(inputName, input, '', errors, ['', '', inputName]) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TooManyErrors)) throw error;
  }
  if (errors.count > 0) {
    const over = errors.count > MAX_COUNTED_ERRORS;
    const count = over ? `More than ${MAX_COUNTED_ERRORS}` : errors.count.toLocaleString('en-US');
    const head = errors.count === 1 ? '1 validation error detected: ' : `${count} validation errors detected: `;
    const rest = Math.min(errors.count, MAX_COUNTED_ERRORS) - errors.shown.length;
    const tail = over ? '; and more (the request was not read further)' : rest > 0 ? `; and ${rest.toLocaleString('en-US')} more` : '';
    throw new SwfFault('ValidationException', head + errors.shown.join('; ') + tail);
  }
  return kept;
}
