/**
 * Invocation messaging: round-trip latency (p50, p99: A sends to B, B answers A) and one-way
 * messages per second (32 sender/receiver pairs at once), through the in-process router and through
 * Redis (two RedisRouters, i.e. two workers' connections, in this process, so the figures are the
 * router's and Redis's, not a second process's scheduling).
 *
 * Redis: `FLOWY_BENCH_REDIS_URL` or `FLOWY_TEST_REDIS_URL`; else a `redis-server` on PATH is started on
 * a loopback port for the run; else the Redis figures are left out (the run says so).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { InProcessRouter, invocationMessaging, newInvocationId, RedisRouter, type InvocationMessaging, type MessageRouter } from '../../src/messaging/index.js';
import type { Sample, Scenario } from '../scenario.js';
import { nowUs } from '../stats.js';

const PAIRS = 32;

interface Party {
  id: string;
  port: InvocationMessaging;
}

async function party(router: MessageRouter): Promise<Party> {
  const id = newInvocationId();
  await router.register(id);
  return { id, port: invocationMessaging(router, id, new AbortController().signal) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** `count` round trips A → B → A, one after the other; µs each. */
async function roundTrips(near: MessageRouter, far: MessageRouter, count: number): Promise<number[]> {
  const [a, b] = [await party(near), await party(far)];
  const echo = (async () => {
    for (let i = 0; i < count; i++) {
      const m = await b.port.receive<number>('ping');
      await b.port.send(m.from, 'pong', m.data);
    }
  })();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = nowUs();
    const answer = a.port.receive<number>('pong');
    await a.port.send(b.id, 'ping', i);
    if ((await answer).data !== i) throw new Error('round trip answered the wrong message');
    times.push(nowUs() - started);
  }
  await echo;
  return times.sort((x, y) => x - y);
}

/** `PAIRS` pairs each sending `perPair` messages, receivers waiting; delivered messages per second. */
async function throughput(near: MessageRouter, far: MessageRouter, perPair: number): Promise<number> {
  const pairs = await Promise.all(Array.from({ length: PAIRS }, async () => [await party(near), await party(far)] as const));
  const started = nowUs();
  await Promise.all(
    pairs.flatMap(([sender, receiver]) => [
      (async () => {
        for (let i = 0; i < perPair; i++) await sender.port.send(receiver.id, 'data', i);
      })(),
      (async () => {
        for (let i = 0; i < perPair; i++) await receiver.port.receive('data');
      })(),
    ]),
  );
  return (PAIRS * perPair) / ((nowUs() - started) / 1e6);
}

async function measureRouters(near: MessageRouter, far: MessageRouter, key: string, sizes: { trips: number; perPair: number }, sample: Sample): Promise<void> {
  await roundTrips(near, far, Math.min(200, sizes.trips)); // warm-up
  const times = await roundTrips(near, far, sizes.trips);
  sample[`${key}.roundTripP50Us`] = percentile(times, 50);
  sample[`${key}.roundTripP99Us`] = percentile(times, 99);
  await throughput(near, far, Math.ceil(sizes.perPair / 5)); // warm-up: JIT and connections
  sample[`${key}.messagesPerSecond`] = await throughput(near, far, sizes.perPair);
}

/** A Redis to measure against, and how to let go of it. */
async function redisForBench(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const given = process.env.FLOWY_BENCH_REDIS_URL ?? process.env.FLOWY_TEST_REDIS_URL;
  if (given) return { url: given, stop: async () => {} };
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  let server: ChildProcess;
  try {
    server = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await Promise.race([once(server, 'spawn'), once(server, 'error').then(([e]) => Promise.reject(e as Error))]);
  } catch {
    return undefined;
  }
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      const probe = await RedisRouter.connect({ url, redisOptions: { retryStrategy: () => null } });
      await probe.close();
      return { url, stop: async () => void server.kill('SIGTERM') };
    } catch {
      await sleep(100);
    }
  }
  server.kill('SIGKILL');
  return undefined;
}

export const messaging: Scenario = {
  name: 'messaging',
  title: 'invocation messaging: round trip p50/p99 and messages/s, in-process and through Redis',
  runs: (quick) => (quick ? 1 : 3),
  async measure({ quick }) {
    const sizes = quick ? { trips: 500, perPair: 100 } : { trips: 3_000, perPair: 300 };
    const sample: Sample = {};
    const local = new InProcessRouter();
    await measureRouters(local, local, 'inProcess', sizes, sample);
    await local.close();
    const redis = await redisForBench();
    if (!redis) {
      process.stderr.write('  messaging: no Redis (set FLOWY_BENCH_REDIS_URL or put redis-server on PATH): Redis figures left out\n');
      return sample;
    }
    const keyPrefix = `flowy-bench:${process.pid}:${Date.now()}:`;
    const [near, far] = await Promise.all([RedisRouter.connect({ url: redis.url, keyPrefix }), RedisRouter.connect({ url: redis.url, keyPrefix })]);
    try {
      await measureRouters(near, far, 'redis', sizes, sample);
    } finally {
      await Promise.all([near.close(), far.close()]);
      await redis.stop();
    }
    sample.redisOverInProcessP50 = (sample['redis.roundTripP50Us'] ?? Number.NaN) / (sample['inProcess.roundTripP50Us'] ?? Number.NaN);
    return sample;
  },
  finish: () => [],
};
