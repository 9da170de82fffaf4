import {
  LimitExceededFault,
  OperationNotPermittedFault,
  PollForActivityTaskCommand,
  RecordActivityTaskHeartbeatCommand,
  RespondActivityTaskCanceledCommand,
  RespondActivityTaskCompletedCommand,
  RespondActivityTaskFailedCommand,
  SWFClient,
  SWFServiceException,
  UnknownResourceFault,
} from '@aws-sdk/client-swf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransient, isUnknownResource, mayHaveReachedSwf } from '../../src/swf/errors.js';
import { LeanSwfTransport, sdkTransport, type SwfTransport } from '../../src/swf/transport/index.js';
import { startFakeSwf, type FakeSwf } from './transport-fake-server.js';

const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'secret' };

/** Every answer SWF can give these operations that is not a success: the modelled faults, then AWS's common errors. */
const ERRORS: { code: string; status: number; cls?: abstract new (...args: never[]) => SWFServiceException; headerOnly?: boolean; body?: string }[] = [
  { code: 'UnknownResourceFault', status: 400, cls: UnknownResourceFault },
  { code: 'OperationNotPermittedFault', status: 400, cls: OperationNotPermittedFault },
  { code: 'LimitExceededFault', status: 400, cls: LimitExceededFault },
  { code: 'ThrottlingException', status: 400 },
  { code: 'AccessDeniedException', status: 400 },
  { code: 'IncompleteSignature', status: 400 },
  { code: 'InvalidSignatureException', status: 400 },
  { code: 'InvalidClientTokenId', status: 403 },
  { code: 'UnrecognizedClientException', status: 400 },
  { code: 'MissingAuthenticationToken', status: 403 },
  { code: 'ExpiredTokenException', status: 400 },
  { code: 'RequestExpired', status: 400 },
  { code: 'ValidationException', status: 400 },
  { code: 'SerializationException', status: 400 },
  { code: 'InvalidParameterValue', status: 400 },
  { code: 'OptInRequired', status: 403 },
  { code: 'InternalFailure', status: 500 },
  { code: 'ServiceUnavailable', status: 503 },
  { code: 'UnknownResourceFault', status: 400, cls: UnknownResourceFault, headerOnly: true },
];

const OPERATIONS = [
  ['PollForActivityTask', (t: SwfTransport) => t.pollForActivityTask({ domain: 'd', taskList: { name: 'tl' } })],
  ['RespondActivityTaskCompleted', (t: SwfTransport) => t.respondActivityTaskCompleted({ taskToken: 't', result: 'r' })],
  ['RespondActivityTaskFailed', (t: SwfTransport) => t.respondActivityTaskFailed({ taskToken: 't', reason: 'r' })],
  ['RespondActivityTaskCanceled', (t: SwfTransport) => t.respondActivityTaskCanceled({ taskToken: 't' })],
  ['RecordActivityTaskHeartbeat', (t: SwfTransport) => t.recordActivityTaskHeartbeat({ taskToken: 't' })],
] as const;

let fake: FakeSwf;
let sdkClient: SWFClient;
let lean: LeanSwfTransport;

beforeAll(async () => {
  fake = await startFakeSwf();
  sdkClient = new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  lean = new LeanSwfTransport(new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: CREDENTIALS }));
});
afterAll(async () => {
  await lean.close();
  sdkClient.destroy();
  await fake.close();
});

async function failure(call: () => Promise<unknown>): Promise<SWFServiceException> {
  try {
    await call();
  } catch (error) {
    return error as SWFServiceException;
  }
  throw new Error('the call succeeded');
}

describe('every error answer becomes the exception the SDK makes of it', () => {
  for (const [operation, call] of OPERATIONS) {
    for (const e of ERRORS) {
      const label = `${operation}: ${e.status} ${e.code}${e.headerOnly ? ' (x-amzn-errortype header only)' : ''}${e.body ? ' (not JSON)' : ''}`;
      it(label, async () => {
        fake.answer(() => ({
          status: e.status,
          headers: { 'x-amzn-requestid': 'req-123', ...(e.headerOnly || e.body ? { 'x-amzn-errortype': `${e.code}:http://internal.amazon.com/` } : {}) },
          body: e.body ?? (e.headerOnly ? '{"message":"gone"}' : JSON.stringify({ __type: `com.amazonaws.swf.base.model#${e.code}`, message: `${e.code} says no` })),
        }));
        const viaSdk = await failure(() => call(sdkTransport(sdkClient)));
        const viaLean = await failure(() => call(lean));
        expect(viaLean.constructor).toBe(viaSdk.constructor);
        expect(viaLean).toBeInstanceOf(e.cls ?? SWFServiceException);
        expect(viaLean.name).toBe(viaSdk.name);
        expect(viaLean.name).toBe(e.code);
        expect(viaLean.message).toBe(viaSdk.message);
        expect(viaLean.$fault).toBe(viaSdk.$fault);
        expect(viaLean.$metadata.httpStatusCode).toBe(e.status);
        expect(viaLean.$metadata.requestId).toBe('req-123');
        expect(viaLean.$metadata.requestId).toBe(viaSdk.$metadata.requestId);
        // The worker's classification sees no difference between the two paths.
        expect(isTransient(viaLean)).toBe(isTransient(viaSdk));
        expect(isUnknownResource(viaLean)).toBe(e.code === 'UnknownResourceFault');
        expect(mayHaveReachedSwf(viaLean)).toBe(mayHaveReachedSwf(viaSdk));
      });
    }
  }
});

