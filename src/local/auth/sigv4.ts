/**
 * AWS Signature Version 4, checked from the specification with node:crypto alone: the signers it is tested
 * against (boto3, the AWS CLI, the AWS SDK for JavaScript) are independent of it. @internal
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SwfFault } from '../protocol.js';
import type { AccessKey } from './credentials.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'swf';
const TERMINATOR = 'aws4_request';

/** A request as it arrived: what a signature covers. */
export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent (`req.url`). */
  url: string;
  /** Every header, lower-case names, each with all its values. */
  headers: Record<string, string[] | undefined>;
  body: Buffer;
}

/** What the check needs besides the request. */
export interface VerifyContext {
  /** The key configured for an access key ID, if any. */
  keyFor(accessKeyId: string): AccessKey | undefined;
  /** Milliseconds since the epoch on the endpoint's clock. */
  now: number;
  /** Largest accepted distance between the request's date and `now`. */
  maxSkewMs: number;
}

const INVALID_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

const incomplete = (message: string): SwfFault => new SwfFault('IncompleteSignatureException', message);
const invalid = (message: string): SwfFault => new SwfFault('InvalidSignatureException', message);
/** AWS's words first, so code that matches them still does; then what to do about it here. */
const unrecognized = (hint: string): SwfFault => new SwfFault('UnrecognizedClientException', `${INVALID_TOKEN} ${hint}`);

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 percent-encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` is escaped, upper-case hex. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The path with `.`, `..` and empty segments removed, each segment encoded (again: SWF is not S3). */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Query parameters decoded, re-encoded strictly and sorted by name, then value. */
export function canonicalQuery(query: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = uriEncode(decode(eq < 0 ? part : part.slice(0, eq)));
    const value = eq < 0 ? '' : uriEncode(decode(part.slice(eq + 1)));
    pairs.push([name, value]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header. */
export interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses the Authorization header; a fault says what is missing or malformed, in AWS's words. */
export function parseAuthorization(header: string): ParsedAuthorization | SwfFault {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return incomplete(`Unsupported AWS 'algorithm': '${algorithm.slice(0, 40)}'. This endpoint checks ${ALGORITHM} (Signature Version 4) only.`);
  }
  const params = new Map<string, string>();
  // Parameters are separated by commas and/or spaces; a value holds neither.
  for (const item of header.slice(space + 1).split(/[,\s]+/)) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return incomplete(`'${item.slice(0, 120)}' not a valid key=value pair (missing equal-sign) in Authorization header.`);
    params.set(item.slice(0, eq), item.slice(eq + 1));
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !params.get(name));
  if (missing.length > 0) return incomplete(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  const credential = params.get('Credential') ?? '';
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((part) => part === '')) {
    return incomplete(`Credential should have 5 slash-separated parts (access key ID/date/region/service/aws4_request); got '${credential.slice(0, 200)}'.`);
  }
  const [accessKeyId = '', scopeDate = '', region = '', service = '', terminator = ''] = scope;
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    terminator,
    signedHeaders: (params.get('SignedHeaders') ?? '').split(';'),
    signature: params.get('Signature') ?? '',
  };
}

const first = (headers: SignedRequest['headers'], name: string): string | undefined => headers[name]?.[0];

/** `20260101T120000Z` for a time. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The request's time from `X-Amz-Date` (ISO 8601 basic) or, without it, `Date`. */
function requestTime(headers: SignedRequest['headers']): { ms: number; iso: string; header: string } | SwfFault {
  const amz = first(headers, 'x-amz-date');
  if (amz !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amz);
    const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN;
    if (!Number.isFinite(ms)) return incomplete(`Date must be in ISO-8601 'basic format', e.g. 20260101T120000Z. Got '${amz.slice(0, 40)}'.`);
    return { ms, iso: amz, header: 'x-amz-date' };
  }
  const date = first(headers, 'date');
  if (date === undefined) return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const ms = Date.parse(date);
  if (!Number.isFinite(ms)) return incomplete(`The 'Date' header '${date.slice(0, 40)}' is not a date; send 'X-Amz-Date' as 20260101T120000Z.`);
  return { ms, iso: amzDate(ms), header: 'date' };
}

function skewFault({ iso, ms: requested }: { iso: string; ms: number }, now: number, maxSkewMs: number): SwfFault | undefined {
  const unit = maxSkewMs % 60_000 === 0 ? `${maxSkewMs / 60_000} min.` : `${maxSkewMs / 1000} s`;
  if (requested < now - maxSkewMs) {
    return invalid(`Signature expired: ${iso} is now earlier than ${amzDate(now - maxSkewMs)} (${amzDate(now)} - ${unit})`);
  }
  if (requested > now + maxSkewMs) {
    return invalid(`Signature not yet current: ${iso} is still later than ${amzDate(now + maxSkewMs)} (${amzDate(now)} + ${unit})`);
  }
  return undefined;
}

/** Checks what a signature's scope and signed headers must hold before the signature itself is computed. */
function checkScope(auth: ParsedAuthorization, headers: SignedRequest['headers'], time: { iso: string; header: string }): SwfFault | undefined {
  if (auth.terminator !== TERMINATOR) return invalid(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${auth.terminator}'.`);
  if (auth.service !== SERVICE) return invalid(`Credential should be scoped to correct service: '${SERVICE}'.`);
  if (!/^[a-z0-9-]{1,64}$/.test(auth.region)) return invalid(`Credential should be scoped to a valid region, not '${auth.region.slice(0, 64)}'.`);
  if (auth.scopeDate !== time.iso.slice(0, 8)) {
    return invalid(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${time.iso.slice(0, 8)}', from '${time.iso}'.`);
  }
  const signed = new Set(auth.signedHeaders.map((name) => name.toLowerCase()));
  if (!signed.has('host')) return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  if (!signed.has(time.header)) return incomplete(`'${time.header === 'date' ? 'Date' : 'X-Amz-Date'}' must be a 'SignedHeader' in the AWS Authorization.`);
  if (headers['x-amz-security-token'] !== undefined && !signed.has('x-amz-security-token')) {
    return incomplete("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return undefined;
}

/** The canonical request of SigV4: method, URI, query, the signed headers, their names, the payload's hash. */
export function canonicalRequest(request: SignedRequest, signedHeaders: string[], payloadHash: string): string {
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const query = q < 0 ? '' : request.url.slice(q + 1);
  const headerLines = signedHeaders.map((name) => {
    const values = request.headers[name.toLowerCase()] ?? [];
    return `${name}:${values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`;
  });
  return [request.method, canonicalUri(path), canonicalQuery(query), headerLines.join(''), signedHeaders.join(';'), payloadHash].join('\n');
}

const signingKeys = new Map<string, Buffer>();

function signingKey(secret: string, date: string, region: string): Buffer {
  const id = `${secret}\n${date}\n${region}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), SERVICE), TERMINATOR);
    if (signingKeys.size >= 256) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What the headers alone tell: the parsed header, the key and the time, or the fault. */
interface HeaderCheck {
  auth: ParsedAuthorization;
  key: AccessKey;
  time: { ms: number; iso: string; header: string };
}

/**
 * Every check that needs no body: presence and form of the Authorization header, the key and its session token,
 * the scope, the signed headers, the clock skew. Run before the body is read, so an unsigned client cannot make
 * the endpoint buffer or hash anything.
 */
export function checkSignatureHeaders(headers: SignedRequest['headers'], context: VerifyContext): HeaderCheck | SwfFault {
  const header = first(headers, 'authorization');
  if (header === undefined || header.trim() === '') {
    return new SwfFault('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  const auth = parseAuthorization(header.trim());
  if (auth instanceof SwfFault) return auth;
  const time = requestTime(headers);
  if (time instanceof SwfFault) return time;
  const shownId = JSON.stringify(auth.accessKeyId.slice(0, 128));
  const key = context.keyFor(auth.accessKeyId);
  if (key === undefined) {
    return unrecognized(`This local endpoint has no access key ID ${shownId}: sign with a key of its credentials file or of its AWS_ACCESS_KEY_ID.`);
  }
  const token = first(headers, 'x-amz-security-token');
  if (key.sessionToken === undefined && token !== undefined) {
    return unrecognized(`Access key ID ${shownId} takes no session token here; send none (unset AWS_SESSION_TOKEN).`);
  }
  if (key.sessionToken !== undefined && (token === undefined || !sameText(token, key.sessionToken))) {
    return unrecognized(`Access key ID ${shownId} is a temporary key: send its own session token (x-amz-security-token).`);
  }
  return checkScope(auth, headers, time) ?? skewFault(time, context.now, context.maxSkewMs) ?? { auth, key, time };
}

/** Checks a request's Signature Version 4; undefined when it is good, else the fault SWF would answer. */
export function verifySignature(request: SignedRequest, context: VerifyContext): SwfFault | undefined {
  const checked = checkSignatureHeaders(request.headers, context);
  if (checked instanceof SwfFault) return checked;
  const { auth, key, time } = checked;
  const bodyHash = sha256Hex(request.body);
  const declared = first(request.headers, 'x-amz-content-sha256');
  if (declared !== undefined && declared.toLowerCase() !== bodyHash) {
    return invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const scope = `${auth.scopeDate}/${auth.region}/${SERVICE}/${TERMINATOR}`;
  const stringToSign = [ALGORITHM, time.iso, scope, sha256Hex(canonicalRequest(request, auth.signedHeaders, declared ?? bodyHash))].join('\n');
  const expected = createHmac('sha256', signingKey(key.secretAccessKey, auth.scopeDate, auth.region)).update(stringToSign, 'utf8').digest('hex');
  return sameText(expected, auth.signature.toLowerCase()) ? undefined : invalid(INVALID_SIGNATURE);
}
