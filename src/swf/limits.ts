import { ConfigurationError } from './errors.js';

/**
 * SWF's limits, taken from the service model (API version 2012-01-25).
 * Lengths are in characters, as SWF counts them.
 */
export const SWF_LIMITS = {
  /** `input`, `result` and failure `details`. */
  data: 32_768,
  /** `details` of RecordActivityTaskHeartbeat. */
  heartbeatDetails: 2_048,
  /** Failure `reason`. */
  reason: 256,
  /** Worker `identity`. */
  identity: 256,
  /** `taskToken`: 1 to 1,024 characters. */
  taskToken: 1_024,
  /** Names: domain, activity type, task list, activity id, workflow id. */
  name: 256,
  /** Activity and workflow type version. */
  version: 64,
  /** Durations are strings of at most 8 characters: whole seconds or `NONE`. */
  duration: 8,
  /** A whole request body, in bytes. */
  requestBytes: 1_048_576,
  /** How long SWF holds a long poll, in milliseconds. */
  pollMs: 60_000,
} as const;

/** Characters SWF forbids in names: `:` `/` `|` and control characters. */
const FORBIDDEN_CHARACTER = /[:/|\u0000-\u001f\u007f-\u009f]/;

/**
 * Why `value` breaks SWF's rule for the characters of a name, or `undefined` when it keeps it: no `:`, `/`,
 * `|` or control characters (`\u0000-\u001f`, `\u007f-\u009f`), not the literal string `arn`, and (unless
 * `outerWhitespace` is `'allowed'`, as SWF's reference allows for type names, versions and ids) no white space
 * at either end. The one definition of the rule: the worker, the scanner and the local endpoint all use it.
 */
export function nameCharacterProblem(value: string, outerWhitespace: 'forbidden' | 'allowed' = 'forbidden'): string | undefined {
  if (outerWhitespace === 'forbidden' && value.trim() !== value) return 'starts or ends with white space, which SWF forbids';
  const bad = FORBIDDEN_CHARACTER.exec(value);
  if (bad) return `contains the character ${JSON.stringify(bad[0])}, which SWF forbids (no ':', '/', '|' or control characters)`;
  // SWF's rule is that a name must not *be* `arn`; names that merely contain it ("warning") are fine.
  if (value === 'arn') return "is the literal string 'arn', which SWF forbids as a name";
  return undefined;
}

/** Why `value` is not a valid SWF name of at most `max` characters, or `undefined` when it is. */
export function nameProblem(value: string, max: number): string | undefined {
  if (value.length === 0) return 'is empty; SWF needs at least 1 character';
  if (value.length > max) return `is ${value.length} characters; SWF allows ${max}`;
  return nameCharacterProblem(value);
}

/**
 * Returns `value` when it is a valid SWF name of at most 256 characters; otherwise throws a
 * {@link ConfigurationError} naming `what`, the value and the problem. `prefix` goes before the message.
 */
export function assertSwfName(what: string, value: unknown, prefix = ''): string {
  if (typeof value !== 'string') {
    throw new ConfigurationError(`${prefix}${what} must be a string naming the SWF ${what}, got ${value === null ? 'null' : typeof value}`);
  }
  const problem = nameProblem(value, SWF_LIMITS.name);
  if (problem) throw new ConfigurationError(`${prefix}${what} ${JSON.stringify(value)} ${problem}`);
  return value;
}

/** Formats a count the way error messages show it: `40,211`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
