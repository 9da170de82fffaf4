import {
  PollForActivityTaskCommand,
  type ActivityTask,
  type ActivityTaskStatus,
  type PollForActivityTaskInput,
  type RecordActivityTaskHeartbeatInput,
  type RespondActivityTaskCanceledInput,
  type RespondActivityTaskCompletedInput,
  type RespondActivityTaskFailedInput,
  type SWFClient,
} from '@aws-sdk/client-swf';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { isClockSkewError } from '@smithy/core/retry';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, ChecksumConstructor, HashConstructor, HttpRequest } from '@smithy/types';
import { packageVersion } from '../../cli/version.js';
import { swfErrorOf } from './errors.js';
import { nodeHttpWire, undiciWire, type HttpClientKind, type WireClient, type WireResponse } from './http.js';
import type { SwfTransport } from './types.js';
import { explainMissingRegion } from '../client-errors.js';

/** Options of {@link LeanSwfTransport}. */
export interface LeanTransportOptions {
  /** Most connections to SWF; each open poll holds one. @default 256 */
  maxSockets?: number;
  /** The HTTP client: undici's `Pool` or `node:http` with a keep-alive agent. @default 'undici' */
  httpClient?: HttpClientKind;
  /** Time to connect, in ms. @default 5000 */
  connectTimeoutMs?: number;
  /** Time for SWF's answer, in ms: SWF holds a poll up to 60 s. @default 70000 */
  requestTimeoutMs?: number;
  /** The clock requests are signed by (before the skew correction). @default Date.now */
  now?: () => number;
}

/** What the SDK's resolved client config holds that the transport reuses. */
interface ResolvedSwfConfig {
  region: () => Promise<string>;
  credentials: AwsCredentialIdentityProvider;
  sha256?: ChecksumConstructor | HashConstructor;
  systemClockOffset?: number;
}

interface Target {
  signer: SignatureV4;
  wire: WireClient;
  protocol: string;
  hostname: string;
  port: number | undefined;
  host: string;
  path: string;
  endpointHeaders: Record<string, string>;
}

/** The User-Agent of the lean path: flowy-swf, its version, the runtime. */
export const LEAN_USER_AGENT = `flowy-swf/${packageVersion()} lean-transport md/nodejs#${process.versions.node}`;

/**
 * A 2xx answer's JSON. A body that is not JSON throws a `SyntaxError` carrying `$metadata`, as the SDK's
 * does, so the worker takes it for an unparseable answer (a transient fault, retried with backoff).
 */
function parseAnswer<T>(res: WireResponse): T {
  try {
    return JSON.parse(res.body) as T;
  } catch (error) {
    throw Object.assign(error as SyntaxError, { $metadata: { httpStatusCode: res.status }, $response: { statusCode: res.status } });
  }
}

