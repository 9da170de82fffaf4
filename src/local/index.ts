/**
 * flowy-swf/local: an in-memory, SWF-compatible endpoint for demos, tests and development.
 * It speaks SWF's own wire protocol, so the AWS SDK (and boto3) talk to it unchanged.
 */
import { createSystemClock, type LocalClock } from './clock.js';
import { Chaos, type ChaosOptions } from './chaos.js';
import { DEFAULT_MAX_BODY_BYTES, startServer } from './server.js';
import { compileAuth, createRequestGate, type LocalAuth } from './auth/index.js';
import { createEngine, MAX_HISTORY_EVENTS } from './engine.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.js';

export { createManualClock, createSystemClock } from './clock.js';
export type { LocalClock, ManualClock, TimerHandle } from './clock.js';
export type { ChaosOptions } from './chaos.js';
export type { LocalAuth, LocalAuthOptions } from './auth/index.js';

/** Options of {@link startLocalSwf}. */
export interface LocalSwfOptions {
  /** TCP port; 0 picks a free one (read it from `endpoint`). @default 0 */
  port?: number;
  /** Interface to bind. Anything but loopback without `auth` prints a warning: anyone on the network could call it. @default '127.0.0.1' */
  host?: string;
  /**
   * Check AWS Signature Version 4 on every request: `true` for the key of `AWS_ACCESS_KEY_ID` /
   * `AWS_SECRET_ACCESS_KEY` in this process's environment, or `{ credentials, credentialsFile, maxClockSkewSeconds }`.
   * Signing times are checked against `clock`. @default false (any request is accepted)
   */
  auth?: LocalAuth;
  /** Names besides localhost, 127.0.0.1, ::1 and `host` that a request's `Host` header may carry. @default [] */
  allowedHosts?: string[];
  /** How long a poll is held when no task comes, in milliseconds (SWF holds 60 s). @default 60000 */
  pollTimeoutMs?: number;
  /** Milliseconds added before every call is applied, e.g. to imitate a network in benchmarks. @default 0 */
  latencyMs?: number;
  /** Seeded fault injection: 5xx answers, throttling, reset sockets, added latency. @default undefined (none) */
  chaos?: ChaosOptions;
  /** Clock and timers of SWF's time-outs and event timestamps; tests pass a manual clock. @default the system clock */
  clock?: LocalClock;
  /** Most activity tasks open at once in one execution (SWF: 1,000). @default 1000 */
  maxOpenActivitiesPerExecution?: number;
  /** Most domains, registered and deprecated together (SWF: 100). @default 100 */
  maxDomains?: number;
  /**
   * Most closed executions kept across all domains; past it the oldest closed one is dropped first, before
   * its domain's retention ends. Retention alone applies without it. @default undefined (no cap)
   */
  maxClosedExecutions?: number;
  /**
   * Events in one execution's history at which it is terminated (cause `EVENT_LIMIT_EXCEEDED`), as SWF does
   * at 25,000. Lower it only to test how a workflow meets the limit. @default 25000
   */
  maxHistoryEvents?: number;
  /** Most connections open at once; past it a new one is answered 503 `ServiceUnavailableException` and closed. @default 2048 */
  maxConnections?: number;
  /** Milliseconds a client has to send a request's headers; then 408 and the connection closes. @default 10000 */
  headersTimeoutMs?: number;
  /**
   * Milliseconds a client has to send a whole request, headers and body (not counting how long a long poll
   * is held); then 408 and the connection closes. At least `headersTimeoutMs`. @default 30000
   */
  requestTimeoutMs?: number;
  /** Where warnings go. @default a line on stderr */
  warn?: (message: string) => void;
}

/** Counts of what the endpoint holds, for tests and diagnostics. */
export interface LocalSwfStats {
  domains: number;
  openExecutions: number;
  /** Tasks handed to a worker and not yet closed, activity and decision. */
  startedActivityTasks: number;
  startedDecisionTasks: number;
  /** Polls waiting for a task right now. */
  waitingPolls: number;
  /** SWF time-outs and timers running. */
  timers: number;
  /** Closed executions still kept (until their domain's retention ends, or the cap pushes them out). */
  closedExecutions: number;
}

/** A running local endpoint. */
export interface LocalSwf {
  /** URL to give an SWF client as its `endpoint`, e.g. `http://127.0.0.1:5055`. */
  readonly endpoint: string;
  /** The port bound. */
  readonly port: number;
  /** The clock the endpoint runs on (a manual one advances only when told). */
  readonly clock: LocalClock;
  /** What the endpoint holds now. */
  stats(): LocalSwfStats;
  /** Stops every timer, answers waiting polls empty and closes the server and its connections. Idempotent. */
  close(): Promise<void>;
}

/** Longest delay a Node timer takes. */
const MAX_DELAY_MS = 2 ** 31 - 1;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

const wholeAtLeast = (name: string, value: number, min: number): number => {
  if (!Number.isInteger(value) || value < min) throw new TypeError(`${name} is ${value}; it must be a whole number of at least ${min.toLocaleString('en-US')}`);
  return value;
};

