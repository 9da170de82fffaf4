/** The messaging rules across two Redis routers (two workers) in one process, and Redis-only behaviour. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { invocationMessaging, newInvocationId, RedisRouter } from '../../src/messaging/index.js';
import { failureOf, messagingContract, type TestInvocation } from './messaging/contract.js';
import { describeWithRedis, uniquePrefix } from './messaging/redis-env.js';

async function invocation(router: RedisRouter): Promise<TestInvocation> {
  const id = newInvocationId();
  await router.register(id);
  return { id, port: invocationMessaging(router, id, new AbortController().signal), finish: () => router.finish(id) };
}

describeWithRedis('Redis router', (url) => {
  let near: RedisRouter;
  let far: RedisRouter;
  let keyPrefix: string;
  beforeAll(async () => {
    keyPrefix = uniquePrefix();
    [near, far] = await Promise.all([RedisRouter.connect({ url, keyPrefix }), RedisRouter.connect({ url, keyPrefix })]);
  });
  afterAll(async () => {
    await Promise.all([near?.close(), far?.close()]);
  });

  messagingContract(() => ({ near: () => invocation(near), far: () => invocation(far) }));

  it('keeps its registry in Redis with expiries: running on a worker, then finished', async () => {
    const redis = new Redis(url);
    try {
      const target = await invocation(far);
      expect(await redis.get(`${keyPrefix}inv:${target.id}`)).toBe(`R:${far.workerId}`);
      expect(await redis.ttl(`${keyPrefix}inv:${target.id}`)).toBeGreaterThan(3000);
      expect(await redis.pttl(`${keyPrefix}live:${far.workerId}`)).toBeGreaterThan(0);
      await target.finish();
      expect(await redis.get(`${keyPrefix}inv:${target.id}`)).toBe('F');
      expect(await redis.ttl(`${keyPrefix}inv:${target.id}`)).toBeGreaterThan(3000);
    } finally {
      redis.disconnect();
    }
  });

  it('calls the invocations of a worker that stopped refreshing its liveness finished, at once', async () => {
    const prefix = uniquePrefix();
    const sender = await RedisRouter.connect({ url, keyPrefix: prefix });
    const gone = await RedisRouter.connect({ url, keyPrefix: prefix, livenessSeconds: 1 });
    const redis = new Redis(url);
    try {
      const from = await invocation(sender);
      const target = await invocation(gone);
      // As if the process died: its liveness key expires and nothing refreshes it.
      await gone.close();
      await redis.set(`${prefix}inv:${target.id}`, `R:${gone.workerId}`, 'EX', 60);
      const failure = await failureOf(from.port.send(target.id, 'x', 1, { addresseeTimeoutSeconds: 60 }));
      expect(failure).toMatchObject({ code: 'INVOCATION_FINISHED' });
      expect(failure.message).toContain(gone.workerId);
    } finally {
      redis.disconnect();
      await sender.close();
    }
  });

  it('writes its running invocations again at each beat, so a lost entry (Redis restarted) comes back', async () => {
    const prefix = uniquePrefix();
    const router = await RedisRouter.connect({ url, keyPrefix: prefix, livenessSeconds: 0.6 });
    const redis = new Redis(url);
    try {
      const target = await invocation(router);
      await redis.del(`${prefix}inv:${target.id}`, `${prefix}live:${router.workerId}`);
      for (let i = 0; i < 100 && (await redis.get(`${prefix}inv:${target.id}`)) === null; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await redis.get(`${prefix}inv:${target.id}`)).toBe(`R:${router.workerId}`);
      expect(await redis.exists(`${prefix}live:${router.workerId}`)).toBe(1);
      await target.finish();
      expect(await redis.get(`${prefix}inv:${target.id}`)).toBe('F');
    } finally {
      redis.disconnect();
      await router.close();
    }
  });

  it('names the server, with its password hidden, when it cannot connect', async () => {
    const failure = await failureOf(RedisRouter.connect({ url: 'redis://user:s3cret@127.0.0.1:1/0', redisOptions: { retryStrategy: () => null } }));
    expect(failure.code).toBe('ROUTER_UNAVAILABLE');
    expect(failure.message).toContain('127.0.0.1:1');
    expect(failure.message).not.toContain('s3cret');
  });
});

describeWithRedis('Redis router when Redis goes away', () => {
  it('fails register and send within seconds (ROUTER_UNAVAILABLE), and still closes', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const server = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const exited = once(server, 'exit');
    try {
      const url = `redis://127.0.0.1:${port}`;
      let router: RedisRouter | undefined;
      for (let i = 0; i < 50 && !router; i++) {
        router = await RedisRouter.connect({ url, redisOptions: { retryStrategy: () => null } }).catch(async () => {
          await new Promise((r) => setTimeout(r, 100));
          return undefined;
        });
      }
      if (!router) throw new Error(`redis-server on ${port} did not start`);
      const sender = await invocation(router);
      server.kill('SIGKILL');
      await exited;
      const started = Date.now();
      expect((await failureOf(router.register(newInvocationId()))).code).toBe('ROUTER_UNAVAILABLE');
      expect((await failureOf(sender.port.send(newInvocationId(), 'x', 1))).code).toBe('ROUTER_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(20_000);
      await router.close();
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
  }, 40_000);
});
