/**
 * The callback service's answers (issue #11), over real HTTP against the local endpoint: ids that are
 * tampered with, malformed or expired, bodies that break the schema or SWF's limits, servers sharing a
 * secret, key rotation, load shedding and an unreachable SWF, and DelegateActivity's outbound POST.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { callbackKeyRing, prometheusCallbackMetrics, sealCallbackId, startCallbackServer, systemClock } from 'flowy-swf';
import { createManualClock } from 'flowy-swf/local';
import { handleOf } from '../fixtures/e2e/delegation.js';
import { newSecret, on, put, secretFile, startRig } from './delegation-helpers.js';
import { outcomeOf, scheduleActivities, unique, useEndpoint } from './helpers.js';

const suite = useEndpoint();

/** Replaces the character at `index` with another base64url character. */
function flip(id: string, index: number): string {
  const c = id[index] === 'A' ? 'B' : 'A';
  return id.slice(0, index) + c + id.slice(index + 1);
}

describe.concurrent('callback service answers', () => {
  it('serves Prometheus metrics on its own port when metricsPort is set', async () => {
    const server = await startCallbackServer({ secrets: [newSecret()], client: suite.env.client, metricsPort: 0 });
    try {
      expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect((await put(on(server, 'not-an-id'), { state: 'RUNNING' })).status).toBe(404);
      expect((await put(on(server, 'not-an-id'), { state: 'RUNNING', extra: 1 })).status).toBe(400);
      const text = await (await fetch(server.metricsUrl!)).text();
      expect(text).toMatch(/flowy_swf_callbacks_total\{state="RUNNING",status="404"\} 1/);
      expect(text).toMatch(/flowy_swf_callbacks_total\{state="none",status="400"\} 1/);
      expect(text).toContain('flowy_swf_callback_swf_in_flight 0');
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('404 for what is not an id, 403 for a tampered or forged one, and the task stays open for the real one', async () => {
    const secret = newSecret();
    const rig = await startRig(suite.env, [secret]);
    try {
      const activityId = unique('tamper');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const { id } = await handleOf(activityId);
      for (const bad of ['hello', 'not!base64', 'A'.repeat(20), `${'A'.repeat(9000)}`]) {
        const answer = await put(on(rig.server, bad), { state: 'SUCCESS' });
        expect(answer.status, bad.slice(0, 20)).toBe(404);
        expect(answer.body).toMatchObject({ error: 'NotFound' });
      }
      // A changed byte in the key id, the IV, the sealed token, the tag: all fail authentication.
      for (const index of [2, 10, 30, Math.floor(id.length / 2), id.length - 3]) {
        const answer = await put(on(rig.server, flip(id, index)), { state: 'SUCCESS', output: 'forged' });
        expect(answer.status, `byte at ${index}`).toBe(403);
        expect(answer.body.message).toMatch(/callback id (fails authentication|sealed with key)/);
      }
      // Sealed with a key the service does not hold.
      const forged = sealCallbackId(callbackKeyRing([newSecret()]), 'a-token-the-forger-guessed', Date.now() + 60_000);
      expect((await put(on(rig.server, forged), { state: 'SUCCESS' })).status).toBe(403);
      expect((await put(on(rig.server, id), { state: 'SUCCESS', output: 'real' })).status).toBe(200);
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '"real"', closes: 1 });
    } finally {
      await rig.close();
    }
  });

  it('410 for an expired id, judged by the service\'s own (injected) clock', async () => {
    const secret = newSecret();
    const clock = createManualClock();
    const rig = await startRig(suite.env, [secret], { server: { clock: { now: clock.now, sleep: systemClock.sleep } } });
    try {
      const activityId = unique('expiry');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [60_000] }]);
      const handle = await handleOf(activityId);
      expect(handle.expiresAt.getTime() - clock.now()).toBeGreaterThan(55_000);
      expect((await put(handle.url, { state: 'RUNNING' })).status).toBe(200);
      clock.advance(handle.expiresAt.getTime() - clock.now() + 1);
      const answer = await put(handle.url, { state: 'SUCCESS', output: 'late' });
      expect(answer.status).toBe(410);
      expect(answer.body).toMatchObject({ error: 'Gone' });
      expect(answer.body.message).toMatch(/^callback id expired at \d{4}-/);
      // Nothing reached SWF: the task is still open; another service whose clock is right finishes it.
      const other = await startCallbackServer({ secrets: [secret], client: suite.env.client });
      try {
        expect((await put(on(other, handle.id), { state: 'SUCCESS', output: 'ok' })).status).toBe(200);
      } finally {
        await other.close();
      }
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ result: '"ok"' });
    } finally {
      await rig.close();
    }
  });

  it('400 for a body that breaks the schema or SWF\'s limits, naming the field and the limit; 413 over the body limit; 415 not JSON', async () => {
    const rig = await startRig(suite.env, [newSecret()], { server: { maxBodyBytes: 64 * 1024 } });
    try {
      const activityId = unique('bodies');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const { url } = await handleOf(activityId);
      const cases: Array<[unknown, string | undefined, RegExp]> = [
        ['{"state": "SUCCESS",', undefined, /not JSON/],
        ['', undefined, /body is empty/],
        ['[1, 2]', undefined, /must be a JSON object/],
        [{ output: 1 }, 'state', /state is required/],
        [{ state: 'DONE' }, 'state', /state must be one of SUCCESS, ERROR, CANCELLED, RUNNING/],
        [{ state: 'success' }, 'state', /must be one of/],
        [{ state: 'SUCCESS', ouput: 1 }, 'ouput', /ouput is not a field of a callback/],
        [{ state: 'ERROR', reason: 42 }, 'reason', /reason must be a string/],
        [{ state: 'ERROR' }, 'reason', /reason is required with state ERROR/],
        [{ state: 'SUCCESS', reason: 'x' }, 'reason', /reason does not go with state SUCCESS/],
        [{ state: 'SUCCESS', output: 'x'.repeat(40_000) }, 'output', /output is 40,002 characters as JSON; SWF allows 32,768/],
        [{ state: 'ERROR', reason: 'r'.repeat(300) }, 'reason', /reason is 300 characters; SWF allows 256/],
        [{ state: 'ERROR', reason: 'r', details: 'd'.repeat(33_000) }, 'details', /details is 33,000 characters; SWF allows 32,768/],
        [{ state: 'RUNNING', details: 'p'.repeat(3_000) }, 'details', /details is 3,000 characters; SWF allows 2,048/],
      ];
      for (const [body, field, message] of cases) {
        const answer = await put(url, body);
        expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
        expect(answer.body.message).toMatch(message);
        if (field) expect(answer.body.field).toBe(field);
      }
      const huge = await put(url, { state: 'SUCCESS', output: 'x'.repeat(100_000) });
      expect(huge.status).toBe(413);
      expect(huge.body.message).toMatch(/over 65,536 bytes/);
      const text = await put(url, 'state=SUCCESS', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      // Nothing was sent for any of them: the task is still open.
      expect((await put(url, { state: 'SUCCESS', output: 'finally' })).status).toBe(200);
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ result: '"finally"', closes: 1 });
    } finally {
      await rig.close();
    }
  });

  it('two callback services sharing the secret file: a task heartbeated through one is finished through the other', async () => {
    const secret = newSecret();
    const rig = await startRig(suite.env, [secret]);
    const second = await startCallbackServer({ secretFile: secretFile(secret), client: suite.env.client });
    try {
      const activityId = unique('two');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const { id } = await handleOf(activityId);
      expect((await put(on(rig.server, id), { state: 'RUNNING' })).status).toBe(200);
      expect((await put(on(second, id), { state: 'SUCCESS', output: 'via second' })).status).toBe(200);
      expect((await put(on(rig.server, id), { state: 'SUCCESS', output: 'again' })).status).toBe(409);
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ result: '"via second"', closes: 1 });
    } finally {
      await second.close();
      await rig.close();
    }
  });

  it('key rotation: a new secret put first seals new ids, the old one still opens ids already out, then is dropped', async () => {
    const oldSecret = newSecret();
    const newer = newSecret();
    // Before: everyone holds the old secret only.
    const rig = await startRig(suite.env, [oldSecret]);
    // During: the services hold [new, old] first; then the workers seal with new.
    const rotated = await startCallbackServer({ secretFile: secretFile(newer, oldSecret), client: suite.env.client });
    const newOnly = await startCallbackServer({ secretFile: secretFile(newer), client: suite.env.client });
    const oldOnly = await startCallbackServer({ secretFile: secretFile(oldSecret), client: suite.env.client });
    const { startWorker } = await import('./helpers.js');
    const worker2 = await startWorker({ client: suite.env.client, domain: rig.domain, taskList: 'e2e-delegation-rotated', callbackSecrets: [newer, oldSecret], callbackUrl: rotated.url });
    try {
      const before = unique('old-id');
      const exBefore = await scheduleActivities(suite.env.client, rig.domain, [{ activityId: before, name: 'e2e-delegate', args: [] }]);
      const oldId = (await handleOf(before)).id;
      const after = unique('new-id');
      const exAfter = await scheduleActivities(suite.env.client, rig.domain, [{ activityId: after, name: 'e2e-delegate', args: [], taskList: 'e2e-delegation-rotated' }]);
      const newId = (await handleOf(after)).id;
      expect(newId.slice(0, 7)).not.toBe(oldId.slice(0, 7)); // version and key id differ
      // After the rotation is done (old secret dropped), old ids are refused...
      expect((await put(on(newOnly, oldId), { state: 'RUNNING' })).body.message).toMatch(/sealed with key [0-9a-f]{8}, which this service does not hold/);
      // ...and a service still on the old secret alone cannot open new ids.
      expect((await put(on(oldOnly, newId), { state: 'RUNNING' })).status).toBe(403);
      // During the rotation, both open.
      expect((await put(on(rotated, oldId), { state: 'SUCCESS', output: 'old' })).status).toBe(200);
      expect((await put(on(rotated, newId), { state: 'SUCCESS', output: 'new' })).status).toBe(200);
      expect(await outcomeOf(suite.env.client, exBefore, before)).toMatchObject({ result: '"old"' });
      expect(await outcomeOf(suite.env.client, exAfter, after)).toMatchObject({ result: '"new"' });
    } finally {
      await worker2.stop();
      await Promise.all([rotated.close(), newOnly.close(), oldOnly.close()]);
      await rig.close();
    }
  });

  it('429 with Retry-After past maxInFlight SWF calls; 503 with Retry-After when SWF cannot be reached within the retry budget', async () => {
    const secret = newSecret();
    const rig = await startRig(suite.env, [secret]);
    // SWF answers slowly: the first callback holds the only slot while the second comes in.
    const slowClient = {
      send: async (command: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return suite.env.client.send(command as never);
      },
    };
    const metrics = prometheusCallbackMetrics();
    const narrow = await startCallbackServer({ secrets: [secret], client: slowClient, maxInFlight: 1, metrics });
    const unreachable = await startCallbackServer({ secrets: [secret], endpoint: `http://127.0.0.1:${await freePort()}`, region: 'us-east-1', swfRetryBudgetMs: 300 });
    try {
      const activityId = unique('shed');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const { id } = await handleOf(activityId);
      const [first, second] = await Promise.all([
        put(on(narrow, id), { state: 'RUNNING' }),
        new Promise((resolve) => setTimeout(resolve, 100)).then(() => put(on(narrow, id), { state: 'RUNNING' })),
      ]);
      expect(first.status).toBe(200);
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/flowy_swf_callbacks_total\{state="RUNNING",status="429"\} 1/);
      expect(text).toMatch(/flowy_swf_callbacks_total\{state="RUNNING",status="200"\} 1/);
      const down = await put(on(unreachable, id), { state: 'SUCCESS', output: 'lost?' });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(down.body.message).toMatch(/SWF could not be reached after \d+ attempt\(s\).*ECONNREFUSED.*retry it/);
      // The callback was not applied; retried where SWF is reachable, it is.
      expect((await put(on(rig.server, id), { state: 'SUCCESS', output: 'kept' })).status).toBe(200);
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ result: '"kept"' });
      const health = await fetch(`${unreachable.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true });
      // Unknown routes say where callbacks go, without echoing an id.
      const wrong = await fetch(`${unreachable.url}/v1/callbacks/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(wrong.status).toBe(404);
      const wrongText = await wrong.text();
      expect(wrongText).toContain('callbacks are PUT /v1/callbacks/{id}');
      expect(wrongText).not.toContain(id);
    } finally {
      await Promise.all([narrow.close(), unreachable.close()]);
      await rig.close();
    }
  });
});

