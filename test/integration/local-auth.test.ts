/**
 * The local endpoint's `auth`: AWS Signature Version 4 checked on every request, against signatures made by
 * three independent signers (the AWS SDK for JavaScript, boto3 and the AWS CLI from Debian's packages),
 * each on one read (ListDomains) and one write (RegisterDomain). Under CI a missing signer fails the suite:
 * `.ci/run` installs python3-boto3 and awscli.
 */
import { ListDomainsCommand, RegisterDomainCommand, SWFClient } from '@aws-sdk/client-swf';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, startLocalSwf, type LocalSwf } from 'flowy-swf/local';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-boto3 lives (a pyenv python3 may come first on PATH)
const AWS_CLI = '/usr/bin/aws'; // Debian's awscli
const BOTO3_CALL = fileURLToPath(new URL('../fixtures/auth/boto3_call.py', import.meta.url));

const KEY = { accessKeyId: 'AKIAFLOWYTESTKEY0001', secretAccessKey: randomBytes(30).toString('base64') };
const TEMPORARY = { accessKeyId: 'ASIAFLOWYTESTKEY0002', secretAccessKey: randomBytes(30).toString('base64'), sessionToken: randomBytes(60).toString('base64') };
const WRONG_SECRET = { accessKeyId: KEY.accessKeyId, secretAccessKey: randomBytes(30).toString('base64') };
const UNKNOWN = { accessKeyId: 'AKIAFLOWYUNKNOWN0003', secretAccessKey: KEY.secretAccessKey };
/** How far ahead the skewed endpoint's (manual, standing) clock starts: far enough that a slow run stays past 5 minutes. */
const SKEW_MS = 60 * 60_000;

const hasBoto3 = spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const hasAwsCli = spawnSync(AWS_CLI, ['--version'], { stdio: 'ignore' }).status === 0;
/** Outside CI a machine without the signer skips its tests; under CI it fails them. */
const withTool = (present: boolean) => (present || process.env.CI ? describe : describe.skip);

let swf: LocalSwf;
/** An endpoint whose clock stands an hour ahead: every fresh signature looks expired to it. */
let ahead: LocalSwf;

beforeAll(async () => {
  swf = await startLocalSwf({ pollTimeoutMs: 300, auth: { credentials: [KEY, TEMPORARY] } });
  ahead = await startLocalSwf({ pollTimeoutMs: 300, clock: createManualClock(Date.now() + SKEW_MS), auth: { credentials: [KEY] } });
}, 30_000);
afterAll(async () => {
  await swf?.close();
  await ahead?.close();
});

interface Refusal {
  type: string;
  status: number | undefined;
  message: string;
}

const MISMATCH = /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\./;
const INVALID_TOKEN = /^The security token included in the request is invalid\./;
const EXPIRED = /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/;

