import type { MessagingErrorJSON } from './errors.js';

/**
 * What goes through a worker's inbox list, as JSON. `m`: a message for an invocation running on the
 * worker; `r`: the answer to a message this worker sent (no `e`: delivered); `c`: the sender withdrew
 * message `id`; `s`: wake-up on close.
 * @internal
 */
export type Envelope =
  | {
      t: 'm';
      id: string;
      from: string;
      to: string;
      /** Addressee. */
      a: string;
      /** Data, JSON text. */
      d: string;
      /** Addressee timeout, ms; null: none. */
      at: number | null;
      /** Overall timeout left when sent, ms; null: none. */
      tm: number | null;
      /** The sender's worker id: where the answer goes. */
      r: string;
    }
  | { t: 'r'; id: string; e?: MessagingErrorJSON }
  | { t: 'c'; id: string }
  | { t: 's'; w: string };

/** @internal */
export interface RedisKeys {
  invocation(id: string): string;
  live(worker: string): string;
  inbox(worker: string): string;
}

/** @internal */
export function redisKeys(prefix: string): RedisKeys {
  return {
    invocation: (id) => `${prefix}inv:${id}`,
    live: (worker) => `${prefix}live:${worker}`,
    inbox: (worker) => `${prefix}inbox:${worker}`,
  };
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isTimeout = (v: unknown): v is number | null => v === null || (typeof v === 'number' && v >= 0);

/** Parses and checks an envelope; undefined when it is not one. @internal */
export function decodeEnvelope(text: string): Envelope | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  switch (o.t) {
    case 'm':
      return [o.id, o.from, o.to, o.a, o.d, o.r].every(isString) && isTimeout(o.at) && isTimeout(o.tm) ? (o as Envelope) : undefined;
    case 'r':
      return isString(o.id) && (o.e === undefined || (typeof o.e === 'object' && o.e !== null)) ? (o as Envelope) : undefined;
    case 'c':
      return isString(o.id) ? (o as Envelope) : undefined;
    case 's':
      return isString(o.w) ? (o as Envelope) : undefined;
    default:
      return undefined;
  }
}