/** A fake third party: records what it is sent; answers with the statuses given, then 202. */
async function thirdParty(statuses: number[] = []): Promise<{ url: string; seen: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }>; close(): Promise<void> }> {
  const seen: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(statuses.shift() ?? 202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jobs?key=s3cret`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.concurrent('DelegateActivity', () => {
  it('POSTs the input with the callback URL in a header and the body (retrying a 503), suspends, and is finished through that URL', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    const party = await thirdParty([503]);
    try {
      const activityId = unique('http');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate-http', args: [party.url, { page: 7 }] }]);
      const { until } = await import('./helpers.js');
      await until('two POSTs', async () => party.seen.length === 2);
      const [retried, delivered] = party.seen;
      expect(retried!.headers['idempotency-key']).toBe(delivered!.headers['idempotency-key']);
      const callbackUrl = delivered!.headers['flowy-callback-url'] as string;
      expect(callbackUrl).toMatch(new RegExp(`^${rig.server.url}/v1/callbacks/[A-Za-z0-9_-]+$`));
      expect(delivered!.body).toMatchObject({ callbackUrl, input: [party.url, { page: 7 }] });
      expect(Date.parse(delivered!.body.expiresAt as string)).toBeGreaterThan(Date.now());
      expect((await put(callbackUrl, { state: 'SUCCESS', output: { pages: 7 } })).status).toBe(200);
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '{"pages":7}' });
      expect(rig.worker.outcomes).toEqual([{ activityType: 'e2e-delegate-http', outcome: 'suspended' }]);
    } finally {
      await party.close();
      await rig.close();
    }
  });

  it('fails the task with a reason naming the host and status when the third party refuses, or cannot be reached', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    const party = await thirdParty([422]);
    const closedPort = await freePort();
    try {
      const refused = unique('refused');
      const down = unique('down');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [
        { activityId: refused, name: 'e2e-delegate-http', args: [party.url] },
        { activityId: down, name: 'e2e-delegate-http', args: [`http://127.0.0.1:${closedPort}/jobs`] },
      ]);
      const host = new URL(party.url).host;
      const r = await outcomeOf(suite.env.client, execution, refused);
      expect(r.eventType).toBe('ActivityTaskFailed');
      expect(r.reason).toBe(`DelegationError: POST to ${host} answered 422 Unprocessable Entity after 1 attempt(s); the third party refused the work`);
      expect(r.reason).not.toContain('s3cret');
      const d = await outcomeOf(suite.env.client, execution, down);
      expect(d.reason).toMatch(new RegExp(`^DelegationError: POST to 127\\.0\\.0\\.1:${closedPort} failed after 3 attempt\\(s\\): TypeError: fetch failed \\(ECONNREFUSED\\)`));
      expect(d.details).not.toContain('/v1/callbacks/');
    } finally {
      await party.close();
      await rig.close();
    }
  });
});
