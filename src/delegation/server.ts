import type { SWFClient } from '@aws-sdk/client-swf';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fastify, type FastifyInstance, type FastifyReply } from 'fastify';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { fullJitterBackoff, type Backoff } from '../swf/backoff.js';
import { createSwfClient } from '../swf/client.js';
import { systemClock, type Clock } from '../swf/clock.js';
import { ConfigurationError, isTransient, TaskClosedError } from '../swf/errors.js';
import { tokenDigest } from '../swf/token.js';
import { serveMetrics, type MetricsServer } from '../observability/metrics.js';
import type { WorkerLogger } from '../worker/options.js';
import { CALLBACK_STATES, CallbackBodyError, prepareCallback, type CallbackBody, type CallbackApplied } from './apply.js';
import { CallbackIdError, openCallbackId, MAX_CALLBACK_ID_LENGTH } from './callback-id.js';
import { normalizeCallbackUrl } from './delegator.js';
import { schemaErrorBody, type ErrorBody } from './http-errors.js';
import { callbackDigest, callbackKeyRing, loadSecretFile, type CallbackKeyRing } from './keys.js';
import { completeCallbackMetrics, prometheusCallbackMetrics, type CallbackMetrics } from './metrics.js';

/** Options of {@link startCallbackServer}. Give the keys one way: `keys`, `secretFile` or `secrets`. */
export interface CallbackServerOptions {
  /** A key ring. */
  keys?: CallbackKeyRing;
  /** A file of secrets, one per line, current first: the workers' file. */
  secretFile?: string;
  /** Secrets, current first. */
  secrets?: readonly string[];
  /** The public URL third parties reach this service at; logged at start, checked like the workers'. @default undefined */
  publicUrl?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' (put a TLS reverse proxy in front; see docs/delegation.md) */
  host?: string;
  /** A ready SWF client, left open by `close()`. @default createSwfClient({ region, endpoint }) with 3 s connect and 10 s request time-outs */
  client?: Pick<SWFClient, 'send'>;
  /** AWS region, when no client is given. @default process.env.AWS_REGION */
  region?: string;
  /** SWF endpoint URL, when no client is given. @default process.env.AWS_ENDPOINT_URL_SWF, else AWS's */
  endpoint?: string;
  /** Time: ids' expiry is checked against `now()`, retries wait with `sleep()`. @default systemClock */
  clock?: Clock;
  /** Waits between retries of transient SWF errors. @default fullJitterBackoff() (100 ms doubling to 20 s, full jitter) */
  backoff?: Backoff;
  /** How long one callback may retry transient SWF errors before it is answered 503, in ms. @default 10000 */
  swfRetryBudgetMs?: number;
  /** Most SWF calls in flight at once; a callback beyond them is answered 429 with `Retry-After`. @default 256 */
  maxInFlight?: number;
  /** Largest request body, in bytes; larger ones are answered 413. SWF's own whole-request limit is 1 MB. @default 1048576 */
  maxBodyBytes?: number;
  /** Structured logger (pino). Never sees an id or a token whole: digests only. @default silent */
  logger?: WorkerLogger;
  /** Where metrics go. @default prometheus metrics when `metricsPort` is set, else none */
  metrics?: Partial<CallbackMetrics>;
  /** Serve Prometheus metrics at `http://metricsHost:metricsPort/metrics`, apart from the public port. @default undefined */
  metricsPort?: number;
  /** @default '127.0.0.1' */
  metricsHost?: string;
}

/** A running callback service. */
export interface CallbackServer {
  /** `http://host:port`, as bound (not the public URL). */
  readonly url: string;
  readonly port: number;
  /** The metrics server's URL, when `metricsPort` was set. */
  readonly metricsUrl: string | undefined;
  /** SWF calls in flight now. */
  inFlight(): number;
  /** Stops taking requests, lets those in flight finish, closes what it opened. Idempotent. */
  close(): Promise<void>;
}

/** The defaults of {@link CallbackServerOptions}. */
export const CALLBACK_SERVER_DEFAULTS = Object.freeze({ swfRetryBudgetMs: 10_000, maxInFlight: 256, maxBodyBytes: 1_048_576, host: '127.0.0.1' });

