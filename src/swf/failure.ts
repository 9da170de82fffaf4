import { LimitError } from './errors.js';
import { SWF_LIMITS } from './limits.js';

/** What a failed task reports to SWF: a reason and JSON details, both within SWF's limits. */
export interface EncodedFailure {
  reason: string;
  details: string;
}

/** The marker put at the end of a cut reason. */
export const TRUNCATION_MARKER = '…[truncated]';

/** Cuts `text` to `max` characters, ending it with {@link TRUNCATION_MARKER} when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - TRUNCATION_MARKER.length)) + TRUNCATION_MARKER;
}

interface ErrorJson {
  type: string;
  message: string;
  /** An error's own `details` property (e.g. a command's exit code and stderr tail), when it has one. */
  details?: unknown;
  stack?: string;
  cause?: ErrorJson;
  truncated?: true;
}

function describeThrown(value: unknown, seen: Set<unknown>, depth: number): ErrorJson {
  if (value instanceof Error) {
    // `name` is writable and may hold anything; only a string is a type name.
    const name = typeof value.name === 'string' && value.name ? value.name : value.constructor?.name;
    const json: ErrorJson = { type: name || 'Error', message: String(value.message) };
    if (Object.prototype.hasOwnProperty.call(value, 'details')) json.details = jsonSafe((value as { details?: unknown }).details);
    if (value.stack) json.stack = value.stack;
    const cause = (value as { cause?: unknown }).cause;
    if (cause !== undefined) {
      if (seen.has(cause) || depth >= 8) json.cause = { type: 'Cycle', message: 'cause chain cut here (cyclic or deeper than 8)' };
      else {
        seen.add(cause);
        json.cause = describeThrown(cause, seen, depth + 1);
      }
    }
    return json;
  }
  if (value === null) return { type: 'null', message: 'null was thrown' };
  if (value === undefined) return { type: 'undefined', message: 'undefined was thrown' };
  if (typeof value === 'string') return { type: 'string', message: value };
  if (typeof value === 'object') {
    let message: string;
    try {
      message = JSON.stringify(value) ?? String(value);
    } catch {
      message = Object.prototype.toString.call(value);
    }
    return { type: value.constructor?.name ?? 'Object', message };
  }
  return { type: typeof value, message: String(value) };
}

function jsonSafe(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as unknown;
  } catch {
    return String(value);
  }
}

/** The reason SWF shows for a thrown value: `Name: message`, cut to 256 characters. */
export function failureReason(thrown: unknown): string {
  const d = describeThrown(thrown, new Set([thrown]), 0);
  const reason = thrown instanceof Error ? `${d.type}: ${d.message}` : d.type === 'string' ? d.message : `${d.type}: ${d.message}`;
  return truncate(reason, SWF_LIMITS.reason);
}

/**
 * Encodes anything thrown as SWF failure `reason` and `details`. Details are JSON
 * `{type, message, stack, cause}`; when over 32,768 characters, stacks, then the cause chain, then the
 * message are cut so the details stay valid JSON.
 */
export function encodeFailure(thrown: unknown): EncodedFailure {
  const json = describeThrown(thrown, new Set([thrown]), 0);
  return { reason: failureReason(thrown), details: fitErrorJson(json, SWF_LIMITS.data) };
}

/**
 * Encodes failure details given by a caller (a string as is, anything else as JSON), within `max`, as valid JSON when cut.
 * Throws `RangeError` when `max` is too small for the cut form (about 50 characters).
 */
export function fitDetails(details: unknown, max: number = SWF_LIMITS.data): string {
  let text: string;
  try {
    text = typeof details === 'string' ? details : (JSON.stringify(details ?? null) ?? 'null');
  } catch (error) {
    throw new LimitError(`details cannot be serialized as JSON (${(error as Error).message}); send a string or plain data`);
  }
  if (text.length <= max) return text;
  const wrapped = longestFit(
    (n) => JSON.stringify({ truncated: true, originalLength: text.length, head: text.slice(0, n) }),
    Math.min(text.length, max),
    max,
  );
  if (wrapped === undefined) throw new RangeError(`fitDetails: max ${max} is too small to hold even an empty cut of the details`);
  return wrapped;
}

/**
 * The longest of `encode(0)` … `encode(most)` that is at most `max` characters, by bisection, or
 * `undefined` when even `encode(0)` is longer. JSON escaping can make text up to 6 times longer, so the
 * excess in encoded characters does not say how many characters to cut.
 */
function longestFit(encode: (n: number) => string, most: number, max: number): string | undefined {
  let best: string | undefined;
  for (let lo = 0, hi = most; lo <= hi; ) {
    const mid = Math.floor((lo + hi) / 2);
    const out = encode(mid);
    if (out.length <= max) {
      best = out;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

function fitErrorJson(json: ErrorJson, max: number): string {
  let text = JSON.stringify(json);
  if (text.length <= max) return text;
  const strip = (j: ErrorJson): ErrorJson => ({ ...j, stack: undefined, cause: j.cause && strip(j.cause) });
  const stripped: ErrorJson = { ...strip(json), truncated: true };
  text = JSON.stringify(stripped);
  if (text.length <= max) return text;
  // Only the message is left to cut, then the type (an error's name can be any string).
  const { type, message } = stripped;
  return (
    longestFit((n) => JSON.stringify({ type, message: truncate(message, n), truncated: true }), message.length, max) ??
    longestFit((n) => JSON.stringify({ type: truncate(type, n), message: '', truncated: true }), type.length, max) ??
    JSON.stringify({ type: '', message: '', truncated: true })
  );
}
