/**
 * Who may call the local endpoint: the `Host` check (always on) and, with `auth`, AWS Signature Version 4
 * on every request against configured access keys. @internal
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { SwfFault } from '../protocol.js';
import { checkAccessKey, keysFromEnvironment, parseCredentialsFile, type AccessKey } from './credentials.js';
import { createHostCheck } from './host.js';
import { checkSignatureHeaders, verifySignature, type VerifyContext } from './sigv4.js';

export type { AccessKey } from './credentials.js';
export { parseCredentialsFile } from './credentials.js';
export { hostName } from './host.js';

/** Settings of `auth` when given as an object. */
export interface LocalAuthOptions {
  /** Access keys accepted, besides those of `credentialsFile`. @default none */
  credentials?: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
  /** An AWS shared credentials file (INI, as `~/.aws/credentials`); every profile's keys are accepted. @default none */
  credentialsFile?: string;
  /** Largest accepted distance between a request's signing time and the endpoint's clock, in seconds. @default 300 */
  maxClockSkewSeconds?: number;
}

/**
 * `true`: verify signatures against `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` of the endpoint's environment.
 * An object: against its `credentials` and `credentialsFile` (or, with neither, the environment's key).
 */
export type LocalAuth = boolean | LocalAuthOptions;

/** Auth settings checked and resolved once, at start. */
export interface CompiledAuth {
  keys: ReadonlyMap<string, AccessKey>;
  maxSkewMs: number;
  /** Where the keys came from, for the start-up message. */
  source: string;
}

const DEFAULT_SKEW_SECONDS = 300;

function readKeysFile(file: string): AccessKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TypeError(`auth.credentialsFile: cannot read ${file} (${(error as Error).message}); give the path of an AWS shared credentials file`);
  }
  const keys = parseCredentialsFile(text, file);
  if (keys.length === 0) {
    throw new TypeError(`auth.credentialsFile: ${file} has no profile with aws_access_key_id and aws_secret_access_key; add one, e.g. [default] with both keys`);
  }
  return keys;
}

/**
 * Resolves `auth` into the keys to check against; undefined when auth is off. Throws a `TypeError` naming the
 * problem when the keys cannot be found or are malformed, so the endpoint never starts open by mistake.
 */
export function compileAuth(auth: LocalAuth | undefined, env: NodeJS.ProcessEnv = process.env): CompiledAuth | undefined {
  if (auth === undefined || auth === false) return undefined;
  if (auth !== true && (auth === null || typeof auth !== 'object')) {
    throw new TypeError(`auth is ${JSON.stringify(auth)}; use true (keys from the environment) or { credentials, credentialsFile, maxClockSkewSeconds }`);
  }
  const options: LocalAuthOptions = auth === true ? {} : auth;
  const skewSeconds = options.maxClockSkewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!(Number.isFinite(skewSeconds) && skewSeconds > 0)) {
    throw new TypeError(`auth.maxClockSkewSeconds is ${skewSeconds}; it must be a number of seconds above 0 (AWS allows 300)`);
  }
  const keys: AccessKey[] = [];
  const sources: string[] = [];
  if (options.credentials !== undefined) {
    if (!Array.isArray(options.credentials)) throw new TypeError('auth.credentials must be an array of { accessKeyId, secretAccessKey, sessionToken? }');
    options.credentials.forEach((key, i) => keys.push(checkAccessKey(key, `auth.credentials[${i}]`)));
    sources.push('auth.credentials');
  }
  if (options.credentialsFile !== undefined) {
    keys.push(...readKeysFile(options.credentialsFile));
    sources.push(options.credentialsFile);
  }
  if (options.credentials === undefined && options.credentialsFile === undefined) {
    keys.push(...keysFromEnvironment(env));
    sources.push('the environment (AWS_ACCESS_KEY_ID)');
  }
  if (keys.length === 0) {
    throw new TypeError(
      'auth is on but no access key was given: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of the endpoint, ' +
        'or give a credentials file (--credentials-file FILE, auth: { credentialsFile }) or auth: { credentials: [...] }',
    );
  }
  const byId = new Map<string, AccessKey>();
  for (const key of keys) {
    const seen = byId.get(key.accessKeyId);
    if (seen && (seen.secretAccessKey !== key.secretAccessKey || seen.sessionToken !== key.sessionToken)) {
      throw new TypeError(`auth: access key ID ${key.accessKeyId} is given twice with different secrets; keep one`);
    }
    byId.set(key.accessKeyId, key);
  }
  return { keys: byId, maxSkewMs: skewSeconds * 1000, source: sources.join(' and ') };
}

/** The checks every request passes before it is read as an SWF call. */
export interface RequestGate {
  /** Refuses a request whose `Host` is not the endpoint's own name or address. */
  checkHost(req: IncomingMessage): SwfFault | undefined;
  /** With auth on, the checks of the signature that need no body, run before it is read. */
  checkSignatureHeaders(req: IncomingMessage): SwfFault | undefined;
  /** With auth on, checks the request's signature over its body; without, accepts everything. */
  checkSignature(req: IncomingMessage, body: Buffer): SwfFault | undefined;
  /** The `Date` header to answer with, from the clock signatures are checked on; undefined without auth. */
  date(): string | undefined;
}

/** Settings of {@link createRequestGate}. */
export interface GateSettings {
  bindHost: string;
  allowedHosts: readonly string[];
  auth?: CompiledAuth;
  /** The endpoint's clock, in epoch milliseconds. */
  now: () => number;
}

/** Builds the checks of one endpoint. */
export function createRequestGate(settings: GateSettings): RequestGate {
  const hostCheck = createHostCheck(settings.bindHost, settings.allowedHosts);
  const auth = settings.auth;
  const context = (keys: CompiledAuth): VerifyContext => ({ keyFor: (id) => keys.keys.get(id), now: settings.now(), maxSkewMs: keys.maxSkewMs });
  return {
    checkHost: (req) => hostCheck(req.headers.host),
    checkSignatureHeaders(req) {
      if (auth === undefined) return undefined;
      const checked = checkSignatureHeaders(req.headersDistinct, context(auth));
      return checked instanceof SwfFault ? checked : undefined;
    },
    checkSignature(req, body) {
      if (auth === undefined) return undefined;
      return verifySignature({ method: req.method ?? '', url: req.url ?? '/', headers: req.headersDistinct, body }, context(auth));
    },
    date: () => (auth === undefined ? undefined : new Date(settings.now()).toUTCString()),
  };
}
