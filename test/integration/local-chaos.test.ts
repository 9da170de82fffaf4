import { describe, expect, it } from 'vitest';
import { ListDomainsCommand, RegisterDomainCommand, SWFClient } from '@aws-sdk/client-swf';
import { startLocalSwf, type LocalSwfOptions } from '../../src/local/index.js';
import { rejection } from './local-harness.js';

async function withEndpoint<T>(options: LocalSwfOptions, body: (client: SWFClient, stats: () => { domains: number }) => Promise<T>): Promise<T> {
  const swf = await startLocalSwf({ pollTimeoutMs: 200, ...options });
  const client = new SWFClient({ endpoint: swf.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  try {
    return await body(client, () => swf.stats());
  } finally {
    client.destroy();
    await swf.close();
  }
}

/** The outcome of `n` ListDomains calls: 'ok' or the error's name. */
async function outcomes(options: LocalSwfOptions, n: number): Promise<string[]> {
  return withEndpoint(options, async (client) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      out.push(
        await client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })).then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      );
    }
    return out;
  });
}

describe('local SWF: chaos', () => {
  it('injects the same faults for the same seed, and other faults for another seed', async () => {
    const chaos = { seed: 42, errorRate: 0.3, throttleRate: 0.3 };
    const a = await outcomes({ chaos }, 40);
    const b = await outcomes({ chaos }, 40);
    const c = await outcomes({ chaos: { ...chaos, seed: 43 } }, 40);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).toContain('ok');
    expect(a).toContain('ThrottlingException');
    expect(a).toContain('InternalFailure');
  });

  it('answers throttling as 400 ThrottlingException and errors as 500', async () => {
    await withEndpoint({ chaos: { seed: 1, throttleRate: 1 } }, async (client) => {
      const e = await rejection(client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
      expect(e.name).toBe('ThrottlingException');
      expect(e.$metadata?.httpStatusCode).toBe(400);
    });
    await withEndpoint({ chaos: { seed: 1, errorRate: 1 } }, async (client) => {
      const e = await rejection(client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })));
      expect(e.$metadata?.httpStatusCode).toBe(500);
    });
  });

  it('resets the socket without an answer', async () => {
    await withEndpoint({ chaos: { seed: 1, resetRate: 1 } }, async (client) => {
      const e = (await rejection(client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })))) as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
      expect(e.$metadata?.httpStatusCode).toBeUndefined();
      expect(`${e.name} ${e.code ?? ''} ${e.message}`).toMatch(/ECONNRESET|socket hang up|aborted/i);
    });
  });

  it("'before' refuses the call unapplied; 'after' applies it and loses the answer", async () => {
    await withEndpoint({ chaos: { seed: 7, errorRate: 1, when: 'before' } }, async (client, stats) => {
      await rejection(client.send(new RegisterDomainCommand({ name: 'd', workflowExecutionRetentionPeriodInDays: '1' })));
      expect(stats().domains).toBe(0);
    });
    await withEndpoint({ chaos: { seed: 7, errorRate: 1, when: 'after' } }, async (client, stats) => {
      await rejection(client.send(new RegisterDomainCommand({ name: 'd', workflowExecutionRetentionPeriodInDays: '1' })));
      expect(stats().domains).toBe(1);
    });
  });

  it('adds latency before each call', async () => {
    await withEndpoint({ latencyMs: 150 }, async (client) => {
      const t0 = performance.now();
      await client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    });
  });

  it('rejects rates outside 0..1', async () => {
    await expect(startLocalSwf({ chaos: { seed: 1, errorRate: 1.5 } })).rejects.toThrow(TypeError);
    await expect(startLocalSwf({ chaos: { seed: 1, errorRate: 0.6, throttleRate: 0.6 } })).rejects.toThrow(/at most 1/);
  });
});
