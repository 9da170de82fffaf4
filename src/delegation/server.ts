import type { SWFClient } from '@aws-sdk/client-swf';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { fullJitterBackoff, type Backoff } from '../swf/backoff.js';
import { createSwfClient } from '../swf/client.js';
import { systemClock, type Clock } from '../swf/clock.js';
import { ConfigurationError } from '../swf/errors.js';
import { serveMetrics, type MetricsServer } from '../observability/metrics.js';
import type { WorkerLogger } from '../worker/options.js';
import { normalizeCallbackUrl } from './delegator.js';
import { callbackKeyRing, loadSecretFile, type CallbackKeyRing } from './keys.js';
import { buildApp } from './routes.js';
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
  const { app, inFlight } = buildApp(o, client, metrics);
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
    inFlight,
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
