import { SWF_LIMITS, formatCount } from './limits.js';
import { LimitError } from './errors.js';

/** Input that cannot be decoded into arguments for `run`. */
export class InputError extends LimitError {
  override name = 'InputError';
}

/** A result that cannot be encoded for SWF. */
export class ResultError extends LimitError {
  override name = 'ResultError';
}

/**
 * Text that may hold a dangerous key: written plainly, or with a `\u` escape anywhere, since JSON.parse
 * decodes `"\u005f_proto__"` to `__proto__` too.
 */
const DANGEROUS_KEY = /"(?:__proto__|constructor|prototype)"\s*:|\\u/;

/**
 * `JSON.parse` that drops `__proto__`, `constructor` and `prototype` keys, so decoded input can be
 * spread or merged by activity code without polluting prototypes. The reviver runs only when such a
 * key (or any `\u` escape) appears in the text, so ordinary input pays nothing.
 */
export function safeJsonParse(text: string): unknown {
  if (!DANGEROUS_KEY.test(text)) return JSON.parse(text);
  return JSON.parse(text, function (this: unknown, key, value: unknown) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return undefined;
    return value;
  });
}

/**
 * Decodes Flowy's wire format, the JSON text `[args, kwargs]`, into the arguments of `run`:
 * `args` spread, then a non-empty `kwargs` object as one extra last argument.
 * Empty or missing input means no arguments.
 */
export function decodeFlowyInput(input: string | undefined): unknown[] {
  if (input === undefined || input === '') return [];
  let parsed: unknown;
  try {
    parsed = safeJsonParse(input);
  } catch (error) {
    throw new InputError(
      `input is not JSON (${(error as Error).message}); Flowy's wire format is the JSON text [args, kwargs], e.g. [["a", 1], {}]`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length > 2) {
    throw new InputError(
      `input must be the JSON array [args, kwargs], got ${describeJson(parsed)}; schedule the activity with input like [["a", 1], {"key": "value"}]`,
    );
  }
  const [args = [], kwargs = {}] = parsed as [unknown?, unknown?];
  if (!Array.isArray(args)) {
    throw new InputError(`input[0] (args) must be an array, got ${describeJson(args)}; send [args, kwargs] with args a list`);
  }
  if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new InputError(`input[1] (kwargs) must be an object, got ${describeJson(kwargs)}; send [args, kwargs] with kwargs an object`);
  }
  return Object.keys(kwargs).length > 0 ? [...args, kwargs] : args;
}

/** Encodes arguments in Flowy's wire format, the inverse of {@link decodeFlowyInput}. */
export function encodeFlowyInput(args: unknown[] = [], kwargs: Record<string, unknown> = {}): string {
  return JSON.stringify([args, kwargs]);
}

/**
 * Encodes a result as JSON (`undefined` becomes `null`). Throws {@link ResultError} when it has no JSON
 * form, ending the message with `fix` (what the caller can do about it).
 * @param fix @default "return plain data: no BigInt, no cycles, or override serializeResult" (an activity's)
 */
export function encodeJsonResult(result: unknown, fix = 'return plain data: no BigInt, no cycles, or override serializeResult'): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    throw new ResultError(`result cannot be serialized as JSON (${(error as Error).message}); ${fix}`);
  }
  if (text === undefined) throw new ResultError(`result of type ${typeof result} has no JSON form; ${fix}`);
  return text;
}

/** Throws {@link LimitError} when `text` is over `max` characters, naming `what` and the fix. */
export function assertFits(what: string, text: string, max: number, fix: string): void {
  if (text.length > max) {
    throw new LimitError(`${what} is ${formatCount(text.length)} characters; SWF allows ${formatCount(max)}: ${fix}`);
  }
}

/** Checks an encoded result against SWF's limit for `result`; throws {@link ResultError} when over. */
export function assertResultFits(text: string): void {
  if (text.length > SWF_LIMITS.data) {
    throw new ResultError(
      `result is ${formatCount(text.length)} characters; SWF allows ${formatCount(SWF_LIMITS.data)}: return less data, or store it elsewhere and return a reference`,
    );
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
