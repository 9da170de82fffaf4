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
  stack?: string;
  cause?: ErrorJson;
  truncated?: true;
}

function describeThrown(value: unknown, seen: Set<unknown>, depth: number): ErrorJson {
  if (value instanceof Error) {
    const json: ErrorJson = { type: value.name || value.constructor?.name || 'Error', message: String(value.message) };
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

/** Encodes failure details given by a caller (a string as is, anything else as JSON), within `max`, as valid JSON when cut. */
export function fitDetails(details: unknown, max: number = SWF_LIMITS.data): string {
  const text = typeof details === 'string' ? details : JSON.stringify(details ?? null) ?? 'null';
  if (text.length <= max) return text;
  let head = text.slice(0, Math.max(0, max - 64));
  let out = JSON.stringify({ truncated: true, originalLength: text.length, head });
  // Escaping can lengthen the head; cut by the encoded excess until it fits.
  while (out.length > max) {
    head = head.slice(0, Math.max(0, head.length - (out.length - max) - 1));
    out = JSON.stringify({ truncated: true, originalLength: text.length, head });
  }
  return out;
}

function fitErrorJson(json: ErrorJson, max: number): string {
  let text = JSON.stringify(json);
  if (text.length <= max) return text;
  const strip = (j: ErrorJson): ErrorJson => ({ ...j, stack: undefined, cause: j.cause && strip(j.cause) });
  let cut: ErrorJson = { ...strip(json), truncated: true };
  text = JSON.stringify(cut);
  if (text.length <= max) return text;
  cut = { type: cut.type, message: cut.message, truncated: true };
  text = JSON.stringify(cut);
  if (text.length <= max) return text;
  // Only the message is left to cut; JSON escaping can lengthen it, so cut by the encoded excess.
  let message = cut.message;
  while (text.length > max) {
    message = truncate(message, Math.max(0, message.length - (text.length - max) - 1));
    text = JSON.stringify({ ...cut, message });
  }
  return text;
}
