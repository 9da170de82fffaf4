import {
  PollForActivityTaskCommand,
  RecordActivityTaskHeartbeatCommand,
  RespondActivityTaskCompletedCommand,
  RespondActivityTaskFailedCommand,
  SWFClient,
} from '@aws-sdk/client-swf';
import type { HttpRequest } from '@smithy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { LEAN_USER_AGENT, LeanSwfTransport } from '../../src/swf/transport/index.js';

const INSTANT = Date.UTC(2026, 0, 15, 12, 34, 56);
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };

/**
 * The SDK's request for `command`, as signed, captured at the HTTP handler. The SDK's retry middleware
 * adds two bookkeeping headers per attempt (`amz-sdk-invocation-id`, `amz-sdk-request`) and its
 * user-agent middleware `x-amz-user-agent`; the lean transport sends none of them, so they are removed
 * before signing: every other header, the body, the path and the signature must come out the same.
 */
async function sdkSigned(client: SWFClient, command: { input: object }, signingDate: Date): Promise<HttpRequest> {
  let captured: HttpRequest | undefined;
  client.middlewareStack.addRelativeTo(
    ((next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      const request = args.request as HttpRequest;
      for (const name of ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent']) delete request.headers[name];
      return next(args);
    }) as never,
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'dropSdkBookkeeping' },
  );
  client.config.requestHandler = {
    handle: async (request: HttpRequest) => {
      captured = request;
      return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') } };
    },
  } as never;
  client.config.systemClockOffset = signingDate.getTime() - Date.now();
  await client.send(command as never);
  if (!captured) throw new Error('the SDK sent nothing');
  return captured;
}

function clientOf(extra: Record<string, unknown> = {}): SWFClient {
  return new SWFClient({ region: 'eu-west-1', credentials: CREDENTIALS, maxAttempts: 1, ...extra });
}

describe('the lean transport signs exactly as the SDK does', () => {
  const cases = [
    ['PollForActivityTask', new PollForActivityTaskCommand({ domain: 'd', taskList: { name: 'tl' }, identity: 'host:1' })],
    ['RespondActivityTaskCompleted', new RespondActivityTaskCompletedCommand({ taskToken: 'tok/+=én', result: '{"a":"ü ✓"}' })],
    ['RespondActivityTaskFailed', new RespondActivityTaskFailedCommand({ taskToken: 'tok', reason: 'boom', details: 'd' })],
    ['RecordActivityTaskHeartbeat', new RecordActivityTaskHeartbeatCommand({ taskToken: 'tok', details: '50%' })],
  ] as const;

  for (const [operation, command] of cases) {
    it(`${operation}: same body, same signed headers, same Authorization at the same instant`, async () => {
      const date = new Date(INSTANT);
      const sdk = await sdkSigned(clientOf(), command, date);
      const lean = new LeanSwfTransport(clientOf());
      const body = JSON.stringify(command.input);
      const mine = await lean.signedRequest(operation, body, date);
      expect(String(mine.body)).toBe(String(sdk.body));
      expect(mine.path).toBe(sdk.path);
      expect(mine.hostname).toBe(sdk.hostname);
      const { 'user-agent': _ua, ...sdkHeaders } = sdk.headers;
      const { 'user-agent': ua, ...leanHeaders } = mine.headers;
      expect(leanHeaders).toEqual(sdkHeaders);
      expect(mine.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260115\/eu-west-1\/swf\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/);
      expect(mine.headers.authorization).toBe(sdk.headers.authorization);
      expect(ua).toBe(LEAN_USER_AGENT);
      await lean.close();
    });
  }

  it('a different instant gives a different signature (the comparison can fail)', async () => {
    const command = cases[0][1];
    const sdk = await sdkSigned(clientOf(), command, new Date(INSTANT));
    const lean = new LeanSwfTransport(clientOf());
    const mine = await lean.signedRequest('PollForActivityTask', JSON.stringify(command.input), new Date(INSTANT + 1000));
    expect(mine.headers.authorization).not.toBe(sdk.headers.authorization);
    await lean.close();
  });
});

describe('the lean transport resolves the endpoint as the SDK does', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  async function both(config: Record<string, unknown>): Promise<{ sdk: HttpRequest; lean: HttpRequest }> {
    const date = new Date(INSTANT);
    const command = new PollForActivityTaskCommand({ domain: 'd', taskList: { name: 'tl' } });
    const sdk = await sdkSigned(clientOf(config), command, date);
    const transport = new LeanSwfTransport(clientOf(config));
    const lean = await transport.signedRequest('PollForActivityTask', JSON.stringify(command.input), date);
    await transport.close();
    return { sdk, lean };
  }

  it('the regional endpoint', async () => {
    const { sdk, lean } = await both({});
    expect(lean.hostname).toBe('swf.eu-west-1.amazonaws.com');
    expect(lean.hostname).toBe(sdk.hostname);
  });

  it('FIPS when the client asks for it', async () => {
    const { sdk, lean } = await both({ region: 'us-east-1', useFipsEndpoint: true });
    expect(lean.hostname).toBe('swf-fips.us-east-1.amazonaws.com');
    expect(lean.hostname).toBe(sdk.hostname);
    expect(lean.headers.authorization).toBe(sdk.headers.authorization);
  });

  it('AWS_ENDPOINT_URL_SWF, read by the SDK itself', async () => {
    process.env.AWS_ENDPOINT_URL_SWF = 'http://127.0.0.1:4599/base';
    const { sdk, lean } = await both({});
    expect(`${lean.protocol}//${lean.hostname}:${lean.port}${lean.path}`).toBe('http://127.0.0.1:4599/base/');
    expect(lean.path).toBe(sdk.path);
    expect(lean.headers.host).toBe(sdk.headers.host);
    expect(lean.headers.authorization).toBe(sdk.headers.authorization);
  });

  it('an endpoint given to the client', async () => {
    const { sdk, lean } = await both({ endpoint: 'http://localhost:7777' });
    expect(lean.headers.host).toBe('localhost:7777');
    expect(lean.headers.authorization).toBe(sdk.headers.authorization);
  });
});
