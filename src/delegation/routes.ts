import type { SWFClient } from '@aws-sdk/client-swf';
import { fastify, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Backoff } from '../swf/backoff.js';
import type { Clock } from '../swf/clock.js';
import { isTransient, TaskClosedError } from '../swf/errors.js';
import { tokenDigest } from '../swf/token.js';
import type { WorkerLogger } from '../worker/options.js';
import { CALLBACK_STATES, CallbackBodyError, prepareCallback, type CallbackApplied, type CallbackBody, type PreparedCallback } from './apply.js';
import { CallbackIdError, openCallbackId } from './callback-id.js';
import { schemaErrorBody, type ErrorBody } from './http-errors.js';
import { callbackDigest, type CallbackKeyRing } from './keys.js';
import type { CallbackMetrics } from './metrics.js';

/** @internal What the routes need: the compiled options of the server. */
export interface RouteSettings {
  readonly keys: CallbackKeyRing;
  readonly clock: Clock;
  readonly backoff: Backoff;
  readonly swfRetryBudgetMs: number;
  readonly maxInFlight: number;
  readonly maxBodyBytes: number;
  readonly logger: WorkerLogger;
}

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

type Answer = (status: number, body: ErrorBody | Record<string, unknown>, headers?: Record<string, string>, fields?: object) => FastifyReply;

const startedAt = new WeakMap<FastifyRequest, number>();

function secondsSince(request: FastifyRequest): number {
  const started = startedAt.get(request);
  return started === undefined ? 0 : (performance.now() - started) / 1000;
}