function name(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// AWS SDK for JavaScript v3

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function sdk(endpoint: string, credentials: Keys): SWFClient {
  return new SWFClient({ endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
}

async function sdkRefusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { type: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the call was accepted');
}

describe('auth: AWS SDK for JavaScript v3', { timeout: 30_000 }, () => {
  it('accepts a read and a write signed with a configured key', async () => {
    const client = sdk(swf.endpoint, KEY);
    const domain = name('js');
    await client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' }));
    const listed = await client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
    expect(listed.domainInfos?.map((d) => d.name)).toContain(domain);
  });

  it('accepts a temporary key with its session token, and refuses it with another token or none', async () => {
    await sdk(swf.endpoint, TEMPORARY).send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
    const otherToken = await sdkRefusal(sdk(swf.endpoint, { ...TEMPORARY, sessionToken: 'another' }).send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
    expect(otherToken).toMatchObject({ type: 'UnrecognizedClientException', status: 400 });
    const noToken = await sdkRefusal(sdk(swf.endpoint, { accessKeyId: TEMPORARY.accessKeyId, secretAccessKey: TEMPORARY.secretAccessKey }).send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
    expect(noToken).toMatchObject({ type: 'UnrecognizedClientException', status: 400 });
  });

  it('refuses a wrong secret, on a read and on a write, with InvalidSignatureException 400', async () => {
    const client = sdk(swf.endpoint, WRONG_SECRET);
    const read = await sdkRefusal(client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
    expect(read).toMatchObject({ type: 'InvalidSignatureException', status: 400 });
    expect(read.message).toMatch(MISMATCH);
    const domain = name('js-wrong');
    const write = await sdkRefusal(client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' })));
    expect(write).toMatchObject({ type: 'InvalidSignatureException', status: 400 });
    const listed = await sdk(swf.endpoint, KEY).send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
    expect(listed.domainInfos?.map((d) => d.name)).not.toContain(domain);
  });

  it('refuses an unknown access key with UnrecognizedClientException 400', async () => {
    const refusal = await sdkRefusal(sdk(swf.endpoint, UNKNOWN).send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
    expect(refusal).toMatchObject({ type: 'UnrecognizedClientException', status: 400 });
    expect(refusal.message).toMatch(INVALID_TOKEN);
  });

  it('refuses a body changed after signing, and applies nothing of it', async () => {
    const client = sdk(swf.endpoint, KEY);
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body: string; headers: Record<string, string> };
        req.body = req.body.replace('"name":"', '"name":"x');
        req.headers['content-length'] = String(Buffer.byteLength(req.body));
        return next(args);
      },
      { step: 'deserialize', name: 'tamperAfterSigning' },
    );
    const domain = name('js-tamper');
    const refusal = await sdkRefusal(client.send(new RegisterDomainCommand({ name: domain, workflowExecutionRetentionPeriodInDays: '1' })));
    expect(refusal).toMatchObject({ type: 'InvalidSignatureException', status: 400 });
    const listed = await sdk(swf.endpoint, KEY).send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
    expect(listed.domainInfos?.map((d) => d.name)).not.toContain(`x${domain}`);
  });

  it('refuses a signature made an hour before the endpoint clock, then recovers from its Date header as from AWS', async () => {
    const client = sdk(ahead.endpoint, KEY);
    const refusal = await sdkRefusal(client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
    expect(refusal).toMatchObject({ type: 'InvalidSignatureException', status: 400 });
    expect(refusal.message).toMatch(EXPIRED);
    // The SDK corrected its clock offset from the answer's Date header, which is the endpoint's clock.
    expect(Math.abs(client.config.systemClockOffset - (ahead.clock.now() - Date.now()))).toBeLessThan(5_000);
    await client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
  });
});

// ---------------------------------------------------------------------------------------------
// raw HTTP: no signature at all, and the Host check

function post(endpoint: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: { __type: string; message: string } }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.0', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { __type: string; message: string } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('auth: requests with no or a malformed signature', () => {
  const target = { 'x-amz-target': 'SimpleWorkflowService.ListDomains' };

  it('answers MissingAuthenticationTokenException 400 to a request with no Authorization header', async () => {
    const answer = await post(swf.endpoint, target, '{"registrationStatus":"REGISTERED"}');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
  });

  it('answers an unsigned request before reading its body: a body that never ends still gets its 400', async () => {
    const url = new URL(swf.endpoint);
    const answer = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...target, 'content-type': 'application/x-amz-json-1.0', 'content-length': 500_000 } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, type: (JSON.parse(text) as { __type: string }).__type });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write('{"registra'); // and nothing more
    });
    expect(answer).toEqual({ status: 400, type: 'MissingAuthenticationTokenException' });
  });

  it('answers IncompleteSignatureException 400 naming what an Authorization header lacks', async () => {
    const answer = await post(swf.endpoint, { ...target, authorization: `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/20260101/us-east-1/swf/aws4_request` }, '{}');
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe('IncompleteSignatureException');
    expect(answer.body.message).toBe("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.");
  });
});

