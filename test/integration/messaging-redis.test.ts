/** The messaging rules across two Redis routers (two workers) in one process, and Redis-only behaviour. */
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
