/** The HTTP face of the local endpoint: SWF's awsJson 1.0 protocol over node:http. @internal */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SwfFault } from './protocol.js';
import { isKnownOperation } from './validate.js';
import { applyCall, faultOf } from './apply.js';
import { OPERATIONS } from './operations.js';
import { MODEL_LIMITS } from './model-limits.js';
import type { Chaos, ChaosFault } from './chaos.js';
import type { Engine } from './state.js';
import { applyConnectionLimits, connectionsCheckingInterval, type ConnectionLimits } from './connection-limits.js';
import type { RequestGate } from './auth/index.js';

const TARGET_PREFIX = 'SimpleWorkflowService.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** One call as the dispatcher sees it. */
export interface Call {
  operation: string;
  input: Record<string, unknown>;
  /** Aborts when the caller disconnects or the server closes. */
  signal: AbortSignal;
}

/** What a call ends in: an answer, a fault, or a socket reset with no answer at all. */
export type Outcome = { ok: Record<string, unknown> } | { fault: SwfFault } | { reset: true };

export interface ServerSettings {
  host: string;
  port: number;
  latencyMs: number;
  chaos?: Chaos;
  maxBodyBytes: number;
  limits: ConnectionLimits;
  /** Hears of each connection refused past `limits.maxConnections`. */
  onRefused?: (open: number) => void;
  /** The Host check and, with auth on, the signature check. */
  gate?: RequestGate;
}

/** A running HTTP server bound to an engine. */
export interface RunningServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string, closeConnection = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    ...(closeConnection ? { connection: 'close' } : {}),
  });
  res.end(text);
}

function chaosFault(fault: Exclude<ChaosFault, 'reset'>): SwfFault {
  return fault === 'error'
    ? new SwfFault('InternalFailure', 'Injected fault: internal failure (chaos)', 500)
    : new SwfFault('ThrottlingException', 'Rate exceeded (injected by chaos)', 400);
}

/** Reads the body up to `max` bytes, counting while it streams; undefined when it is larger. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    // A client that goes away mid-body would leave this promise pending for ever.
    req.on('close', () => {
      if (!ended && !over) reject(new Error('the client closed the connection before the body ended'));
    });
  });
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Applies one call to the engine: the single seam for latency, fault injection and future middleware. */
function createDispatch(engine: Engine, settings: ServerSettings): (call: Call) => Promise<Outcome> {
  return async (call) => {
    const chaos = settings.chaos;
    await delay(settings.latencyMs + (chaos?.latencyMs ?? 0), call.signal);
    const before = chaos?.pick('before');
    if (before === 'reset') return { reset: true };
    if (before) return { fault: chaosFault(before) };
    const outcome: Outcome = await applyCall(engine, call.operation, call.input, call.signal);
    const after = chaos?.pick('after');
    if (after === 'reset') return { reset: true };
    if (after) return { fault: chaosFault(after) };
    return outcome;
  };
}

/** Reads and checks method, size, target and JSON of a request; answers the faults itself and then returns undefined. */
async function readCall(req: IncomingMessage, res: ServerResponse, settings: ServerSettings, requestId: string): Promise<Omit<Call, 'signal'> | undefined> {
  const date = settings.gate?.date();
  if (date !== undefined) res.setHeader('date', date);
  const refused = settings.gate?.checkHost(req);
  if (refused) {
    req.resume();
    send(res, refused.status, refused.body(), requestId);
    return undefined;
  }
  if (req.method !== 'POST') {
    req.resume();
    send(res, 404, { __type: 'UnknownOperationException', message: `SWF takes POST /, not ${req.method} ${req.url}` }, requestId);
    return undefined;
  }
  const tooLarge = (bytes: string): void => {
    send(res, 413, { __type: 'RequestEntityTooLargeException', message: `Request body is ${bytes} bytes; SWF allows ${settings.maxBodyBytes.toLocaleString('en-US')}` }, requestId, true);
    // Do not buffer the rest: drop the connection once the answer is out.
    res.on('finish', () => req.socket.destroy());
  };
  // Checks that need only the headers come before the body is read: an unsigned body is never buffered.
  const unsignedHeaders = settings.gate?.checkSignatureHeaders(req);
  if (unsignedHeaders) {
    req.resume();
    send(res, unsignedHeaders.status, unsignedHeaders.body(), requestId);
    return undefined;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > settings.maxBodyBytes) {
    tooLarge(declared.toLocaleString('en-US'));
    return undefined;
  }
  const body = await readBody(req, settings.maxBodyBytes);
  if (body === undefined) {
    tooLarge(`more than ${settings.maxBodyBytes.toLocaleString('en-US')}`);
    return undefined;
  }
  const unsigned = settings.gate?.checkSignature(req, body);
  if (unsigned) {
    send(res, unsigned.status, unsigned.body(), requestId);
    return undefined;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  if (!isKnownOperation(operation) || OPERATIONS[operation] === undefined) {
    send(res, 400, { __type: 'UnknownOperationException', message: `Unknown operation: X-Amz-Target '${target.slice(0, 128)}'` }, requestId);
    return undefined;
  }
  try {
    const text = body.toString('utf8');
    const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return { operation, input: parsed as Record<string, unknown> };
  } catch {
    send(res, 400, { __type: 'SerializationException', message: 'The request body is not a JSON object' }, requestId);
    return undefined;
  }
}

/** The request handler: reads a call, dispatches it with a signal that aborts when its caller goes, answers. */
function createHandler(settings: ServerSettings, dispatch: (call: Call) => Promise<Outcome>, shutdown: AbortSignal, inFlight: Set<AbortController>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const call = await readCall(req, res, settings, requestId);
    if (call === undefined) return;
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    if (shutdown.aborted) gone.abort();
    inFlight.add(gone);
    try {
      const outcome = await dispatch({ ...call, signal: gone.signal });
      if ('reset' in outcome) req.socket.destroy();
      else if ('fault' in outcome) send(res, outcome.fault.status, outcome.fault.body(), requestId);
      else send(res, 200, outcome.ok, requestId);
    } finally {
      inFlight.delete(gone);
    }
  };
}

function listen(server: Server, settings: ServerSettings): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the HTTP server. Every request goes through `dispatch`, the one place calls are applied. */
export async function startServer(engine: Engine, settings: ServerSettings): Promise<RunningServer> {
  const shutdown = new AbortController();
  /** Calls in flight, each with the controller that aborts it; aborted together on close. */
  const inFlight = new Set<AbortController>();
  shutdown.signal.addEventListener('abort', () => {
    for (const c of inFlight) c.abort();
  });
  const handle = createHandler(settings, createDispatch(engine, settings), shutdown.signal, inFlight);
  const server: Server = createServer({ connectionsCheckingInterval: connectionsCheckingInterval(settings.limits) }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const fault = faultOf(error);
      send(res, fault.status, fault.body(), randomUUID());
    });
  });
  server.keepAliveTimeout = 75_000;
  applyConnectionLimits(server, settings.limits, settings.onRefused);

  const address = await listen(server, settings);
  const hostPart = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${hostPart}:${address.port}`,
    port: address.port,
    close() {
      closing ??= (async () => {
        engine.close();
        // Let the answers of the polls just ended reach their sockets before they are cut.
        await new Promise<void>((resolve) => setImmediate(resolve));
        shutdown.abort();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setImmediate(() => server.closeAllConnections());
        });
      })();
      return closing;
    },
  };
}

/** The body limit SWF enforces. */
export const DEFAULT_MAX_BODY_BYTES = MODEL_LIMITS.requestBytes;