/** Seconds a shed (429) callback is told to wait. */
const SHED_RETRY_AFTER_S = 1;
/** Seconds a callback SWF could not take (503) is told to wait. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

const bodySchema = {
  type: 'object',
  required: ['state'],
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: [...CALLBACK_STATES] },
    output: {},
    reason: { type: 'string' },
    details: {},
  },
} as const;

const OPERATION: Record<string, string> = {
  SUCCESS: 'RespondActivityTaskCompleted',
  ERROR: 'RespondActivityTaskFailed',
  CANCELLED: 'RespondActivityTaskCanceled',
  RUNNING: 'RecordActivityTaskHeartbeat',
};

interface Compiled {
  keys: CallbackKeyRing;
  publicUrl: string | undefined;
  port: number;
  host: string;
  clock: Clock;
  backoff: Backoff;
  swfRetryBudgetMs: number;
  maxInFlight: number;
  maxBodyBytes: number;
  logger: WorkerLogger;
}

function wholeNumber(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`startCallbackServer: ${name} must be a whole number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function compile(options: CallbackServerOptions): Compiled {
  const given = [options.keys, options.secretFile, options.secrets].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new ConfigurationError(
      `startCallbackServer: give the callback secrets one way, secretFile (--secret-file), secrets or keys; got ${given === 0 ? 'none' : 'several'}`,
    );
  }
  const keys = options.keys ?? (options.secretFile !== undefined ? loadSecretFile(options.secretFile) : callbackKeyRing(options.secrets ?? []));
  const port = wholeNumber('port', options.port, 0, 0);
  if (port > 65_535) throw new ConfigurationError(`startCallbackServer: port is ${port}; give a port from 0 to 65535 (0 picks a free one)`);
  return {
    keys,
    publicUrl: options.publicUrl === undefined ? undefined : normalizeCallbackUrl(options.publicUrl, 'publicUrl'),
    port,
    host: options.host ?? CALLBACK_SERVER_DEFAULTS.host,
    clock: options.clock ?? systemClock,
    backoff: options.backoff ?? fullJitterBackoff(),
    swfRetryBudgetMs: wholeNumber('swfRetryBudgetMs', options.swfRetryBudgetMs, CALLBACK_SERVER_DEFAULTS.swfRetryBudgetMs, 0),
    maxInFlight: wholeNumber('maxInFlight', options.maxInFlight, CALLBACK_SERVER_DEFAULTS.maxInFlight, 1),
    maxBodyBytes: wholeNumber('maxBodyBytes', options.maxBodyBytes, CALLBACK_SERVER_DEFAULTS.maxBodyBytes, 1024),
    logger: options.logger ?? (pino({ level: 'silent' }) as unknown as WorkerLogger),
  };
}

/**
 * Starts the callback service: `PUT /v1/callbacks/{id}` finishes or heartbeats the task sealed in the
 * id, `GET /healthz` answers `{ ok: true }`. Stateless: any number of them sharing the secret file can
 * run behind a load balancer. See docs/delegation.md for the API and its answers.
 */
