import { brandOf, isBranded } from '../activity/shared.js';
import { FlowySwfError } from '../swf/errors.js';

// Branded: `instanceof` holds for an error any copy of flowy-swf in the process made (a child process
// runs the worker's copy and the activity module's own; the CLI's copy runs a project's activities).
const MESSAGING = brandOf('MessagingError');
const SEND = brandOf('MessageSendError');
const RECEIVE = brandOf('MessageReceiveError');
const RECEIVE_TIMEOUT = brandOf('MessageReceiveTimeout');

/**
 * Every {@link MessageSendErrorCode}, as a list: written once, it gives both the type and the check an
 * incoming code meets.
 */
export const MESSAGE_SEND_ERROR_CODES = [
  'ADDRESSEE_TIMEOUT',
  'INVOCATION_FINISHED',
  'INVOCATION_UNKNOWN',
  'TIMEOUT',
  'MESSAGE_TOO_LARGE',
  'INVALID_ARGUMENT',
  'ABORTED',
  'ROUTER_UNAVAILABLE',
] as const;
/** Every {@link MessageReceiveErrorCode}, as a list: written once, it gives both the type and the check an incoming code meets. */
export const MESSAGE_RECEIVE_ERROR_CODES = ['RECEIVE_TIMEOUT', 'INVALID_ARGUMENT', 'ABORTED', 'INVOCATION_FINISHED', 'ROUTER_UNAVAILABLE'] as const;

/**
 * Why a send failed:
 * - `ADDRESSEE_TIMEOUT`: the target runs, but nothing waited on the addressee within `addresseeTimeoutSeconds`.
 * - `INVOCATION_FINISHED`: the target is not running any more: it finished, or its worker stopped (crashed, killed).
 * - `INVOCATION_UNKNOWN`: no invocation with that id ran within the retention window (or the id is malformed).
 * - `TIMEOUT`: `timeoutSeconds` passed before the target's worker answered; the message may or may not have been delivered.
 * - `MESSAGE_TOO_LARGE`: the data's JSON is over the size limit.
 * - `INVALID_ARGUMENT`: an argument is not of the right kind: id, addressee, data with no JSON form, a timeout.
 * - `ABORTED`: the sending task was cancelled, closed or shut down while it waited.
 * - `ROUTER_UNAVAILABLE`: the router could not be reached (Redis down) or is closed.
 */
export type MessageSendErrorCode = (typeof MESSAGE_SEND_ERROR_CODES)[number];

/**
 * Why a receive failed:
 * - `RECEIVE_TIMEOUT`: nothing came within `timeoutSeconds` ({@link MessageReceiveTimeout}).
 * - `INVALID_ARGUMENT`: an argument is not of the right kind: addressee, timeout.
 * - `ABORTED`: the receiving task was cancelled, closed or shut down while it waited.
 * - `INVOCATION_FINISHED`: the receiving invocation has finished: its `run` returned or threw while the receive waited.
 * - `ROUTER_UNAVAILABLE`: the router could not be reached or is closed.
 */
export type MessageReceiveErrorCode = (typeof MESSAGE_RECEIVE_ERROR_CODES)[number];

/** A messaging error as plain JSON, to cross a process boundary; rebuilt by {@link messagingErrorFromJSON}. */
export interface MessagingErrorJSON {
  readonly name: 'MessageSendError' | 'MessageReceiveError' | 'MessageReceiveTimeout';
  readonly code: string;
  readonly message: string;
}

/** The base class of the errors sending and receiving messages throw; `code` says what happened. */
export abstract class MessagingError extends FlowySwfError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, MessagingError, MESSAGING, value);
  }
  readonly [MESSAGING] = true;
  abstract readonly code: string;

  /** The error as plain JSON (`{ name, code, message }`), for a process boundary. */
  toJSON(): MessagingErrorJSON {
    return { name: this.name as MessagingErrorJSON['name'], code: this.code, message: this.message };
  }

  /** Rebuilds an error from {@link MessagingError.toJSON}; see {@link messagingErrorFromJSON}. */
  static fromJSON(json: unknown): MessagingError {
    return messagingErrorFromJSON(json);
  }
}

/** A message could not be delivered; `code` says why. Python's `MessageSendError`. */
export class MessageSendError extends MessagingError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, MessageSendError, SEND, value);
  }
  readonly [SEND] = true;
  override name = 'MessageSendError' as const;
  constructor(
    readonly code: MessageSendErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A receive failed for a reason other than its timeout; `code` says why. */
export class MessageReceiveError extends MessagingError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, MessageReceiveError, RECEIVE, value);
  }
  readonly [RECEIVE] = true;
  override name: 'MessageReceiveError' | 'MessageReceiveTimeout' = 'MessageReceiveError';
  constructor(
    readonly code: MessageReceiveErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No message came to the addressee within the receive's `timeoutSeconds`. Python's `MessageReceiveTimeout`. */
export class MessageReceiveTimeout extends MessageReceiveError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBranded(this, MessageReceiveTimeout, RECEIVE_TIMEOUT, value);
  }
  readonly [RECEIVE_TIMEOUT] = true;
  override name = 'MessageReceiveTimeout' as const;
  declare readonly code: 'RECEIVE_TIMEOUT';
  constructor(message: string) {
    super('RECEIVE_TIMEOUT', message);
  }
}

const SEND_CODES: ReadonlySet<string> = new Set<MessageSendErrorCode>(MESSAGE_SEND_ERROR_CODES);
const RECEIVE_CODES: ReadonlySet<string> = new Set<MessageReceiveErrorCode>(MESSAGE_RECEIVE_ERROR_CODES);

/**
 * Rebuilds a messaging error from its JSON ({@link MessagingError.toJSON}). Anything that is not one
 * (a foreign shape, an unknown code) becomes a `MessageSendError` / `MessageReceiveError` with code
 * `ROUTER_UNAVAILABLE` that quotes what came, so a broken peer is never mistaken for a real answer.
 */
export function messagingErrorFromJSON(json: unknown): MessagingError {
  const o = (json !== null && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const message = typeof o.message === 'string' ? o.message : `malformed messaging error: ${safeJson(json)}`;
  const code = typeof o.code === 'string' ? o.code : '';
  if (o.name === 'MessageReceiveTimeout' && code === 'RECEIVE_TIMEOUT') return new MessageReceiveTimeout(message);
  if (o.name === 'MessageReceiveError' || o.name === 'MessageReceiveTimeout') {
    return RECEIVE_CODES.has(code)
      ? new MessageReceiveError(code as MessageReceiveErrorCode, message)
      : new MessageReceiveError('ROUTER_UNAVAILABLE', `unknown receive error code ${JSON.stringify(code)}: ${message}`);
  }
  if (o.name === 'MessageSendError' && SEND_CODES.has(code)) return new MessageSendError(code as MessageSendErrorCode, message);
  return new MessageSendError('ROUTER_UNAVAILABLE', `unknown messaging error ${safeJson(json)}`);
}

function safeJson(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 200);
  } catch {
    return String(value).slice(0, 200);
  }
}