const TARGET_PREFIX = 'SimpleWorkflowService.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * The lean hot path: the five worker operations signed with the AWS SDK's own SigV4 signer
 * (`@smithy/signature-v4`, hashing with `node:crypto` through the SDK's `Hash`), sent over a keep-alive
 * pool, JSON written and read directly. Everything else comes from the `SWFClient` it is built on, as
 * the SDK resolves it: region, endpoint (`endpoint`, `AWS_ENDPOINT_URL_SWF`, FIPS and dual-stack
 * variants, through the client's own endpoint rules), credentials (the client's provider: the standard
 * chain, memoized, refreshed before expiry), and the clock offset. Errors are the SDK's exception classes.
 *
 * Build it with `leanTransportFor(client)`, which closes it when the client is destroyed.
 */
export class LeanSwfTransport implements SwfTransport {
  readonly kind = 'lean' as const;
  readonly #client: SWFClient;
  readonly #config: ResolvedSwfConfig;
  readonly #options: Required<Omit<LeanTransportOptions, 'now'>>;
  readonly #now: () => number;
  #target: Target | undefined;
  #starting: Promise<Target> | undefined;
  #closed = false;
  readonly #pollBodies = new WeakMap<PollForActivityTaskInput, string>();

  constructor(client: SWFClient, options: LeanTransportOptions = {}) {
    this.#client = client;
    this.#config = client.config as unknown as ResolvedSwfConfig;
    this.#now = options.now ?? Date.now;
    this.#options = {
      maxSockets: options.maxSockets ?? 256,
      httpClient: options.httpClient ?? 'undici',
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 70_000,
    };
  }

  /** Clock offset in ms (server minus local), shared with the client's config as the SDK keeps it. */
  get systemClockOffset(): number {
    return this.#config.systemClockOffset ?? 0;
  }

  async pollForActivityTask(input: PollForActivityTaskInput, options?: { abortSignal?: AbortSignal }): Promise<ActivityTask> {
    const res = await this.#call('PollForActivityTask', this.#pollBody(input), options?.abortSignal);
    return res.body.length > 2 ? parseAnswer<ActivityTask>(res) : ({} as ActivityTask);
  }

  /**
   * The poll's JSON. The worker polls with one frozen input for its whole life, so a frozen input (and
   * its frozen task list) is written once; any other input is written afresh, as it may have changed.
   */
  #pollBody(input: PollForActivityTaskInput): string {
    const frozen = Object.isFrozen(input) && (input.taskList === undefined || Object.isFrozen(input.taskList));
    let body = frozen ? this.#pollBodies.get(input) : undefined;
    if (body === undefined) {
      body = JSON.stringify({ domain: input.domain, taskList: input.taskList, identity: input.identity });
      if (frozen) this.#pollBodies.set(input, body);
    }
    return body;
  }

  async respondActivityTaskCompleted(input: RespondActivityTaskCompletedInput): Promise<void> {
    await this.#call('RespondActivityTaskCompleted', JSON.stringify({ taskToken: input.taskToken, result: input.result }));
  }

  async respondActivityTaskFailed(input: RespondActivityTaskFailedInput): Promise<void> {
    const body = JSON.stringify({ taskToken: input.taskToken, reason: input.reason, details: input.details });
    await this.#call('RespondActivityTaskFailed', body);
  }

  async respondActivityTaskCanceled(input: RespondActivityTaskCanceledInput): Promise<void> {
    await this.#call('RespondActivityTaskCanceled', JSON.stringify({ taskToken: input.taskToken, details: input.details }));
  }

  async recordActivityTaskHeartbeat(input: RecordActivityTaskHeartbeatInput): Promise<ActivityTaskStatus> {
    const res = await this.#call('RecordActivityTaskHeartbeat', JSON.stringify({ taskToken: input.taskToken, details: input.details }));
    const out = res.body.length > 0 ? parseAnswer<{ cancelRequested?: unknown }>(res) : {};
    return { cancelRequested: out.cancelRequested === true };
  }

  /**
   * The request as it goes on the wire for `operation` with JSON `body`, signed at `signingDate`
   * (default: now plus the clock offset). Exposed so that tests can compare it with the SDK's.
   */
  async signedRequest(operation: string, body: string, signingDate?: Date): Promise<HttpRequest> {
    const target = this.#target ?? (await this.#start());
    return this.#sign(target, operation, body, signingDate ?? new Date(this.#now() + this.systemClockOffset));
  }

  /** Closes the pool; open polls end with an error. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const target = this.#target ?? (this.#starting ? await this.#starting.catch(() => undefined) : undefined);
    await target?.wire.close();
  }

  async #call(operation: string, body: string, signal?: AbortSignal): Promise<WireResponse> {
    const target = this.#target ?? (await this.#start());
    let res = await this.#send(target, operation, body, signal);
    if (res.status >= 300) {
      const error = swfErrorOf(res.status, res.headers, res.body);
      // As the SDK's signer does: learn the server's time from an error answer; when the call failed
      // because of the clock (e.g. "Signature expired") and the offset moved, retry once.
      if (!this.#correctClock(res) || !isClockSkewError(error as never)) throw error;
      (error.$metadata as { clockSkewCorrected?: boolean }).clockSkewCorrected = true;
      res = await this.#send(target, operation, body, signal);
      if (res.status >= 300) {
        const second = swfErrorOf(res.status, res.headers, res.body);
        second.$metadata.attempts = 2;
        throw second;
      }
    }
    return res;
  }

  /**
   * As the SDK's signer does on an error answer: the offset becomes the server's time (its Date header)
   * minus ours; true when it moved and is 4 minutes or more, the skew at which SWF refuses a signature.
   */
  #correctClock(res: WireResponse): boolean {
    const date = res.headers.date;
    const serverTime = typeof date === 'string' ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(serverTime)) return false;
    const before = this.systemClockOffset;
    const after = serverTime - this.#now();
    this.#config.systemClockOffset = after;
    return after !== before && Math.abs(after) >= 240_000;
  }

  async #send(target: Target, operation: string, body: string, signal?: AbortSignal): Promise<WireResponse> {
    const signed = await this.#sign(target, operation, body, new Date(this.#now() + this.systemClockOffset));
    return target.wire.post(signed.headers, body, signal);
  }

  #sign(target: Target, operation: string, body: string, signingDate: Date): Promise<HttpRequest> {
    const request = {
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      query: {},
      headers: {
        ...target.endpointHeaders,
        'content-type': CONTENT_TYPE,
        'x-amz-target': TARGET_PREFIX + operation,
        'content-length': String(Buffer.byteLength(body)),
        host: target.host,
        'user-agent': LEAN_USER_AGENT,
      },
      body,
    };
    return target.signer.sign(request as HttpRequest, { signingDate }) as Promise<HttpRequest>;
  }

  #start(): Promise<Target> {
    this.#starting ??= this.#resolveTarget().then(
      (target) => (this.#target = target),
      (error: unknown) => {
        this.#starting = undefined; // a later call tries again (e.g. the region was set meanwhile)
        throw error;
      },
    );
    return this.#starting;
  }

  async #resolveTarget(): Promise<Target> {
    if (this.#closed) throw new Error('LeanSwfTransport: closed; build a new client');
    const config = this.#config;
    let region: string;
    try {
      region = await config.region();
    } catch (error) {
      throw explainMissingRegion(error);
    }
    // The SDK's own endpoint resolution, as its endpoint middleware runs it for every command.
    const endpoint = await getEndpointFromInstructions({}, PollForActivityTaskCommand as never, this.#client.config as never);
    const url = endpoint.url;
    const scheme = (endpoint.properties?.authSchemes as { signingRegion?: string; signingName?: string }[] | undefined)?.[0];
    const signer = new SignatureV4({
      service: scheme?.signingName ?? 'swf',
      region: scheme?.signingRegion ?? region,
      credentials: config.credentials,
      sha256: config.sha256 ?? Hash.bind(null, 'sha256'),
      uriEscapePath: true,
      applyChecksum: true,
    });
    // The operation's path ('/') after the endpoint's own, as the SDK joins them.
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const wireOptions = {
      maxSockets: this.#options.maxSockets,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      requestTimeoutMs: this.#options.requestTimeoutMs,
    };
    const wire = this.#options.httpClient === 'node-http' ? nodeHttpWire(url, path, wireOptions) : undiciWire(url, path, wireOptions);
    const endpointHeaders: Record<string, string> = {};
    for (const [name, values] of Object.entries(endpoint.headers ?? {})) endpointHeaders[name.toLowerCase()] = values.join(',');
    return {
      signer,
      wire,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      host: url.host,
      path,
      endpointHeaders,
    };
  }
}
