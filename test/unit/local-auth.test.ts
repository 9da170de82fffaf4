/**
 * The local endpoint's request checks, piece by piece: SigV4 canonical forms (against the AWS documentation's
 * example), the Authorization header, every scope and time rule, the credentials file, the auth options and the
 * Host check. Signatures come from the AWS SDK's signer (@smithy/signature-v4), independent of the verifier.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileAuth } from '../../src/local/auth/index.js';
import { keysFromEnvironment, parseCredentialsFile } from '../../src/local/auth/credentials.js';
import { createHostCheck, hostName, ownHostNames } from '../../src/local/auth/host.js';
import { canonicalQuery, canonicalRequest, canonicalUri, parseAuthorization, verifySignature, type SignedRequest } from '../../src/local/auth/sigv4.js';
import { SwfFault } from '../../src/local/protocol.js';

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** The SDK signer's hash, on node:crypto. */
class Sha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
  reset(): void {}
}

const KEY = { accessKeyId: 'AKIAUNITTEST00000001', secretAccessKey: 'unit-secret/with+chars=' };
const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);

interface SignOptions {
  service?: string;
  region?: string;
  at?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  unsignable?: string[];
  /** As sent: percent-encoded. */
  path?: string;
  query?: Record<string, string>;
  body?: string;
}

