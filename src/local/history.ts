/** Execution histories: appending events, and reading them a page at a time. @internal */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SwfFault, epochSeconds } from './protocol.js';
import type { Engine, Execution, HistoryEventRecord } from './state.js';

/** Appends an event to `execution`'s history and returns its id (1-based, increasing). */
export function addEvent(execution: Execution, eventType: string, attributes: Record<string, unknown>, nowMs: number): number {
  const eventId = execution.history.length + 1;
  execution.history.push({ eventId, eventTimestampMs: nowMs, eventType, attributes: compact(attributes) });
  // One event short of the limit: the run is terminated once the current call or timer is done (engine.settle).
  if (eventId >= execution.eventLimit.max - 1 && execution.status === 'OPEN') execution.eventLimit.reached.add(execution);
  return eventId;
}

/** Drops undefined members so answers carry only what is set, as SWF's do. */
export function compact<T extends Record<string, unknown>>(record: T): T {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

/** An event as it travels: `<camelCaseType>EventAttributes` beside id, type and timestamp. */
export function eventToWire(e: HistoryEventRecord): Record<string, unknown> {
  const key = `${e.eventType.charAt(0).toLowerCase()}${e.eventType.slice(1)}EventAttributes`;
  return { eventId: e.eventId, eventTimestamp: epochSeconds(e.eventTimestampMs), eventType: e.eventType, [key]: e.attributes };
}

/** The signature of a page token's body: only tokens this endpoint wrote are read back. */
function sign(engine: Engine, body: string): Buffer {
  return createHmac('sha256', engine.pageTokenKey).update(body).digest().subarray(0, 18);
}

function invalidToken(token: string): SwfFault {
  return new SwfFault('ValidationException', `Invalid nextPageToken: '${token.slice(0, 32)}${token.length > 32 ? '...' : ''}'; pass back a token this endpoint returned, unchanged`);
}

/**
 * Reads a `nextPageToken` this endpoint issued for a list of `kind`; anything else (hand-made, changed, of
 * another list or another endpoint) is a ValidationException.
 */
export function decodePageToken<T>(engine: Engine, token: string | undefined, kind: string): (T & { o: number }) | undefined {
  if (token === undefined || token === '') return undefined;
  const dot = token.lastIndexOf('.');
  const body = dot > 0 ? token.slice(0, dot) : '';
  const mac = Buffer.from(dot > 0 ? token.slice(dot + 1) : '', 'base64url');
  const expected = sign(engine, body);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw invalidToken(token);
  const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { o: number; k: string };
  if (parsed.k !== kind) throw invalidToken(token);
  return parsed;
}

/** Writes a `nextPageToken`: the offset of the next page and whatever else the reader needs, signed. */
export function encodePageToken(engine: Engine, kind: string, offset: number, extra: Record<string, unknown> = {}): string {
  const body = Buffer.from(JSON.stringify({ k: kind, o: offset, ...extra }), 'utf8').toString('base64url');
  return `${body}.${sign(engine, body).toString('base64url')}`;
}

/** `maximumPageSize` as SWF reads it: absent or 0 means 1,000. */
export function pageSize(maximumPageSize: number | undefined): number {
  return maximumPageSize === undefined || maximumPageSize === 0 ? 1000 : maximumPageSize;
}

/** One page of a list already in the order to serve it. */
export function page<T>(engine: Engine, items: readonly T[], offset: number, size: number, kind: string): { items: T[]; nextPageToken?: string } {
  const slice = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { items: slice, nextPageToken: encodePageToken(engine, kind, next) } : { items: slice };
}

/**
 * One page of an execution's history. `reverseOrder` reads from the newest event; the offset counts
 * from whichever end is read first, so pages stay stable while new events are appended.
 */
export function historyPage(
  engine: Engine,
  execution: Execution,
  opts: { maximumPageSize?: number; nextPageToken?: string; reverseOrder?: boolean },
  kind: string,
  extra?: Record<string, unknown>,
): { events: Record<string, unknown>[]; nextPageToken?: string } {
  const size = pageSize(opts.maximumPageSize);
  const token = decodePageToken<{ r: string; n?: number }>(engine, opts.nextPageToken, kind);
  if (token && token.r !== execution.runId) throw new SwfFault('ValidationException', 'nextPageToken belongs to another execution');
  const offset = token?.o ?? 0;
  const history = execution.history;
  // Reverse paging counts back from the last event that existed when the first page was read.
  const newest = token?.n ?? history.length;
  const events: Record<string, unknown>[] = [];
  if (opts.reverseOrder) {
    for (let i = newest - 1 - offset; i >= 0 && events.length < size; i--) events.push(eventToWire(history[i] as HistoryEventRecord));
  } else {
    for (let i = offset; i < history.length && events.length < size; i++) events.push(eventToWire(history[i] as HistoryEventRecord));
  }
  const next = offset + events.length;
  const more = opts.reverseOrder ? next < newest : next < history.length;
  return more
    ? { events, nextPageToken: encodePageToken(engine, kind, next, { r: execution.runId, n: newest, ...extra }) }
    : { events };
}
