/** No client can exhaust the local endpoint: time limits on headers and bodies, and a cap on connections. */
import { ListDomainsCommand, SWFClient } from '@aws-sdk/client-swf';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './local-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function open(endpoint: string): Promise<Socket> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** What the server sent before it closed the socket, and how long it took to close. */
function closed(socket: Socket): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.on('close', () => resolve({ text, ms: performance.now() - started })));
}

const HEAD = 'POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-target: SimpleWorkflowService.ListDomains\r\n';

describe('local SWF: time limits', () => {
  it('closes a connection whose headers stop coming, with 408', async () => {
    h = await startHarness({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await open(h.swf.endpoint);
    socket.write('POST / HTTP/1.1\r\nhost: x\r\n'); // and never the rest
    const { text, ms } = await closed(socket);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(15_000);
  });

  it('closes a connection whose body trickles in slower than requestTimeoutMs', async () => {
    h = await startHarness({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await open(h.swf.endpoint);
    socket.write(`${HEAD}content-length: 1000\r\n\r\n{`);
    const drip = setInterval(() => socket.writable && socket.write(' '), 100);
    const { text, ms } = await closed(socket);
    clearInterval(drip);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(15_000);
  });

  it('does not cut a long poll held past requestTimeoutMs: the limit is on receiving the request', async () => {
    h = await startHarness({ pollTimeoutMs: 1500, headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const res = await fetch(h.swf.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'SimpleWorkflowService.PollForActivityTask' },
      body: JSON.stringify({ domain: h.domain, taskList: { name: 'nobody-schedules-here' } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ startedEventId: 0 });
  });

  it('refuses a request timeout shorter than the header timeout', async () => {
    await expect(startHarness({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).rejects.toThrow(/requestTimeoutMs is 1000/);
  });
});

describe('local SWF: connection cap', () => {
  it('answers a connection past maxConnections 503 ServiceUnavailableException, and serves again once some close', async () => {
    const warnings: string[] = [];
    h = await startHarness({ maxConnections: 4, warn: (m) => warnings.push(m) });
    h.client.destroy(); // its keep-alive socket would count
    const idle = await Promise.all([1, 2, 3, 4].map(() => open((h as Harness).swf.endpoint)));
    await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(h.swf.endpoint, { method: 'POST', headers: { 'x-amz-target': 'SimpleWorkflowService.ListDomains' }, body: '{"registrationStatus":"REGISTERED"}' });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { __type: string; message: string };
    expect(body.__type).toBe('ServiceUnavailableException');
    expect(body.message).toContain('holds 4 connections, its maxConnections');
    expect(warnings.join('\n')).toContain('refused with 503');
    for (const socket of idle) socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await fetch(h.swf.endpoint, { method: 'POST', headers: { 'x-amz-target': 'SimpleWorkflowService.ListDomains' }, body: '{"registrationStatus":"REGISTERED"}' });
    expect(again.status).toBe(200);
  });

  it('keeps answering normal clients while 60 connections trickle their headers (cap 40, header limit 500 ms)', async () => {
    h = await startHarness({ maxConnections: 40, headersTimeoutMs: 500, requestTimeoutMs: 1000, warn: () => {} });
    const sockets = await Promise.all(Array.from({ length: 60 }, () => open((h as Harness).swf.endpoint).catch(() => undefined)));
    for (const s of sockets) s?.on('error', () => {}).write('POST / HTTP/1.1\r\n');
    // The trickling connections are closed within about a second; a retrying SDK client then gets through.
    const client = new SWFClient({ endpoint: h.swf.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 10 });
    const out = await client.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' }));
    expect(out.domainInfos?.length).toBeGreaterThan(0);
    client.destroy();
    for (const s of sockets) s?.destroy();
  });
});