describe('the Host check (on with or without auth)', { timeout: 30_000 }, () => {
  const list = { 'x-amz-target': 'SimpleWorkflowService.ListDomains' };

  it('refuses a Host that is not the endpoint own name with 403 AccessDeniedException, before anything is read', async () => {
    const open = await startLocalSwf({ pollTimeoutMs: 300 });
    try {
      const port = new URL(open.endpoint).port;
      const refused = await post(open.endpoint, { ...list, host: `rebound.attacker.example:${port}` }, '{"registrationStatus":"REGISTERED"}');
      expect(refused.status).toBe(403);
      expect(refused.body.__type).toBe('AccessDeniedException');
      expect(refused.body.message).toContain(`Host 'rebound.attacker.example:${port}' is not a name or address of this local SWF endpoint`);
      expect(refused.body.message).toContain('--allowed-host rebound.attacker.example');
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
        expect((await post(open.endpoint, { ...list, host }, '{"registrationStatus":"REGISTERED"}')).status).toBe(200);
      }
    } finally {
      await open.close();
    }
  });

  it('lets the names of allowedHosts through', async () => {
    const named = await startLocalSwf({ pollTimeoutMs: 300, allowedHosts: ['swf.internal'] });
    try {
      expect((await post(named.endpoint, { ...list, host: 'swf.internal:5055' }, '{"registrationStatus":"REGISTERED"}')).status).toBe(200);
      expect((await post(named.endpoint, { ...list, host: 'other.internal:5055' }, '{"registrationStatus":"REGISTERED"}')).status).toBe(403);
    } finally {
      await named.close();
    }
  });

  it('refuses a signed request sent to another Host name too', async () => {
    const refused = await post(swf.endpoint, { ...list, host: 'rebound.attacker.example' }, '{}');
    expect(refused).toMatchObject({ status: 403, body: { __type: 'AccessDeniedException' } });
  });

  it('rejects an allowedHosts that is not a list of names', async () => {
    await expect(startLocalSwf({ allowedHosts: [''] })).rejects.toThrow(/allowedHosts is \[""\]; it must be an array of host names/);
  });
});

// ---------------------------------------------------------------------------------------------
// boto3

interface Boto3Outcome {
  ok?: Record<string, unknown>;
  error?: { code: string; message: string; status: number };
}

function boto3(spec: Record<string, unknown>): Promise<Boto3Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [BOTO3_CALL, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`boto3 call exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as Boto3Outcome);
    });
  });
}

const LIST = { operation: 'list_domains', params: { registrationStatus: 'REGISTERED' } };
const register = (domain: string) => ({ operation: 'register_domain', params: { name: domain, workflowExecutionRetentionPeriodInDays: '1' } });

withTool(hasBoto3)('auth: boto3 (python3-boto3)', { timeout: 60_000 }, () => {
  beforeAll(() => {
    expect(hasBoto3, `boto3 is missing for ${PYTHON}: install Debian's python3-boto3 (.ci/run does)`).toBe(true);
  });

  it('accepts a read and a write signed with a configured key, and a temporary key with its token', async () => {
    const domain = name('py');
    expect(await boto3({ endpoint: swf.endpoint, ...KEY, ...register(domain) })).toEqual({ ok: {} });
    const listed = await boto3({ endpoint: swf.endpoint, ...KEY, ...LIST });
    expect((listed.ok?.domainInfos as Array<{ name: string }>).map((d) => d.name)).toContain(domain);
    expect((await boto3({ endpoint: swf.endpoint, ...TEMPORARY, ...LIST })).ok).toBeDefined();
  });

  it('refuses a wrong secret on a read and a write, an unknown key, and no signature, with the types and statuses of SWF', async () => {
    const read = await boto3({ endpoint: swf.endpoint, ...WRONG_SECRET, ...LIST });
    expect(read.error).toMatchObject({ code: 'InvalidSignatureException', status: 400 });
    expect(read.error?.message).toMatch(MISMATCH);
    const write = await boto3({ endpoint: swf.endpoint, ...WRONG_SECRET, ...register(name('py-wrong')) });
    expect(write.error).toMatchObject({ code: 'InvalidSignatureException', status: 400 });
    const unknown = await boto3({ endpoint: swf.endpoint, ...UNKNOWN, ...LIST });
    expect(unknown.error).toMatchObject({ code: 'UnrecognizedClientException', status: 400 });
    expect(unknown.error?.message).toMatch(INVALID_TOKEN);
    const unsigned = await boto3({ endpoint: swf.endpoint, unsigned: true, ...LIST });
    expect(unsigned.error).toEqual({ code: 'MissingAuthenticationTokenException', status: 400, message: 'Request is missing Authentication Token' });
    const wrongToken = await boto3({ endpoint: swf.endpoint, ...TEMPORARY, sessionToken: 'another', ...LIST });
    expect(wrongToken.error).toMatchObject({ code: 'UnrecognizedClientException', status: 400 });
  });

  it('refuses a body changed after signing', async () => {
    const domain = name('py-tamper');
    const answer = await boto3({ endpoint: swf.endpoint, ...KEY, tamper: true, ...register(domain) });
    expect(answer.error).toMatchObject({ code: 'InvalidSignatureException', status: 400 });
    expect(answer.error?.message).toMatch(MISMATCH);
    const listed = await boto3({ endpoint: swf.endpoint, ...KEY, ...LIST });
    expect((listed.ok?.domainInfos as Array<{ name: string }>).map((d) => d.name)).not.toContain(domain);
  });

  it('refuses a signature an hour behind the endpoint clock: Signature expired', async () => {
    const answer = await boto3({ endpoint: ahead.endpoint, ...KEY, ...LIST });
    expect(answer.error).toMatchObject({ code: 'InvalidSignatureException', status: 400 });
    expect(answer.error?.message).toMatch(EXPIRED);
  });
});

