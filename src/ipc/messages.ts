/** The messages of the call / stream / cancel protocol (docs/protocol.md), and boxed errors. */
import { FlowySwfError } from '../swf/errors.js';

/** What a callee answers a call with first: it returns once, or it streams. */
export type FuncType = 'asyncfunc' | 'asyncgen';

/** An error as it crosses a process boundary. */
export interface BoxedError {
  /** The error's class name (`name`), e.g. `RangeError`. */
  type: string;
  message: string;
  stack?: string;
  /** What caused it, boxed the same way; at most 8 deep. */
  cause?: BoxedError;
  /** Extra classification some errors carry, e.g. an `ActivityAbortedError`'s kind (`cancelled`, `closed`, `shutdown`). */
  kind?: string;
  /** The error's string `code`, when it had one (a `MessageSendError`'s `INVOCATION_UNKNOWN`, Node's `ENOENT`). */
  code?: string;
}

/** Calls `func` of namespace `ns` on the other side. `callId` is unique among the calls this side made. */
export interface CallMessage {
  type: 'call';
  callId: number;
  /** Who calls: `worker:<pid>`, `child:<pid>`, `python:<pid>`. */
  callerId: string;
  ns: string;
  func: string;
  args: unknown;
  /** Yields the caller takes before it grants more (a stream's buffer). @default 16 */
  credit?: number;
}

/** The callee took the call and says how it will answer. */
export interface AckMessage {
  type: 'ack';
  callId: number;
  functype: FuncType;
}

/** The single answer of an `asyncfunc`. */
export interface ReturnMessage {
  type: 'return';
  callId: number;
  value: unknown;
}

/** One value of an `asyncgen` stream. */
export interface YieldMessage {
  type: 'yield';
  callId: number;
  value: unknown;
}

/** The end of an `asyncgen` stream, with the generator's return value. */
export interface StopMessage {
  type: 'stop';
  callId: number;
  value?: unknown;
}

/** The call failed (before or after its ack). Ends the call. */
export interface ErrorMessage {
  type: 'error';
  callId: number;
  error: BoxedError;
}

/** The caller of a stream takes `n` more yields. */
export interface CreditMessage {
  type: 'credit';
  callId: number;
  n: number;
}

/** Every message of the protocol. */
export type Message = CallMessage | AckMessage | ReturnMessage | YieldMessage | StopMessage | ErrorMessage | CreditMessage;

/** A message that breaks the protocol. */
export class ProtocolError extends FlowySwfError {
  override name = 'ProtocolError';
}

function isCallId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Checks that a decoded frame is a message; throws `ProtocolError` naming what is wrong. */
export function asMessage(value: unknown): Message {
  const m = value as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new ProtocolError('a message must be a JSON object');
  if (!isCallId(m.callId)) throw new ProtocolError(`message ${JSON.stringify(m.type)} has no callId (a non-negative integer)`);
  switch (m.type) {
    case 'call':
      if (typeof m.ns !== 'string' || typeof m.func !== 'string' || typeof m.callerId !== 'string') {
        throw new ProtocolError('a call needs string ns, func and callerId');
      }
      if (m.credit !== undefined && !(Number.isInteger(m.credit) && (m.credit as number) > 0)) {
        throw new ProtocolError('a call\'s credit must be a positive integer');
      }
      return m as unknown as CallMessage;
    case 'ack':
      if (m.functype !== 'asyncfunc' && m.functype !== 'asyncgen') throw new ProtocolError(`ack functype must be asyncfunc or asyncgen, got ${JSON.stringify(m.functype)}`);
      return m as unknown as AckMessage;
    case 'return':
    case 'yield':
    case 'stop':
      return m as unknown as Message;
    case 'error':
      if (typeof m.error !== 'object' || m.error === null) throw new ProtocolError('an error message needs an error object {type, message}');
      return m as unknown as ErrorMessage;
    case 'credit':
      if (!(Number.isInteger(m.n) && (m.n as number) > 0)) throw new ProtocolError('credit n must be a positive integer');
      return m as unknown as CreditMessage;
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(m.type)}`);
  }
}

/** Boxes anything thrown: type, message, stack and the cause chain (cut at 8). */
export function boxError(thrown: unknown, depth = 0): BoxedError {
  if (thrown instanceof Error) {
    const boxed: BoxedError = { type: typeof thrown.name === 'string' && thrown.name ? thrown.name : 'Error', message: String(thrown.message) };
    if (thrown.stack) boxed.stack = thrown.stack;
    const cause = (thrown as { cause?: unknown }).cause;
    if (cause !== undefined && depth < 8) boxed.cause = boxError(cause, depth + 1);
    const kind = (thrown as { kind?: unknown }).kind;
    if (typeof kind === 'string') boxed.kind = kind;
    const code = (thrown as { code?: unknown }).code;
    if (typeof code === 'string') boxed.code = code;
    return boxed;
  }
  if (typeof thrown === 'string') return { type: 'string', message: thrown };
  let message: string;
  try {
    message = JSON.stringify(thrown) ?? String(thrown);
  } catch {
    message = String(thrown);
  }
  return { type: thrown === null ? 'null' : typeof thrown, message };
}

/**
 * An error raised on the other side of a communicator. Its `name` is the remote type and its `stack`
 * the remote stack, so it is reported as the original would have been.
 */
export class RemoteError extends FlowySwfError {
  /** The remote error's type (also its `name`). */
  readonly type: string;
  /** The remote error's extra `kind`, when it had one (e.g. an `ActivityAbortedError`). */
  readonly kind: string | undefined;
  /** The remote error's string `code`, when it had one. */
  readonly code: string | undefined;
  constructor(boxed: BoxedError) {
    super(String(boxed.message ?? ''), boxed.cause ? { cause: unboxError(boxed.cause) } : undefined);
    this.type = typeof boxed.type === 'string' && boxed.type ? boxed.type : 'Error';
    this.name = this.type;
    this.kind = typeof boxed.kind === 'string' ? boxed.kind : undefined;
    this.code = typeof boxed.code === 'string' ? boxed.code : undefined;
    if (typeof boxed.stack === 'string') this.stack = boxed.stack;
  }
}

/** Unboxes an error into a {@link RemoteError}. */
export function unboxError(boxed: BoxedError): RemoteError {
  return new RemoteError(boxed);
}