export async function startCallbackServer(options: CallbackServerOptions): Promise<CallbackServer> {
  const o = compile(options);
  const ownClient =
    options.client === undefined
      ? createSwfClient({
          region: options.region,
          endpoint: options.endpoint,
          // No long polls here: a stuck call should give way to a retry well within the retry budget.
          config: { requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000, socketTimeout: 10_000, throwOnRequestTimeout: true }) },
        })
      : undefined;
  const client = options.client ?? ownClient!;
  const prom = options.metrics === undefined && options.metricsPort !== undefined ? prometheusCallbackMetrics() : undefined;
  const metrics = completeCallbackMetrics(options.metrics ?? prom);
  const app = buildApp(o, client, metrics);
  let metricsServer: MetricsServer | undefined;
  try {
    await app.listen({ port: o.port, host: o.host });
    if (prom) metricsServer = await serveMetrics(prom.registry as Registry, options.metricsPort ?? 0, options.metricsHost);
  } catch (error) {
    await app.close();
    ownClient?.destroy();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${shownHost}:${port}`;
  o.logger.info(
    { url, publicUrl: o.publicUrl, keys: o.keys.keys.map((k) => k.id), currentKey: o.keys.current.id, metricsUrl: metricsServer?.url },
    'callback service started',
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    metricsUrl: metricsServer?.url,
    inFlight: () => app.flowyInFlight(),
    close: () =>
      (closing ??= (async () => {
        try {
          await app.close();
        } finally {
          await metricsServer?.close();
          ownClient?.destroy();
          o.logger.info({ url }, 'callback service stopped');
        }
      })()),
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    flowyInFlight(): number;
  }
}

function send(reply: FastifyReply, status: number, body: ErrorBody | Record<string, unknown>, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers(headers).send(body);
}

function buildApp(o: Compiled, client: Pick<SWFClient, 'send'>, metrics: CallbackMetrics): FastifyInstance {
  // Fastify's own request log would print URLs, and a URL here holds a callback id: we log digests ourselves.
  const app = fastify({
    logger: false,
    bodyLimit: o.maxBodyBytes,
    // Longer than any id, so a long non-id gets our 404 rather than the router's 414.
    routerOptions: { maxParamLength: 16_384 },
    // Refuse what the schema does not name instead of quietly dropping it, and never coerce types.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });
  // JSON only: without this, a text/plain body would reach the schema as a string.
  app.removeContentTypeParser('text/plain');
  let inFlight = 0;
  app.decorate('flowyInFlight', () => inFlight);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown[] }, _request, reply) => {
    const started = (reply.request as { flowyStarted?: number }).flowyStarted;
    let status = error.statusCode ?? 500;
    let body: ErrorBody;
    if (error.validation) {
      status = 400;
      body = schemaErrorBody(error.validation as never, 'body');
    } else if (status === 413) {
      body = { error: 'PayloadTooLarge', message: `the body is over ${o.maxBodyBytes.toLocaleString('en-US')} bytes, this service's limit; SWF takes at most 32,768 characters of output` };
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      body = { error: 'UnsupportedMediaType', message: 'send the body as JSON with content-type: application/json' };
    } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      status = 400;
      body = { error: 'BadRequest', message: 'the body is empty; send {"state": "SUCCESS" | "ERROR" | "CANCELLED" | "RUNNING", ...}' };
    } else if (status === 400) {
      body = { error: 'BadRequest', message: `the body is not JSON (${error.message})` };
    } else {
      status = status >= 400 && status < 600 ? status : 500;
      o.logger.error({ err: error }, 'callback service: unexpected error');
      body = { error: 'InternalServerError', message: 'the callback service failed; the callback was not applied, retry it' };
    }
    metrics.callback('none', status, started === undefined ? 0 : (performance.now() - started) / 1000);
    return send(reply, status, body);
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, { error: 'NotFound', message: `no route ${request.method} ${request.url.startsWith('/v1/callbacks/') ? '/v1/callbacks/…' : request.url.slice(0, 100)}: callbacks are PUT /v1/callbacks/{id}` }),
  );
  app.addHook('onRequest', async (request) => {
    (request as { flowyStarted?: number }).flowyStarted = performance.now();
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.put<{ Params: { id: string }; Body: CallbackBody }>('/v1/callbacks/:id', { schema: { body: bodySchema } }, async (request, reply) => {
    const started = (request as { flowyStarted?: number }).flowyStarted ?? performance.now();
    const { state } = request.body;
    const digest = callbackDigest(request.params.id);
    const answer = (status: number, body: ErrorBody | Record<string, unknown>, headers?: Record<string, string>, fields: object = {}): FastifyReply => {
      const seconds = (performance.now() - started) / 1000;
      metrics.callback(state, status, seconds);
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (o.logger.isLevelEnabled(level)) {
        o.logger[level]({ callback: digest, state, status, ms: Math.round(seconds * 1000), ...fields }, status < 400 ? 'callback applied' : `callback refused: ${body.message as string}`);
      }
      return send(reply, status, body, headers);
    };
    let taskToken: string;
    try {
      taskToken = openCallbackId(o.keys, request.params.id, o.clock.now()).taskToken;
    } catch (error) {
      if (!(error instanceof CallbackIdError)) throw error;
      const status = error.problem === 'malformed' ? 404 : error.problem === 'expired' ? 410 : 403;
      const name = status === 404 ? 'NotFound' : status === 410 ? 'Gone' : 'Forbidden';
      return answer(status, { error: name, message: error.message });
    }
    const fields = { tokenDigest: tokenDigest(taskToken) };
    let prepared;
    try {
      prepared = prepareCallback(request.body);
    } catch (error) {
      if (!(error instanceof CallbackBodyError)) throw error;
      return answer(400, { error: 'BadRequest', field: error.field, message: error.message }, undefined, fields);
    }
    if (inFlight >= o.maxInFlight) {
      return answer(
        429,
        { error: 'TooManyRequests', message: `this callback service has ${o.maxInFlight} SWF calls in flight, its limit; retry after ${SHED_RETRY_AFTER_S} s` },
        { 'retry-after': String(SHED_RETRY_AFTER_S) },
        fields,
      );
    }
    inFlight++;
    metrics.inFlight(inFlight);
    const operation = OPERATION[state] ?? state;
    let attempts = 1;
    let applied: CallbackApplied;
    try {
      applied = await prepared.send(client, taskToken, {
        clock: o.clock,
        backoff: o.backoff,
        signal: AbortSignal.timeout(o.swfRetryBudgetMs),
        onRetry: (error, attempt, delayMs) => {
          attempts = attempt + 2;
          metrics.swfRetry(operation);
          o.logger.warn({ ...fields, callback: digest, operation, attempt: attempt + 1, delayMs, err: error }, `${operation} failed; retrying`);
        },
      });
    } catch (error) {
      if (error instanceof TaskClosedError) {
        return answer(409, { error: 'Conflict', message: `the task is already closed or timed out in SWF (UnknownResourceFault): a late or duplicate callback; nothing was changed` }, undefined, fields);
      }
      if (isTransient(error)) {
        return answer(
          503,
          {
            error: 'ServiceUnavailable',
            message: `SWF could not be reached after ${attempts} attempt(s) in ${Math.round(o.swfRetryBudgetMs / 1000)} s (${describe(error)}); the callback was not applied, retry it`,
          },
          { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_S) },
          { ...fields, err: error },
        );
      }
      return answer(502, { error: 'BadGateway', message: `SWF refused ${operation}: ${describe(error)}` }, undefined, { ...fields, err: error });
    } finally {
      inFlight--;
      metrics.inFlight(inFlight);
    }
    return answer(200, { state, ...applied }, undefined, fields);
  });
  return app;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`.slice(0, 300);
}