// ---------------------------------------------------------------------------------------------
// AWS CLI

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** HTTP status of the last answer, from the CLI's --debug log. */
  status: number | undefined;
}

function awsCli(endpoint: string, keys: Keys | undefined, args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, { AWS_MAX_ATTEMPTS: '1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' });
  if (keys) Object.assign(env, { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey });
  return new Promise((resolve, reject) => {
    const child = spawn(AWS_CLI, ['swf', ...args, '--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', '--debug'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const statuses = [...stderr.matchAll(/"POST \/ HTTP\/1\.1" (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ code, stdout, stderr, status: statuses.at(-1) });
    });
  });
}

/** The CLI's last line on error: `An error occurred (Type) when calling the Op operation...: message`. */
function cliError(run: CliRun): { type: string; message: string } | undefined {
  const m = /An error occurred \((\w+)\) when calling the \w+ operation(?: \(reached max retries: \d+\))?: (.*)$/m.exec(run.stderr);
  return m ? { type: m[1] ?? '', message: m[2] ?? '' } : undefined;
}

const CLI_LIST = ['list-domains', '--registration-status', 'REGISTERED'];
const cliRegister = (domain: string) => ['register-domain', '--name', domain, '--workflow-execution-retention-period-in-days', '1'];

withTool(hasAwsCli)('auth: AWS CLI (awscli)', { timeout: 90_000 }, () => {
  beforeAll(() => {
    expect(hasAwsCli, `${AWS_CLI} is missing: install Debian's awscli (.ci/run does)`).toBe(true);
  });

  it('accepts a read and a write signed with a configured key', async () => {
    const domain = name('cli');
    const write = await awsCli(swf.endpoint, KEY, cliRegister(domain));
    expect(write.code, write.stderr.slice(-500)).toBe(0);
    expect(write.status).toBe(200);
    const read = await awsCli(swf.endpoint, KEY, CLI_LIST);
    expect(read.code).toBe(0);
    expect((JSON.parse(read.stdout) as { domainInfos: Array<{ name: string }> }).domainInfos.map((d) => d.name)).toContain(domain);
  });

  it('refuses a wrong secret on a read and a write, an unknown key, and --no-sign-request', async () => {
    for (const args of [CLI_LIST, cliRegister(name('cli-wrong'))]) {
      const run = await awsCli(swf.endpoint, WRONG_SECRET, args);
      expect(run.code).not.toBe(0);
      expect(run.status).toBe(400);
      expect(cliError(run)?.type).toBe('InvalidSignatureException');
      expect(cliError(run)?.message).toMatch(MISMATCH);
    }
    const unknown = await awsCli(swf.endpoint, UNKNOWN, CLI_LIST);
    expect(unknown.status).toBe(400);
    expect(cliError(unknown)).toMatchObject({ type: 'UnrecognizedClientException' });
    const unsigned = await awsCli(swf.endpoint, undefined, [...CLI_LIST, '--no-sign-request']);
    expect(unsigned.status).toBe(400);
    expect(cliError(unsigned)).toEqual({ type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
  });

  it('refuses a signature an hour behind the endpoint clock: Signature expired', async () => {
    const run = await awsCli(ahead.endpoint, KEY, CLI_LIST);
    expect(run.status).toBe(400);
    expect(cliError(run)?.type).toBe('InvalidSignatureException');
    expect(cliError(run)?.message).toMatch(EXPIRED);
  });
});
