/**
 * What the SDK gives that the lean transport keeps: clock-skew correction, credentials from the SDK's own
 * providers (refreshed before they expire), time-outs; and which path a worker takes for which client.
 */
import { ListDomainsCommand, SWFClient, SWFServiceException } from '@aws-sdk/client-swf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTransient, mayHaveReachedSwf } from '../../src/swf/errors.js';
import { LeanSwfTransport } from '../../src/swf/transport/index.js';
import { startFakeSwf, type FakeSwf } from './transport-fake-server.js';

const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
const SKEW_MS = 10 * 60_000;

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function keyOf(authorization: string | string[] | undefined): string | undefined {
  return /Credential=([^/]+)\//.exec(String(authorization))?.[1];
}

let fake: FakeSwf;
beforeEach(async () => {
  fake = await startFakeSwf();
});
afterEach(async () => {
  await fake.close();
});

describe('clock skew', () => {
  /** SWF's answer to a request signed more than 5 minutes away from its clock, which runs 10 minutes ahead. */
  function swfAhead(): void {
    fake.answer((request) => {
      const serverNow = Date.now() + SKEW_MS;
      const sent = String(request.headers['x-amz-date']);
      const headers = { date: new Date(serverNow).toUTCString() };
      if (sent < amzDate(serverNow - 5 * 60_000)) {
        return {
          status: 400,
          headers,
          body: JSON.stringify({
            __type: 'com.amazon.coral.service#InvalidSignatureException',
            message: `Signature expired: ${sent} is now earlier than ${amzDate(serverNow - 5 * 60_000)} (${amzDate(serverNow)} - 5 min.)`,
          }),
        };
      }
      return { status: 200, headers, body: '{}' };
    });
  }

  it('learns the offset from "Signature expired", retries once, and signs later calls right the first time', async () => {
    swfAhead();
    const client = new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
    const lean = new LeanSwfTransport(client);
    await lean.respondActivityTaskCompleted({ taskToken: 't' });
    expect(fake.received).toHaveLength(2);
    expect(Math.abs(lean.systemClockOffset - SKEW_MS)).toBeLessThan(5_000);
    // Kept where the SDK keeps it: the client's own calls sign with it too.
    expect(client.config.systemClockOffset).toBe(lean.systemClockOffset);
    await lean.respondActivityTaskCompleted({ taskToken: 't' });
    expect(fake.received).toHaveLength(3);
    await lean.close();
  });

  it('retries only once: a server that keeps refusing gets two requests and the error says the clock was corrected', async () => {
    fake.answer(() => ({
      status: 400,
      headers: { date: new Date(Date.now() + SKEW_MS * (fake.received.length + 1)).toUTCString() },
      body: JSON.stringify({ __type: 'InvalidSignatureException', message: 'Signature expired' }),
    }));
    const lean = new LeanSwfTransport(new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: CREDENTIALS }));
    const error = (await lean.respondActivityTaskCompleted({ taskToken: 't' }).catch((e: unknown) => e)) as SWFServiceException;
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.attempts).toBe(2);
    expect(fake.received).toHaveLength(2);
    await lean.close();
  });

  it('does not retry an error that is not about the clock, whatever the Date header says', async () => {
    fake.answer(() => ({
      status: 400,
      headers: { date: new Date(Date.now() + SKEW_MS).toUTCString() },
      body: JSON.stringify({ __type: 'UnknownResourceFault', message: 'gone' }),
    }));
    const lean = new LeanSwfTransport(new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: CREDENTIALS }));
    await expect(lean.respondActivityTaskCompleted({ taskToken: 't' })).rejects.toMatchObject({ name: 'UnknownResourceFault' });
    expect(fake.received).toHaveLength(1);
    await lean.close();
  });
});

