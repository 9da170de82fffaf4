/** Checks a request against the SWF model: required members, lengths, enums and ranges. */
import { OPERATION_INPUTS, SHAPES, type ShapeSpec } from './model-shapes.js';
import { SwfFault } from './protocol.js';

/** Operations the current AWS SDK has but the bundled model predates. */
const EXTRA_SHAPES: Readonly<Record<string, ShapeSpec>> = {
  DeleteActivityTypeInput: { t: 'o', m: { domain: 'DomainName', activityType: 'ActivityType' }, r: ['domain', 'activityType'] },
  DeleteWorkflowTypeInput: { t: 'o', m: { domain: 'DomainName', workflowType: 'WorkflowType' }, r: ['domain', 'workflowType'] },
};
const EXTRA_OPERATIONS: Readonly<Record<string, string>> = {
  DeleteActivityType: 'DeleteActivityTypeInput',
  DeleteWorkflowType: 'DeleteWorkflowTypeInput',
};

/** True when `operation` is one SWF has. */
export function isKnownOperation(operation: string): boolean {
  return Object.hasOwn(OPERATION_INPUTS, operation) || Object.hasOwn(EXTRA_OPERATIONS, operation);
}

const shape = (name: string): ShapeSpec | undefined =>
  Object.hasOwn(EXTRA_SHAPES, name) ? EXTRA_SHAPES[name] : Object.hasOwn(SHAPES, name) ? SHAPES[name] : undefined;

/** Shows a value the way SWF's messages do, cut short so a 1 MB input does not make a 1 MB message. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

/** Duration shapes: whole seconds, and for the optional kind also `NONE`. */
const DURATIONS: Readonly<Record<string, RegExp>> = {
  DurationInSeconds: /^\d+$/,
  DurationInSecondsOptional: /^(\d+|NONE)$/,
  DurationInDays: /^\d+$/,
};

function check(spec: ShapeSpec, value: unknown, path: string, errors: string[], shapeName = ''): void {
  // Built only when a violation is found: showing a value stringifies it, too dear for every valid one.
  const at = (): string => `Value '${show(value)}' at '${path}' failed to satisfy constraint: Member must`;
  switch (spec.t) {
    case 's':
      if (typeof value !== 'string') throw new SwfFault('SerializationException', `Expected a string at '${path}'`);
      if (spec.min !== undefined && value.length < spec.min) errors.push(`${at()} have length greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value.length > spec.max) errors.push(`${at()} have length less than or equal to ${spec.max}`);
      if (spec.e && !spec.e.includes(value)) errors.push(`${at()} satisfy enum value set: [${spec.e.join(', ')}]`);
      // SWF checks a duration's form too; the model cannot say it, so it is checked by shape name.
      const form = DURATIONS[shapeName];
      if (form && value.length <= (spec.max ?? Infinity) && !form.test(value)) {
        errors.push(`${at()} be a whole number of seconds${shapeName === 'DurationInSecondsOptional' ? ' or NONE' : ''}`);
      }
      return;
    case 'i':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new SwfFault('SerializationException', `Expected an integer at '${path}'`);
      if (spec.min !== undefined && value < spec.min) errors.push(`${at()} have value greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) errors.push(`${at()} have value less than or equal to ${spec.max}`);
      return;
    case 'b':
      if (typeof value !== 'boolean') throw new SwfFault('SerializationException', `Expected a boolean at '${path}'`);
      return;
    case 'ts':
      if (typeof value !== 'number' && !(typeof value === 'string' && Number.isFinite(Number(value)))) {
        throw new SwfFault('SerializationException', `Expected a timestamp at '${path}'`);
      }
      return;
    case 'l': {
      if (!Array.isArray(value)) throw new SwfFault('SerializationException', `Expected a list at '${path}'`);
      if (spec.min !== undefined && value.length < spec.min) errors.push(`Value '${show(value)}' at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${spec.min}`);
      if (spec.max !== undefined && value.length > spec.max) errors.push(`Value '${show(value)}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${spec.max}`);
      const member = shape(spec.m as string);
      if (member) value.forEach((v, i) => check(member, v, `${path}.${i + 1}.member`, errors, spec.m as string));
      return;
    }
    case 'o': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new SwfFault('SerializationException', `Expected an object at '${path || 'the request'}'`);
      }
      const record = value as Record<string, unknown>;
      const members = spec.m as Readonly<Record<string, string>>;
      for (const req of spec.r ?? []) {
        if (record[req] === undefined || record[req] === null) {
          errors.push(`Value null at '${path ? `${path}.` : ''}${req}' failed to satisfy constraint: Member must not be null`);
        }
      }
      for (const [key, v] of Object.entries(record)) {
        if (v === undefined || v === null) continue;
        if (!Object.hasOwn(members, key)) continue; // SWF ignores members it does not know
        const memberShape = members[key] as string;
        const ms = shape(memberShape);
        if (ms) check(ms, v, path ? `${path}.${key}` : key, errors, memberShape);
      }
      return;
    }
  }
}

/**
 * Validates the input of `operation`; throws `ValidationException` listing every violation the way SWF
 * words it (`1 validation error detected: Value '...' at 'reason' failed to satisfy constraint: ...`).
 */
export function validateInput(operation: string, input: unknown): void {
  const inputName = EXTRA_OPERATIONS[operation] ?? OPERATION_INPUTS[operation];
  if (!inputName) return;
  const spec = shape(inputName);
  if (!spec) return;
  const errors: string[] = [];
  check(spec, input, '', errors);
  if (errors.length > 0) {
    const head = errors.length === 1 ? '1 validation error detected: ' : `${errors.length} validation errors detected: `;
    throw new SwfFault('ValidationException', head + errors.join('; '));
  }
}
