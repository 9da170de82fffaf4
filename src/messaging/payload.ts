import { formatCount } from '../swf/limits.js';
import { MessageReceiveError, MessageSendError } from './errors.js';
import type { ReceiveMessageOptions, SendMessageOptions } from './types.js';

/** Limits of a message. */
export const MESSAGING_LIMITS = Object.freeze({
  /** Most UTF-8 bytes of a message's data as JSON: 256 KiB. */
  dataBytes: 256 * 1024,
  /** Most characters of an addressee name. */
  addresseeLength: 256,
});

/** Defaults of sends, receives and routers. */
export const MESSAGING_DEFAULTS = Object.freeze({
  /** How long a send waits for a receiver on a running target. */
  addresseeTimeoutSeconds: 90,
  /** How long a router remembers that an invocation finished (to tell finished from unknown). */
  retentionSeconds: 3_600,
});

/** Timers longer than this (about 24.8 days) are taken as no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type ErrorFor = (message: string) => Error;
const sendInvalid: ErrorFor = (message) => new MessageSendError('INVALID_ARGUMENT', message);
const receiveInvalid: ErrorFor = (message) => new MessageReceiveError('INVALID_ARGUMENT', message);

/** The data's JSON text; refuses data with no JSON form and data over {@link MESSAGING_LIMITS}.dataBytes. */
export function encodeMessageData(data: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    throw new MessageSendError('INVALID_ARGUMENT', `message data has no JSON form (${(error as Error).message}); send plain objects, arrays, strings, numbers, booleans or null`, {
      cause: error,
    });
  }
  if (text === undefined) {
    throw new MessageSendError('INVALID_ARGUMENT', `message data is ${typeof data}, which has no JSON form; send null, or a JSON value`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MESSAGING_LIMITS.dataBytes) {
    throw new MessageSendError(
      'MESSAGE_TOO_LARGE',
      `message data is ${formatCount(bytes)} bytes as JSON; messages allow ${formatCount(MESSAGING_LIMITS.dataBytes)} (256 KiB): send a reference (a key in S3, a database row) instead of the data`,
    );
  }
  return text;
}

/** Checks an addressee name: a non-empty string of at most 256 characters. */
export function checkAddressee(addressee: unknown, side: 'send' | 'receive'): string {
  const invalid = side === 'send' ? sendInvalid : receiveInvalid;
  if (typeof addressee !== 'string' || addressee.length === 0) {
    throw invalid(`addressee must be a non-empty string (a port name such as "progress"), got ${describe(addressee)}`);
  }
  if (addressee.length > MESSAGING_LIMITS.addresseeLength) {
    throw invalid(`addressee is ${formatCount(addressee.length)} characters; at most ${MESSAGING_LIMITS.addresseeLength} are allowed`);
  }
  return addressee;
}

/** Checks a target invocation id's type; its form is checked by the router (a malformed id is unknown). */
export function checkTarget(to: unknown): string {
  if (typeof to !== 'string' || to.length === 0) {
    throw sendInvalid(`the target invocation id must be a non-empty string (the target's activityInfo().invocationId), got ${describe(to)}`);
  }
  return to;
}

/** Seconds (finite ≥ 0, or Infinity) to ms; `undefined` and `null` take `fallback`. Over ~24.8 days is Infinity. */
export function secondsToMs(name: string, value: unknown, fallbackSeconds: number, invalid: ErrorFor): number {
  const seconds = value === undefined || value === null ? fallbackSeconds : value;
  if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds < 0) {
    throw invalid(`${name} must be a number of seconds ≥ 0 (or Infinity), got ${describe(value)}`);
  }
  const ms = seconds * 1000;
  return ms > MAX_TIMER_MS ? Number.POSITIVE_INFINITY : ms;
}

/** {@link SendMessageOptions} in ms. */
export function compileSendOptions(options: SendMessageOptions | undefined): { addresseeTimeoutMs: number; timeoutMs: number } {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw sendInvalid(`send options must be an object, got ${describe(options)}`);
  return {
    addresseeTimeoutMs: secondsToMs('addresseeTimeoutSeconds', options?.addresseeTimeoutSeconds, MESSAGING_DEFAULTS.addresseeTimeoutSeconds, sendInvalid),
    timeoutMs: secondsToMs('timeoutSeconds', options?.timeoutSeconds, Number.POSITIVE_INFINITY, sendInvalid),
  };
}

/** {@link ReceiveMessageOptions} in ms. */
export function compileReceiveOptions(options: ReceiveMessageOptions | undefined): { timeoutMs: number } {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw receiveInvalid(`receive options must be an object, got ${describe(options)}`);
  return { timeoutMs: secondsToMs('timeoutSeconds', options?.timeoutSeconds, Number.POSITIVE_INFINITY, receiveInvalid) };
}

/** Seconds for a message: `90 s`, `1.5 s`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null) return 'null';
  return typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : `${typeof value} ${String(value)}`;
}