/** A request signed by the SDK's signer, in the form the endpoint sees it. */
async function signed(options: SignOptions = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: options.service ?? 'swf',
    region: options.region ?? 'us-east-1',
    credentials: options.credentials ?? KEY,
    sha256: Sha256,
  });
  const body = options.body ?? '{"registrationStatus":"REGISTERED"}';
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 5055,
      path: options.path ?? '/',
      ...(options.query ? { query: options.query } : {}),
      headers: {
        host: '127.0.0.1:5055',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'SimpleWorkflowService.ListDomains',
        'user-agent': 'unit  test   agent',
      },
      body,
    },
    { signingDate: new Date(options.at ?? NOW), ...(options.unsignable ? { unsignableHeaders: new Set(options.unsignable) } : {}) },
  );
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = [value];
  const query = options.query ? `?${Object.entries(options.query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '';
  return { method: 'POST', url: `${options.path ?? '/'}${query}`, headers, body: Buffer.from(body) };
}

const context = (overrides: Partial<Parameters<typeof verifySignature>[1]> = {}) => ({
  keyFor: (id: string) => (id === KEY.accessKeyId ? KEY : undefined),
  now: NOW,
  maxSkewMs: 300_000,
  ...overrides,
});

function fault(result: SwfFault | undefined): { type: string; status: number; message: string } {
  expect(result).toBeInstanceOf(SwfFault);
  return { type: result!.type, status: result!.status, message: result!.message };
}

describe('SigV4 canonical forms', () => {
  it('gives the canonical request of the AWS documentation example (IAM ListUsers), whose SHA-256 AWS publishes', () => {
    const text = canonicalRequest(
      {
        method: 'GET',
        url: '/?Action=ListUsers&Version=2010-05-08',
        headers: { 'content-type': ['application/x-www-form-urlencoded; charset=utf-8'], host: ['iam.amazonaws.com'], 'x-amz-date': ['20150830T123600Z'] },
        body: Buffer.alloc(0),
      },
      ['content-type', 'host', 'x-amz-date'],
      createHash('sha256').update('').digest('hex'),
    );
    expect(createHash('sha256').update(text).digest('hex')).toBe('f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
  });

  it('normalises and encodes the path twice, as for every service but S3', () => {
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/a/./b/../c//d/')).toBe('/a/c/d/');
    expect(canonicalUri('/with%20space')).toBe('/with%2520space');
  });

  it('sorts query parameters by name then value and encodes them strictly', () => {
    expect(canonicalQuery('b=2&a=1&a=0&c')).toBe('a=0&a=1&b=2&c=');
    expect(canonicalQuery('q=a%20b&t=~x*')).toBe('q=a%20b&t=~x%2A');
  });
});

describe('the Authorization header', () => {
  it('reads the access key, the scope, the signed headers and the signature', () => {
    expect(parseAuthorization('AWS4-HMAC-SHA256 Credential=AKID/20260615/eu-west-1/swf/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc')).toEqual({
      accessKeyId: 'AKID',
      scopeDate: '20260615',
      region: 'eu-west-1',
      service: 'swf',
      terminator: 'aws4_request',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc',
    });
  });

  it.each([
    ['AWS4-HMAC-SHA512 Credential=a/b/c/d/e, SignedHeaders=host, Signature=x', /^Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'/],
    ['AWS4-HMAC-SHA256 Credential=a/b/c/d/e', /^Authorization header requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\.$/],
    ['AWS4-HMAC-SHA256 Credential=AKID /20260615/us-east-1/swf/aws4_request, SignedHeaders=host, Signature=x', /'\/20260615\/us-east-1\/swf\/aws4_request' not a valid key=value pair \(missing equal-sign\)/],
    ['AWS4-HMAC-SHA256 Credential=AKID/20260615/swf/aws4_request, SignedHeaders=host, Signature=x', /^Credential should have 5 slash-separated parts/],
  ])('refuses %j with IncompleteSignatureException', (header, message) => {
    const result = parseAuthorization(header);
    expect(result).toBeInstanceOf(SwfFault);
    expect(fault(result as SwfFault)).toMatchObject({ type: 'IncompleteSignatureException', status: 400 });
    expect((result as SwfFault).message).toMatch(message);
  });
});

describe('verifySignature', () => {
  it('accepts what the SDK signed, in any region, with a path and a query', async () => {
    expect(verifySignature(await signed(), context())).toBeUndefined();
    expect(verifySignature(await signed({ region: 'ap-southeast-2' }), context())).toBeUndefined();
    expect(verifySignature(await signed({ path: '/a%20b/./c', query: { z: '1', a: 'x y', '~': '*' } }), context())).toBeUndefined();
  });

  it('accepts a signature up to the skew away, either way, and refuses one past it in AWS words', async () => {
    expect(verifySignature(await signed({ at: NOW - 299_000 }), context())).toBeUndefined();
    expect(verifySignature(await signed({ at: NOW + 299_000 }), context())).toBeUndefined();
    expect(fault(verifySignature(await signed({ at: NOW - 301_000 }), context()))).toEqual({
      type: 'InvalidSignatureException',
      status: 400,
      message: 'Signature expired: 20260615T115459Z is now earlier than 20260615T115500Z (20260615T120000Z - 5 min.)',
    });
    expect(fault(verifySignature(await signed({ at: NOW + 301_000 }), context()))).toEqual({
      type: 'InvalidSignatureException',
      status: 400,
      message: 'Signature not yet current: 20260615T120501Z is still later than 20260615T120500Z (20260615T120000Z + 5 min.)',
    });
    expect(fault(verifySignature(await signed({ at: NOW - 91_000 }), context({ maxSkewMs: 90_000 }))).message).toMatch(/\(20260615T120000Z - 90 s\)$/);
  });

  it('answers MissingAuthenticationTokenException without an Authorization header', async () => {
    const request = await signed();
    delete request.headers.authorization;
    expect(fault(verifySignature(request, context()))).toEqual({ type: 'MissingAuthenticationTokenException', status: 400, message: 'Request is missing Authentication Token' });
  });

  it('answers UnrecognizedClientException for an unknown key, in AWS words and then naming the key', async () => {
    const result = fault(verifySignature(await signed({ credentials: { ...KEY, accessKeyId: 'AKIANOBODY' } }), context()));
    expect(result).toMatchObject({ type: 'UnrecognizedClientException', status: 400 });
    expect(result.message).toMatch(/^The security token included in the request is invalid\. This local endpoint has no access key ID "AKIANOBODY"/);
  });

  it('answers InvalidSignatureException for a wrong secret, a changed body, header or target', async () => {
    const wrong = fault(verifySignature(await signed({ credentials: { ...KEY, secretAccessKey: 'other' } }), context()));
    expect(wrong.type).toBe('InvalidSignatureException');
    expect(wrong.message).toMatch(/^The request signature we calculated does not match the signature you provided\./);
    const body = await signed();
    body.body = Buffer.from('{"registrationStatus":"DEPRECATED"}');
    expect(fault(verifySignature(body, context())).type).toBe('InvalidSignatureException');
    const target = await signed();
    target.headers['x-amz-target'] = ['SimpleWorkflowService.DeprecateDomain'];
    expect(fault(verifySignature(target, context())).type).toBe('InvalidSignatureException');
    const host = await signed();
    host.headers.host = ['evil.example:5055'];
    expect(fault(verifySignature(host, context())).type).toBe('InvalidSignatureException');
  });

  it('checks the scope: service swf, terminator, region form, and the date of the request', async () => {
    expect(fault(verifySignature(await signed({ service: 'dynamodb' }), context()))).toEqual({
      type: 'InvalidSignatureException',
      status: 400,
      message: "Credential should be scoped to correct service: 'swf'.",
    });
    expect(fault(verifySignature(await signed({ region: 'US_EAST' }), context())).message).toBe("Credential should be scoped to a valid region, not 'US_EAST'.");
    const otherDay = await signed();
    otherDay.headers.authorization = [(otherDay.headers.authorization?.[0] ?? '').replace('/20260615/', '/20260614/')];
    expect(fault(verifySignature(otherDay, context())).message).toBe(
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260614' != '20260615', from '20260615T120000Z'.",
    );
    const terminator = await signed();
    terminator.headers.authorization = [(terminator.headers.authorization?.[0] ?? '').replace('/aws4_request', '/aws5_request')];
    expect(fault(verifySignature(terminator, context())).message).toBe("Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.");
  });

  it('requires Host, the date and a session token to be signed, and a date header at all', async () => {
    expect(fault(verifySignature(await signed({ unsignable: ['host'] }), context()))).toMatchObject({
      type: 'IncompleteSignatureException',
      message: "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    });
    const noDate = await signed();
    delete noDate.headers['x-amz-date'];
    expect(fault(verifySignature(noDate, context()))).toMatchObject({
      type: 'IncompleteSignatureException',
      message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    });
    const badDate = await signed();
    badDate.headers['x-amz-date'] = ['2026-06-15T12:00:00Z'];
    expect(fault(verifySignature(badDate, context())).message).toMatch(/^Date must be in ISO-8601 'basic format'/);
    const temporary = { ...KEY, sessionToken: 'the-token' };
    const unsignedToken = await signed({ credentials: temporary, unsignable: ['x-amz-security-token'] });
    expect(fault(verifySignature(unsignedToken, context({ keyFor: () => temporary }))).message).toBe(
      "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  it('accepts a temporary key only with its own session token', async () => {
    const temporary = { ...KEY, sessionToken: 'the-token' };
    const keyFor = () => temporary;
    expect(verifySignature(await signed({ credentials: temporary }), context({ keyFor }))).toBeUndefined();
    expect(fault(verifySignature(await signed({ credentials: { ...temporary, sessionToken: 'stolen' } }), context({ keyFor }))).type).toBe('UnrecognizedClientException');
    expect(fault(verifySignature(await signed({ credentials: KEY }), context({ keyFor }))).message).toMatch(/is a temporary key: send its own session token/);
    expect(fault(verifySignature(await signed({ credentials: temporary }), context())).message).toMatch(/takes no session token here/);
  });

  it('holds x-amz-content-sha256, when sent, to the body received', async () => {
    const request = await signed();
    request.headers['x-amz-content-sha256'] = [createHash('sha256').update('something else').digest('hex')];
    expect(fault(verifySignature(request, context()))).toMatchObject({
      type: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
  });
});

describe('the credentials file', () => {
  it('reads every profile with keys, skipping comments, sub-settings and profiles without keys', () => {
    const text = [
      '# a comment',
      '[default]',
      'aws_access_key_id = AKIA1',
      'aws_secret_access_key = s/1+x=',
      '[profile ci]',
      'AWS_ACCESS_KEY_ID=AKIA2',
      'aws_secret_access_key=s2',
      'aws_session_token = tok==',
      's3 =',
      '    max_concurrent_requests = 20',
      '; another comment',
      '[sso-only]',
      'sso_session = corp',
    ].join('\r\n');
    expect(parseCredentialsFile(text, 'creds')).toEqual([
      { accessKeyId: 'AKIA1', secretAccessKey: 's/1+x=' },
      { accessKeyId: 'AKIA2', secretAccessKey: 's2', sessionToken: 'tok==' },
    ]);
  });

  it('names the file, line and profile of what it cannot use', () => {
    expect(() => parseCredentialsFile('aws_access_key_id = A', 'creds')).toThrow(/creds line 1: expected "\[profile\]" or "key = value"/);
    expect(() => parseCredentialsFile('[p]\nnot a setting', 'creds')).toThrow(/creds line 2/);
    expect(() => parseCredentialsFile('[p]\naws_access_key_id = A', 'creds')).toThrow(/creds: profile \[p\] has aws_access_key_id but no aws_secret_access_key/);
  });

  it('takes the environment key, and names the half that is missing', () => {
    expect(keysFromEnvironment({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T' })).toEqual([{ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' }]);
    expect(keysFromEnvironment({})).toEqual([]);
    expect(() => keysFromEnvironment({ AWS_ACCESS_KEY_ID: 'A' })).toThrow(/has AWS_ACCESS_KEY_ID but no AWS_SECRET_ACCESS_KEY/);
  });
});

describe('compileAuth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowy-swf-auth-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is off unless asked', () => {
    expect(compileAuth(undefined, {})).toBeUndefined();
    expect(compileAuth(false, {})).toBeUndefined();
  });

  it('true: the key of the environment, or a start-up error saying where keys come from', () => {
    const auth = compileAuth(true, { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'secret' });
    expect([...(auth?.keys.keys() ?? [])]).toEqual(['AKIAENV']);
    expect(auth?.maxSkewMs).toBe(300_000);
    expect(() => compileAuth(true, {})).toThrow(
      /auth is on but no access key was given: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of the endpoint, or give a credentials file \(--credentials-file FILE/,
    );
  });

  it('a credentials file and listed keys together, not the environment', () => {
    const file = join(dir, 'credentials');
    writeFileSync(file, '[a]\naws_access_key_id=AKIAFILE1\naws_secret_access_key=s1\n[b]\naws_access_key_id=AKIAFILE2\naws_secret_access_key=s2\n');
    const auth = compileAuth({ credentialsFile: file, credentials: [{ accessKeyId: 'AKIALIST', secretAccessKey: 's' }], maxClockSkewSeconds: 60 }, { AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 's' });
    expect([...(auth?.keys.keys() ?? [])].sort()).toEqual(['AKIAFILE1', 'AKIAFILE2', 'AKIALIST']);
    expect(auth?.maxSkewMs).toBe(60_000);
  });

  it('refuses what cannot work, naming it', () => {
    expect(() => compileAuth({ credentialsFile: join(dir, 'missing') }, {})).toThrow(/auth\.credentialsFile: cannot read .*missing.*ENOENT/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '# nothing\n');
    expect(() => compileAuth({ credentialsFile: empty }, {})).toThrow(/has no profile with aws_access_key_id and aws_secret_access_key/);
    expect(() => compileAuth({ credentials: [{ accessKeyId: 'has space', secretAccessKey: 's' }] }, {})).toThrow(/auth\.credentials\[0\]: accessKeyId must be a non-empty string/);
    expect(() => compileAuth({ credentials: [null as unknown as { accessKeyId: string; secretAccessKey: string }] }, {})).toThrow(/auth\.credentials\[0\] is null; give \{ accessKeyId, secretAccessKey, sessionToken\? \}/);
    expect(() => compileAuth({ credentials: [], maxClockSkewSeconds: 0 }, {})).toThrow(/maxClockSkewSeconds is 0/);
    expect(() => compileAuth({ credentials: [{ accessKeyId: 'A', secretAccessKey: 's1' }, { accessKeyId: 'A', secretAccessKey: 's2' }] }, {})).toThrow(/access key ID A is given twice with different secrets/);
    expect(() => compileAuth({ credentials: [] }, { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 's' })).toThrow(/no access key was given/);
  });
});

describe('the Host check', () => {
  it('reads the host of a Host header in every form', () => {
    expect(hostName('127.0.0.1:5055')).toBe('127.0.0.1');
    expect(hostName('[::1]:5055')).toBe('::1');
    expect(hostName('LocalHost.')).toBe('localhost');
    expect(hostName('::1')).toBe('::1');
  });

  it('lets the loopback names, the bound host and the allowed hosts through', () => {
    const check = createHostCheck('10.1.2.3', ['swf.internal']);
    for (const host of ['localhost:5055', '127.0.0.1:5055', '127.8.9.10', '[::1]:5055', '10.1.2.3:5055', 'SWF.internal:80']) expect(check(host)).toBeUndefined();
  });

  it('refuses any other name with 403 AccessDeniedException, naming it and the fix', () => {
    const check = createHostCheck('127.0.0.1', []);
    const refused = fault(check('attacker.example:5055'));
    expect(refused).toMatchObject({ type: 'AccessDeniedException', status: 403 });
    expect(refused.message).toMatch(/Host 'attacker\.example:5055' is not a name or address of this local SWF endpoint \(localhost, 127\.0\.0\.1, ::1\)/);
    expect(refused.message).toMatch(/DNS rebinding/);
    expect(refused.message).toMatch(/--allowed-host attacker\.example/);
    expect(fault(check(undefined)).message).toMatch(/no Host header is not/);
  });

  it('bound to every interface, also takes this machine name and addresses', () => {
    const names = ownHostNames('0.0.0.0', []);
    expect(names.has(hostName(hostname()))).toBe(true);
    expect(names.has('0.0.0.0')).toBe(true);
    expect(ownHostNames('127.0.0.1', []).has(hostName(hostname()))).toBe(hostName(hostname()) === 'localhost');
  });
});
