import { SWFClient, type SWFClientConfig } from '@aws-sdk/client-swf';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { explainMissingRegion } from './client-errors.js';
import { SizeLimitedHttpHandler } from './size-limit.js';
import { markPlainClient } from './transport/select.js';

/** Options of {@link createSwfClient}. */
export interface SwfClientOptions {
  /** AWS region. @default process.env.AWS_REGION, else `us-east-1` when an endpoint is given */
  region?: string;
  /** Endpoint URL, e.g. a local endpoint's. @default process.env.AWS_ENDPOINT_URL_SWF, else AWS's */
  endpoint?: string;
  /** Credentials. @default the standard AWS credential chain; dummy ones for a loopback endpoint when the chain has none in the environment */
  credentials?: SWFClientConfig['credentials'];
  /** Most sockets kept open to SWF; long polls hold one each. @default 256 */
  maxSockets?: number;
  /** Any other client setting, applied last. */
  config?: SWFClientConfig;
}

/** True for an endpoint URL on this machine's loopback interface. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** Client settings that leave the send path as createSwfClient builds it: the worker may take the lean path. */
const PLAIN_SETTINGS = new Set(['region', 'endpoint', 'credentials', 'useFipsEndpoint', 'useDualstackEndpoint', 'profile', 'maxAttempts', 'cacheMiddleware']);

/**
 * Builds an `SWFClient` fit for long polls: connection time-out 5 s, request and socket time-outs
 * 70 s (SWF holds a poll up to 60 s), keep-alive sockets. The AWS SDK's own retries are turned off
 * (`maxAttempts: 1`): flowy-swf retries every call itself with full-jitter backoff, and a respond call
 * until it succeeds or SWF says the task is closed. Answer bodies over 1 MiB (`MAX_RESPONSE_BYTES`) are
 * refused with `ResponseTooLargeError`, a transient fault. `cacheMiddleware` is on: the handler of each
 * operation is built once. A worker on this client takes the lean transport for its hot calls (see
 * docs/worker.md) unless `config` sets something of the send path (a request handler, a logger, ...)
 * or middleware is added to the client.
 */
export function createSwfClient(options: SwfClientOptions = {}, env: NodeJS.ProcessEnv = process.env): SWFClient {
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_SWF ?? undefined;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  const maxSockets = options.maxSockets ?? 256;
  let credentials = options.credentials;
  if (!credentials && endpoint && isLoopbackEndpoint(endpoint) && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) {
    credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  const client = new SWFClient({
    cacheMiddleware: true,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: 1,
    // Answers over MAX_RESPONSE_BYTES are refused (ResponseTooLargeError, retried): none of SWF's is near it.
    requestHandler: new SizeLimitedHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 70_000,
      socketTimeout: 70_000,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    }),
    ...options.config,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw explainMissingRegion(error);
      }
    },
    { step: 'initialize', name: 'flowySwfExplainMissingRegion' },
  );
  if (Object.keys(options.config ?? {}).every((key) => PLAIN_SETTINGS.has(key))) markPlainClient(client, maxSockets);
  return client;
}