describe('credentials', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('come from the standard chain through the SDK’s own provider (here the environment)', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKFROMENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret-from-env';
    process.env.AWS_SESSION_TOKEN = 'token-from-env';
    const lean = new LeanSwfTransport(new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1' }));
    await lean.respondActivityTaskCompleted({ taskToken: 't' });
    expect(keyOf(fake.received[0]?.headers.authorization)).toBe('AKFROMENV');
    expect(fake.received[0]?.headers['x-amz-security-token']).toBe('token-from-env');
    await lean.close();
  });

  it('are memoized, and refreshed when they are about to expire', async () => {
    let calls = 0;
    let lifetimeMs = 60 * 60_000;
    const provider = async () => {
      calls++;
      return { accessKeyId: `AK${calls}`, secretAccessKey: 's', expiration: new Date(Date.now() + lifetimeMs) };
    };
    const lean = new LeanSwfTransport(new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: provider }));
    for (let i = 0; i < 3; i++) await lean.respondActivityTaskCompleted({ taskToken: 't' });
    expect(calls).toBe(1);
    expect(fake.received.map((r) => keyOf(r.headers.authorization))).toEqual(['AK1', 'AK1', 'AK1']);
    // Credentials within the SDK's refresh window (5 minutes) are fetched again before the next call.
    lifetimeMs = 60_000;
    const client2 = new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: provider });
    const lean2 = new LeanSwfTransport(client2);
    calls = 0;
    for (let i = 0; i < 3; i++) await lean2.respondActivityTaskCompleted({ taskToken: 't' });
    expect(calls).toBeGreaterThanOrEqual(3);
    const keys = fake.received.slice(3).map((r) => keyOf(r.headers.authorization));
    expect(new Set(keys).size).toBe(3);
    await lean.close();
    await lean2.close();
  });
});

describe('time-outs and connections', () => {
  it('a poll without an answer ends at the request time-out as a transient error (70 s by default)', async () => {
    fake.answer(() => ({ status: 200, hang: true }));
    for (const httpClient of ['undici', 'node-http'] as const) {
      const lean = new LeanSwfTransport(new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: CREDENTIALS }), {
        requestTimeoutMs: 300,
        httpClient,
      });
      const started = Date.now();
      const error = await lean.pollForActivityTask({ domain: 'd', taskList: { name: 'tl' } }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(isTransient(error)).toBe(true);
      expect(mayHaveReachedSwf(error)).toBe(true);
      await lean.close();
    }
  });

  it('a refused connection is transient and cannot have reached SWF', async () => {
    const endpoint = fake.endpoint;
    await fake.close();
    for (const httpClient of ['undici', 'node-http'] as const) {
      const lean = new LeanSwfTransport(new SWFClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS }), { httpClient });
      const error = await lean.respondActivityTaskCompleted({ taskToken: 't' }).catch((e: unknown) => e);
      expect(isTransient(error)).toBe(true);
      expect(mayHaveReachedSwf(error)).toBe(false);
      await lean.close();
    }
    fake = await startFakeSwf();
  });

  it('node:http carries the same requests as undici', async () => {
    fake.answer(() => ({ status: 200, body: '{"cancelRequested":true}' }));
    const lean = new LeanSwfTransport(new SWFClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: CREDENTIALS }), { httpClient: 'node-http' });
    expect(await lean.recordActivityTaskHeartbeat({ taskToken: 't', details: 'ü' })).toEqual({ cancelRequested: true });
    fake.answer(() => ({ status: 400, body: JSON.stringify({ __type: 'UnknownResourceFault', message: 'gone' }) }));
    await expect(lean.respondActivityTaskCompleted({ taskToken: 't' })).rejects.toMatchObject({ name: 'UnknownResourceFault' });
    expect(fake.received[0]?.body).toBe('{"taskToken":"t","details":"ü"}');
    await lean.close();
  });

  it('destroying a client built for the lean path closes its pool', async () => {
    const { createSwfClient, leanTransportFor } = await import('../../src/swf/index.js');
    const client = createSwfClient({ endpoint: fake.endpoint, credentials: CREDENTIALS });
    const lean = leanTransportFor(client);
    expect(leanTransportFor(client)).toBe(lean);
    await lean.respondActivityTaskCompleted({ taskToken: 't' });
    fake.answer(() => ({ status: 200, hang: true }));
    const openPoll = lean.pollForActivityTask({ domain: 'd', taskList: { name: 'tl' } }).then(
      () => 'answered',
      () => 'ended',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.destroy();
    // An open poll ends at once, as with the SDK's handler, not after the 70 s time-out.
    expect(await openPoll).toBe('ended');
    fake.answer(() => ({ status: 200, body: '{}' }));
    await expect(lean.respondActivityTaskCompleted({ taskToken: 't' })).rejects.toThrow(/closed|destroyed/i);
    // The SDK path of the same client still answers for what it does (registration, describe).
    await expect(client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }))).resolves.toBeDefined();
  });
});