describe('an answer that is not JSON', () => {
  it('is a server fault named by its x-amzn-errortype, retried (the SDK throws a SyntaxError here)', async () => {
    fake.answer(() => ({ status: 502, headers: { 'x-amzn-errortype': 'BadGateway' }, body: '<html>bad gateway</html>' }));
    const viaSdk = await failure(() => sdkTransport(sdkClient).respondActivityTaskCompleted({ taskToken: 't' }));
    expect(viaSdk.name).toBe('SyntaxError');
    const viaLean = await failure(() => lean.respondActivityTaskCompleted({ taskToken: 't' }));
    expect(viaLean).toBeInstanceOf(SWFServiceException);
    expect(viaLean.name).toBe('BadGateway');
    expect(viaLean.$fault).toBe('server');
    expect(viaLean.$metadata.httpStatusCode).toBe(502);
    expect(isTransient(viaLean)).toBe(true);
    expect(mayHaveReachedSwf(viaLean)).toBe(true);
  });

  it('without any error type, is named Unknown and judged by its status', async () => {
    fake.answer(() => ({ status: 503, body: 'busy' }));
    const viaLean = await failure(() => lean.pollForActivityTask({ domain: 'd', taskList: { name: 'tl' } }));
    expect(viaLean.name).toBe('Unknown');
    expect(isTransient(viaLean)).toBe(true);
  });
});

describe('answers and wire', () => {
  it('decodes a task and an empty poll as the SDK does', async () => {
    const task = {
      taskToken: 'tok',
      activityId: 'a1',
      startedEventId: 7,
      workflowExecution: { workflowId: 'w', runId: 'r' },
      activityType: { name: 'n', version: '1' },
      input: '{"x":1}',
    };
    fake.answer(() => ({ status: 200, body: JSON.stringify(task) }));
    const { $metadata: _m, ...viaSdk } = await sdkClient.send(new PollForActivityTaskCommand({ domain: 'd', taskList: { name: 'tl' } }));
    expect(await lean.pollForActivityTask({ domain: 'd', taskList: { name: 'tl' } })).toEqual(viaSdk);
    fake.answer(() => ({ status: 200, body: '{"startedEventId":0}' }));
    expect((await lean.pollForActivityTask({ domain: 'd', taskList: { name: 'tl' } })).taskToken).toBeUndefined();
    fake.answer(() => ({ status: 200, body: '' }));
    expect((await lean.pollForActivityTask({ domain: 'd', taskList: { name: 'tl' } })).taskToken).toBeUndefined();
  });

  it('sends the bodies the SDK sends, leaving out what is undefined', async () => {
    fake.answer(() => ({ status: 200, body: '{"cancelRequested":false}' }));
    const cases: [() => Promise<unknown>, () => Promise<unknown>][] = [
      [() => sdkClient.send(new RespondActivityTaskCompletedCommand({ taskToken: 't', result: 'r' })), () => lean.respondActivityTaskCompleted({ taskToken: 't', result: 'r' })],
      [() => sdkClient.send(new RespondActivityTaskCompletedCommand({ taskToken: 't' })), () => lean.respondActivityTaskCompleted({ taskToken: 't' })],
      [() => sdkClient.send(new RespondActivityTaskFailedCommand({ taskToken: 't', reason: 'x', details: 'y' })), () => lean.respondActivityTaskFailed({ taskToken: 't', reason: 'x', details: 'y' })],
      [() => sdkClient.send(new RespondActivityTaskCanceledCommand({ taskToken: 't', details: 'd' })), () => lean.respondActivityTaskCanceled({ taskToken: 't', details: 'd' })],
      [() => sdkClient.send(new RecordActivityTaskHeartbeatCommand({ taskToken: 't' })), () => lean.recordActivityTaskHeartbeat({ taskToken: 't' })],
    ];
    for (const [sdk, mine] of cases) {
      const before = fake.received.length;
      await sdk();
      await mine();
      const [a, b] = fake.received.slice(before);
      expect(b?.target).toBe(a?.target);
      expect(JSON.parse(b?.body ?? '')).toEqual(JSON.parse(a?.body ?? ''));
    }
  });

  it('reads cancelRequested from a heartbeat answer', async () => {
    fake.answer(() => ({ status: 200, body: '{"cancelRequested":true}' }));
    expect(await lean.recordActivityTaskHeartbeat({ taskToken: 't' })).toEqual({ cancelRequested: true });
    fake.answer(() => ({ status: 200, body: '{"cancelRequested":false}' }));
    expect(await lean.recordActivityTaskHeartbeat({ taskToken: 't' })).toEqual({ cancelRequested: false });
  });

  it('names flowy-swf and its version in the User-Agent, and keeps connections alive', async () => {
    fake.answer(() => ({ status: 200, body: '{}' }));
    const before = fake.connections();
    for (let i = 0; i < 20; i++) await lean.respondActivityTaskCompleted({ taskToken: 't' });
    expect(fake.connections() - before).toBeLessThanOrEqual(1);
    expect(fake.received.at(-1)?.headers['user-agent']).toMatch(/^flowy-swf\/\d+\.\d+\.\d+\S* lean-transport md\/nodejs#/);
  });
});
