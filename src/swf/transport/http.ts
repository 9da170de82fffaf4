import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Pool } from 'undici';
import { MAX_RESPONSE_BYTES, tooLarge } from '../size-limit.js';

/** One HTTP answer, body read whole (SWF's answers are small JSON). */
export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** POSTs a signed request to one origin over kept-alive connections. */
export interface WireClient {
  /**
   * Sends one request. An answer body over `MAX_RESPONSE_BYTES` rejects with `ResponseTooLargeError` and
   * is not read further; `signal` rejects at once with an `AbortError` and drops the request.
   */
  post(headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<WireResponse>;
  /** Closes every connection at once; requests in flight (open polls) end with an error. */
  close(): Promise<void>;
}

/** Which HTTP client carries the lean transport's requests. */
export type HttpClientKind = 'undici' | 'node-http';

/** Settings of a {@link WireClient}. */
export interface WireOptions {
  /** Most connections open at once; long polls hold one each. */
  maxSockets: number;
  /** Time to connect. */
  connectTimeoutMs: number;
  /** Time for the answer's headers and between body chunks: SWF holds a poll up to 60 s. */
  requestTimeoutMs: number;
}

/** The error an aborted request rejects with, named as the AWS SDK names it. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The request was aborted', { cause: signal.reason }), { name: 'AbortError' });
}

/**
 * The requests in flight on each abort signal, with one listener per signal for all of them: a poll
 * loop passes the same signal to every poll it makes, and adding and removing an `EventTarget` listener
 * per request costs more than the rest of sending it.
 */
const inFlight = new WeakMap<AbortSignal, Set<() => void>>();

/** Registers `onAbort` until the returned function is called; `onAbort` runs when `signal` aborts. */
function onAbortOf(signal: AbortSignal, onAbort: () => void): () => void {
  let requests = inFlight.get(signal);
  if (!requests) {
    const set = new Set<() => void>();
    requests = set;
    inFlight.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const stop of [...set]) stop();
        set.clear();
      },
      { once: true },
    );
  }
  requests.add(onAbort);
  const set = requests;
  return () => void set.delete(onAbort);
}

/** The `content-length` of undici's raw header list, if it has one (the only header a 2xx answer needs). */
function contentLengthOf(raw: Buffer[]): number {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as Buffer;
    if (name.length === 14 && name.toString('latin1').toLowerCase() === 'content-length') return Number((raw[i + 1] as Buffer).toString('latin1'));
  }
  return Number.NaN;
}

/** undici's raw header list (name, value, name, value, ...) as lower-case names. */
function headersOf(raw: Buffer[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return headers as IncomingHttpHeaders;
}

/** An undici `Pool`: fewer allocations per request than `node:http`, measured in the bench's `wireFloor`. */
export function undiciWire(origin: URL, path: string, options: WireOptions): WireClient {
  const pool = new Pool(origin.origin, {
    connections: options.maxSockets,
    pipelining: 1,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    keepAliveTimeout: 30_000,
  });
  return {
    // `dispatch` with a handler, not `request`: no body stream per answer (streams cost ticks and
    // promises), the chunks of SWF's small JSON answers are gathered as they come.
    post: (headers, body, signal) =>
      new Promise<WireResponse>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError(signal));
        let status = 0;
        let rawHeaders: Buffer[] = [];
        const chunks: Buffer[] = [];
        let size = 0;
        let settled = false;
        let abortRequest: ((reason: Error) => void) | undefined;
        const unlisten = signal ? onAbortOf(signal, () => stop(abortError(signal))) : undefined;
        const done = (): void => {
          settled = true;
          unlisten?.();
        };
        /** Drops the request and rejects with `error` (undici then reports its own abort, ignored). */
        function stop(error: Error): void {
          if (settled) return;
          done();
          abortRequest?.(error);
          reject(error);
        }
        pool.dispatch(
          { method: 'POST', path, headers, body },
          {
            onConnect(abort: (reason: Error) => void) {
              abortRequest = abort;
            },
            onHeaders(statusCode: number, raw: Buffer[]) {
              status = statusCode;
              rawHeaders = raw;
              const declared = contentLengthOf(raw);
              if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) stop(tooLarge(declared));
              return !settled;
            },
            onData(chunk: Buffer) {
              size += chunk.length;
              if (size > MAX_RESPONSE_BYTES) stop(tooLarge(undefined));
              else chunks.push(chunk);
              return !settled;
            },
            onComplete() {
              if (settled) return;
              done();
              const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
              // Headers as an object only when read (an error answer, a clock to correct): a 2xx needs none.
              let headers: IncomingHttpHeaders | undefined;
              const raw = rawHeaders;
              resolve({
                status,
                get headers() {
                  return (headers ??= headersOf(raw));
                },
                body: text,
              });
            },
            onError(error: Error) {
              if (settled) return;
              done();
              reject(error);
            },
          } as never,
        );
      }),
    close: () => pool.destroy(),
  };
}

/** `node:http(s)` with a keep-alive `Agent`. */
export function nodeHttpWire(origin: URL, path: string, options: WireOptions): WireClient {
  const tls = origin.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, timeout: options.requestTimeoutMs };
  const agent = tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const send = tls ? httpsRequest : httpRequest;
  const port = origin.port ? Number(origin.port) : undefined;
  const hostname = origin.hostname.replace(/^\[|\]$/g, ''); // an IPv6 literal without its brackets
  return {
    post(headers, body, signal) {
      return new Promise<WireResponse>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError(signal));
        const req = send(
          {
            agent,
            hostname,
            port,
            path,
            method: 'POST',
            headers,
            timeout: options.requestTimeoutMs,
            ...(signal ? { signal } : {}),
          },
          (res) => {
            const declared = Number(res.headers['content-length']);
            if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) return req.destroy(tooLarge(declared));
            res.setEncoding('utf8');
            let text = '';
            let size = 0;
            res.on('data', (chunk: string) => {
              size += Buffer.byteLength(chunk);
              if (size > MAX_RESPONSE_BYTES) req.destroy(tooLarge(undefined));
              else text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${origin.origin} in ${options.requestTimeoutMs} ms`), { name: 'TimeoutError', code: 'ETIMEDOUT' })));
        req.on('error', (error) => reject(signal?.aborted ? abortError(signal) : error));
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}