/** @internal The callback service's Fastify app: routes, schema, error answers. Not listening yet. */
export function buildApp(o: RouteSettings, client: Pick<SWFClient, 'send'>, metrics: CallbackMetrics): { app: FastifyInstance; inFlight(): number } {
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
  const counter = { inFlight: 0 };
  app.addHook('onRequest', async (request) => {
    startedAt.set(request, performance.now());
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown[] }, request, reply) => {
    const [status, body] = errorAnswer(error, o);
    metrics.callback('none', status, secondsSince(request));
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const route = request.url.startsWith('/v1/callbacks/') ? '/v1/callbacks/…' : request.url.slice(0, 100);
    return reply.code(404).send({ error: 'NotFound', message: `no route ${request.method} ${route}: callbacks are PUT /v1/callbacks/{id}` });
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.put<{ Params: { id: string }; Body: CallbackBody }>('/v1/callbacks/:id', { schema: { body: bodySchema } }, (request, reply) =>
    handleCallback(o, client, metrics, counter, request, reply),
  );
  return { app, inFlight: () => counter.inFlight };
}

/** The answer to a request that failed before the handler: schema, size, media type, JSON syntax. */
function errorAnswer(error: Error & { statusCode?: number; code?: string; validation?: unknown[] }, o: RouteSettings): [number, ErrorBody] {
  const status = error.statusCode ?? 500;
  if (error.validation) return [400, schemaErrorBody(error.validation as never, 'body')];
  if (status === 413) {
    return [413, { error: 'PayloadTooLarge', message: `the body is over ${o.maxBodyBytes.toLocaleString('en-US')} bytes, this service's limit; SWF takes at most 32,768 characters of output` }];
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return [415, { error: 'UnsupportedMediaType', message: 'send the body as JSON with content-type: application/json' }];
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return [400, { error: 'BadRequest', message: 'the body is empty; send {"state": "SUCCESS" | "ERROR" | "CANCELLED" | "RUNNING", ...}' }];
  }
  if (status === 400) return [400, { error: 'BadRequest', message: `the body is not JSON (${error.message})` }];
  o.logger.error({ err: error }, 'callback service: unexpected error');
  return [status >= 400 && status < 600 ? status : 500, { error: 'InternalServerError', message: 'the callback service failed; the callback was not applied, retry it' }];
}

/** `PUT /v1/callbacks/{id}`: open the id, check the body, apply it to SWF, answer. */
async function handleCallback(
  o: RouteSettings,
  client: Pick<SWFClient, 'send'>,
  metrics: CallbackMetrics,
  counter: { inFlight: number },
  request: FastifyRequest<{ Params: { id: string }; Body: CallbackBody }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { state } = request.body;
  const digest = callbackDigest(request.params.id);
  const answer: Answer = (status, body, headers = {}, fields = {}) => {
    const seconds = secondsSince(request);
    metrics.callback(state, status, seconds);
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (o.logger.isLevelEnabled(level)) {
      const message = status < 400 ? 'callback applied' : `callback refused: ${String(body.message)}`;
      o.logger[level]({ callback: digest, state, status, ms: Math.round(seconds * 1000), ...fields }, message);
    }
    return reply.code(status).headers(headers).send(body);
  };
  let taskToken: string;
  try {
    taskToken = openCallbackId(o.keys, request.params.id, o.clock.now()).taskToken;
  } catch (error) {
    if (!(error instanceof CallbackIdError)) throw error;
    const [status, name] = error.problem === 'malformed' ? [404, 'NotFound'] : error.problem === 'expired' ? [410, 'Gone'] : [403, 'Forbidden'];
    return answer(status, { error: name, message: error.message });
  }
  const fields = { tokenDigest: tokenDigest(taskToken) };
  let prepared: PreparedCallback;
  try {
    prepared = prepareCallback(request.body);
  } catch (error) {
    if (!(error instanceof CallbackBodyError)) throw error;
    return answer(400, { error: 'BadRequest', field: error.field, message: error.message }, {}, fields);
  }
  if (counter.inFlight >= o.maxInFlight) {
    const message = `this callback service has ${o.maxInFlight} SWF calls in flight, its limit; retry after ${SHED_RETRY_AFTER_S} s`;
    return answer(429, { error: 'TooManyRequests', message }, { 'retry-after': String(SHED_RETRY_AFTER_S) }, fields);
  }
  counter.inFlight++;
  metrics.inFlight(counter.inFlight);
  try {
    const applied = await applyWithRetries(o, client, metrics, prepared, taskToken, { ...fields, callback: digest });
    return 'error' in applied ? answer(applied.status, applied.error, applied.headers, { ...fields, err: applied.cause }) : answer(200, { state, ...applied }, {}, fields);
  } finally {
    counter.inFlight--;
    metrics.inFlight(counter.inFlight);
  }
}

type Failed = { status: number; error: ErrorBody; headers?: Record<string, string>; cause?: unknown };

/** Sends the prepared call, retrying transient errors within the budget; maps what is left to an answer. */
async function applyWithRetries(
  o: RouteSettings,
  client: Pick<SWFClient, 'send'>,
  metrics: CallbackMetrics,
  prepared: PreparedCallback,
  taskToken: string,
  fields: Record<string, unknown>,
): Promise<CallbackApplied | Failed> {
  const operation = OPERATION[prepared.state] ?? prepared.state;
  let attempts = 1;
  try {
    return await prepared.send(client, taskToken, {
      clock: o.clock,
      backoff: o.backoff,
      signal: AbortSignal.timeout(o.swfRetryBudgetMs),
      onRetry: (error, attempt, delayMs) => {
        attempts = attempt + 2;
        metrics.swfRetry(operation);
        o.logger.warn({ ...fields, operation, attempt: attempt + 1, delayMs, err: error }, `${operation} failed; retrying`);
      },
    });
  } catch (error) {
    if (error instanceof TaskClosedError) {
      return { status: 409, error: { error: 'Conflict', message: 'the task is already closed or timed out in SWF (UnknownResourceFault): a late or duplicate callback; nothing was changed' } };
    }
    if (isTransient(error)) {
      const seconds = Math.round(o.swfRetryBudgetMs / 1000);
      const message = `SWF could not be reached after ${attempts} attempt(s) in ${seconds} s (${describe(error)}); the callback was not applied, retry it`;
      return { status: 503, error: { error: 'ServiceUnavailable', message }, headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_S) }, cause: error };
    }
    return { status: 502, error: { error: 'BadGateway', message: `SWF refused ${operation}: ${describe(error)}` }, cause: error };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`.slice(0, 300);
}