/** The limits on what the endpoint holds and how long a client may take, checked. */
function compileLimits(options: LocalSwfOptions): ConnectionLimits & { maxClosedExecutions?: number; maxHistoryEvents: number } {
  const d = DEFAULT_CONNECTION_LIMITS;
  const headersTimeoutMs = wholeAtLeast('headersTimeoutMs', options.headersTimeoutMs ?? d.headersTimeoutMs, 1);
  const requestTimeoutMs = wholeAtLeast('requestTimeoutMs', options.requestTimeoutMs ?? Math.max(d.requestTimeoutMs, headersTimeoutMs), 1);
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new TypeError(`requestTimeoutMs is ${requestTimeoutMs} and headersTimeoutMs ${headersTimeoutMs}; the whole request cannot take less time than its headers`);
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    maxConnections: wholeAtLeast('maxConnections', options.maxConnections ?? d.maxConnections, 1),
    maxHistoryEvents: wholeAtLeast('maxHistoryEvents', options.maxHistoryEvents ?? MAX_HISTORY_EVENTS, 3),
    ...(options.maxClosedExecutions === undefined ? {} : { maxClosedExecutions: wholeAtLeast('maxClosedExecutions', options.maxClosedExecutions, 0) }),
  };
}

/** Tells of refused connections, at most once every ten seconds. */
function refusalWarning(warn: (message: string) => void, maxConnections: number): (open: number) => void {
  let last = -Infinity;
  let refused = 0;
  return () => {
    refused++;
    if (performance.now() - last < 10_000) return;
    last = performance.now();
    warn(`local SWF endpoint: ${maxConnections.toLocaleString('en-US')} connections open (its maxConnections); ${refused.toLocaleString('en-US')} refused with 503 so far`);
  };
}

function compileOptions(options: LocalSwfOptions): Required<Omit<LocalSwfOptions, 'chaos' | 'auth' | keyof ConnectionLimits | 'maxClosedExecutions' | 'maxHistoryEvents'>> & { chaos?: ChaosOptions } {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`port is ${port}; it must be an integer from 0 to 65535`);
  const pollTimeoutMs = options.pollTimeoutMs ?? 60_000;
  if (!(pollTimeoutMs > 0 && pollTimeoutMs <= MAX_DELAY_MS)) throw new TypeError(`pollTimeoutMs is ${pollTimeoutMs}; it must be more than 0 and at most ${MAX_DELAY_MS}`);
  const latencyMs = options.latencyMs ?? 0;
  if (!(latencyMs >= 0 && latencyMs <= MAX_DELAY_MS)) throw new TypeError(`latencyMs is ${latencyMs}; it must be from 0 to ${MAX_DELAY_MS}`);
  const maxOpen = wholeAtLeast('maxOpenActivitiesPerExecution', options.maxOpenActivitiesPerExecution ?? 1000, 1);
  const maxDomains = wholeAtLeast('maxDomains', options.maxDomains ?? 100, 1);
  const allowedHosts = options.allowedHosts ?? [];
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== 'string' || h.trim() === '')) {
    throw new TypeError(`allowedHosts is ${JSON.stringify(allowedHosts)}; it must be an array of host names, e.g. ['swf.internal']`);
  }
  return {
    port,
    allowedHosts,
    maxDomains,
    host: options.host ?? '127.0.0.1',
    pollTimeoutMs,
    latencyMs,
    chaos: options.chaos,
    clock: options.clock ?? createSystemClock(),
    maxOpenActivitiesPerExecution: maxOpen,
    warn: options.warn ?? ((message) => process.stderr.write(`${message}\n`)),
  };
}

/**
 * Starts an in-memory SWF-compatible endpoint over HTTP.
 *
 * @example
 * const swf = await startLocalSwf();
 * const client = new SWFClient({ endpoint: swf.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
 * // ...
 * await swf.close();
 */
export async function startLocalSwf(options: LocalSwfOptions = {}): Promise<LocalSwf> {
  const o = compileOptions(options);
  const auth = compileAuth(options.auth);
  const { maxClosedExecutions, maxHistoryEvents, ...limits } = compileLimits(options);
  const chaos = o.chaos ? new Chaos(o.chaos) : undefined;
  const engine = createEngine(o.clock, {
    pollTimeoutMs: o.pollTimeoutMs,
    maxOpenActivitiesPerExecution: o.maxOpenActivitiesPerExecution,
    maxDomains: o.maxDomains,
    maxHistoryEvents,
    ...(maxClosedExecutions === undefined ? {} : { maxClosedExecutions }),
    accountId: '000000000000',
    region: 'us-east-1',
  });
  if (!LOOPBACK.test(o.host) && auth === undefined) {
    o.warn(
      `WARNING: the local SWF endpoint is bound to ${o.host}, not loopback, with NO authentication: anyone who can ` +
        'reach this port can register domains, start, signal and terminate workflows, read every history, input and ' +
        'result, and poll, complete or fail any task. Bind to 127.0.0.1, or turn on --auth (auth: true) to check signatures.',
    );
  }
  const server = await startServer(engine, {
    host: o.host,
    port: o.port,
    latencyMs: o.latencyMs,
    ...(chaos ? { chaos } : {}),
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    gate: createRequestGate({ bindHost: o.host, allowedHosts: o.allowedHosts, ...(auth ? { auth } : {}), now: () => o.clock.now() }),
    limits,
    onRefused: refusalWarning(o.warn, limits.maxConnections),
  });
  return {
    endpoint: server.endpoint,
    port: server.port,
    clock: o.clock,
    stats() {
      let openExecutions = 0;
      for (const d of engine.domains.values()) openExecutions += d.open.size;
      return {
        domains: engine.domains.size,
        openExecutions,
        startedActivityTasks: engine.activityTokens.size,
        startedDecisionTasks: engine.decisionTokens.size,
        waitingPolls: engine.waitingPolls,
        timers: engine.timerCount,
        closedExecutions: engine.closedCount,
      };
    },
    close: () => server.close(),
  };
}
