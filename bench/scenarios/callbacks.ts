/**
 * The callback service under load: SUCCESS callbacks over HTTP (`PUT /v1/callbacks/{id}`), each
 * opening a sealed id and completing its task on the local endpoint (its own process), against the
 * direct path, `RespondActivityTaskCompleted` by token through the same SWF client. Callbacks per
 * second, p50 and p99 latency of each, and their ratio within one run.
 */
import { PollForActivityTaskCommand, type SWFClient } from '@aws-sdk/client-swf';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { callbackKeyRing, sealCallbackId, startCallbackServer } from '../../src/delegation/index.js';
import { respondCompleted } from '../../src/swf/respond.js';
import { collectGarbage, httpClient } from '../fixtures.js';
import { forkLocalSwf } from '../local-server.js';
import { ratioOf, setPath, type Sample, type Scenario } from '../scenario.js';
import { prepareDomain, seedActivityTasks } from '../seed.js';
import { nowUs, round } from '../stats.js';

const TYPE = { name: 'delegated', version: '1' };
const DOMAIN = 'bench';
const TASK_LIST = 'bench-callbacks';
const CONCURRENCY = 32;
/** The HTTP hop, the crypto and Fastify may cost; below this share of the direct rate is a regression. */
const LIMIT = 0.5;

/** Polls `count` tasks and returns their tokens. */
async function takeTokens(client: SWFClient, count: number): Promise<string[]> {
  const tokens: string[] = [];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (tokens.length < count) {
        const task = await client.send(new PollForActivityTaskCommand({ domain: DOMAIN, taskList: { name: TASK_LIST }, identity: 'bench' }));
        if (task.taskToken) tokens.push(task.taskToken);
      }
    }),
  );
  return tokens.slice(0, count);
}

/** Runs `work` over `items` with `concurrency` loops; returns elapsed µs and each item's latency in µs. */
async function drive<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<{ elapsedUs: number; latenciesUs: number[] }> {
  const latenciesUs: number[] = [];
  let next = 0;
  const started = nowUs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) {
        const t0 = nowUs();
        await work(items[i]!);
        latenciesUs.push(nowUs() - t0);
      }
    }),
  );
  return { elapsedUs: nowUs() - started, latenciesUs };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** `PUT url` with a JSON body over a keep-alive agent; rejects unless 200. */
function put(agent: Agent, url: URL, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`callback answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const callbacks: Scenario = {
  name: 'callbacks',
  title: 'callbacks/s and p99 latency of the callback service vs completing by token directly',
  runs: (quick) => (quick ? 1 : 3),
  async measure({ quick, run }) {
    const count = quick ? 400 : 2000;
    const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
    const client = httpClient(swf.endpoint);
    const ring = callbackKeyRing([randomBytes(48).toString('base64')]);
    const server = await startCallbackServer({ keys: ring, client, maxInFlight: 1024 });
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const sample: Sample = {};
    try {
      await prepareDomain(client, DOMAIN, TYPE, TASK_LIST);
      const body = JSON.stringify({ state: 'SUCCESS', output: { ok: true, items: [1, 2, 3] } });
      const viaCallbacks = async (n: number): Promise<{ elapsedUs: number; latenciesUs: number[] }> => {
        await seedActivityTasks(client, { domain: DOMAIN, taskList: TASK_LIST, activityType: TYPE, count: n });
        const urls = (await takeTokens(client, n)).map((t) => new URL(`${server.url}/v1/callbacks/${sealCallbackId(ring, t, Date.now() + 3_600_000)}`));
        collectGarbage();
        return drive(urls, CONCURRENCY, (url) => put(agent, url, body));
      };
      const direct = async (n: number): Promise<{ elapsedUs: number; latenciesUs: number[] }> => {
        await seedActivityTasks(client, { domain: DOMAIN, taskList: TASK_LIST, activityType: TYPE, count: n });
        const tokens = await takeTokens(client, n);
        collectGarbage();
        return drive(tokens, CONCURRENCY, async (token) => {
          await respondCompleted(client, token, '{"ok":true,"items":[1,2,3]}');
        });
      };
      await viaCallbacks(100);
      await direct(100);
      // A B B A (A first on even runs), so drift hits both alike.
      const half = Math.round(count / 2);
      const cb = { us: 0, lat: [] as number[] };
      const dr = { us: 0, lat: [] as number[] };
      const a = async (): Promise<void> => {
        const r = await viaCallbacks(half);
        cb.us += r.elapsedUs;
        cb.lat.push(...r.latenciesUs);
      };
      const b = async (): Promise<void> => {
        const r = await direct(half);
        dr.us += r.elapsedUs;
        dr.lat.push(...r.latenciesUs);
      };
      for (const step of run % 2 === 0 ? [a, b, b, a] : [b, a, a, b]) await step();
      sample['callbacks.perSec'] = (2 * half) / (cb.us / 1e6);
      sample['callbacks.p50Ms'] = percentile(cb.lat, 50) / 1000;
      sample['callbacks.p99Ms'] = percentile(cb.lat, 99) / 1000;
      sample['direct.perSec'] = (2 * half) / (dr.us / 1e6);
      sample['direct.p50Ms'] = percentile(dr.lat, 50) / 1000;
      sample['direct.p99Ms'] = percentile(dr.lat, 99) / 1000;
      sample.runRatio = dr.us / cb.us;
    } finally {
      agent.destroy();
      await server.close();
      client.destroy();
      await swf.close();
    }
    return sample;
  },
  finish(json, get) {
    const ratio = get('runRatio')?.median ?? ratioOf(get, 'callbacks.perSec', 'direct.perSec');
    setPath(json, 'ratio', round(ratio));
    setPath(json, 'p99Ratio', round(ratioOf(get, 'callbacks.p99Ms', 'direct.p99Ms')));
    return [{ figure: `c${CONCURRENCY} callbacks/direct per s`, value: ratio, target: `≥ ${LIMIT.toFixed(2)}`, met: ratio >= LIMIT }];
  },
};
