/**
 * Local endpoint scale: poll-and-complete cycles per second with 1,000 and with 100,000 open tasks on the
 * polled task list. The calls are raw HTTP with prepared JSON (no SigV4, no AWS SDK), so the endpoint,
 * in its own process, is what is measured. Each level has an endpoint of its own; each round schedules
 * CYCLES more tasks (not timed), then runs CYCLES cycles, so the open count stays between the level and
 * the level + CYCLES.
 */
import { Agent, request } from 'node:http';
import { collectGarbage, httpClient } from '../fixtures.js';
import { forkLocalSwf } from '../local-server.js';
import { pairedRatio, ratioOf, type Sample, type Scenario } from '../scenario.js';
import { prepareDomain, seedActivityTasks } from '../seed.js';
import { round } from '../stats.js';

const TYPE = { name: 'noop', version: '1' };
const DOMAIN = 'bench';
const TASK_LIST = 'scale';
const CONCURRENCY = 16;
/** Cycles per timed round; the open count stays between the level and the level + this. */
const CYCLES = 1000;
const ROUNDS = 4;
const WARM_UP = 2000;
const LIMIT = 0.8;

/** A minimal awsJson 1.0 caller over keep-alive sockets. */
function rawCaller(endpoint: string, sockets: number): { call: (operation: string, body: string) => Promise<Record<string, unknown>>; close: () => void } {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const call = (operation: string, body: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `SimpleWorkflowService.${operation}`,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
            if (res.statusCode !== 200) reject(new Error(`${operation}: HTTP ${res.statusCode} ${JSON.stringify(parsed)}`));
            else resolve(parsed);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

/** One endpoint holding `open` tasks on the polled task list, and a caller for it. */
async function endpointWith(open: number): Promise<{
  seed: (count: number) => Promise<void>;
  cycles: (n: number) => Promise<number>;
  close: () => Promise<void>;
}> {
  const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
  const client = httpClient(swf.endpoint);
  const raw = rawCaller(swf.endpoint, CONCURRENCY);
  const pollBody = JSON.stringify({ domain: DOMAIN, taskList: { name: TASK_LIST }, identity: 'bench' });
  const seed = (count: number): Promise<void> => seedActivityTasks(client, { domain: DOMAIN, taskList: TASK_LIST, activityType: TYPE, count });
  /** `n` poll-and-complete cycles, CONCURRENCY at once; returns their elapsed seconds. */
  const cycles = async (n: number): Promise<number> => {
    let budget = n;
    const loop = async (): Promise<void> => {
      while (budget > 0) {
        budget--;
        const task = await raw.call('PollForActivityTask', pollBody);
        if (typeof task.taskToken !== 'string') throw new Error('localScale: a poll came back empty; the open tasks ran out');
        await raw.call('RespondActivityTaskCompleted', JSON.stringify({ taskToken: task.taskToken, result: 'null' }));
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    return (performance.now() - started) / 1000;
  };
  await prepareDomain(client, DOMAIN, TYPE, TASK_LIST);
  // Warm-up (the endpoint's JIT, the sockets), then the level itself.
  await seed(WARM_UP);
  await cycles(WARM_UP);
  await seed(open);
  return {
    seed,
    cycles,
    async close() {
      raw.close();
      client.destroy();
      await swf.close();
    },
  };
}

export const localScale: Scenario = {
  name: 'localScale',
  title: 'local endpoint poll+complete cycles/s with 1,000 vs 100,000 open tasks',
  runs: (quick) => (quick ? 1 : 3),
  async measure({ run }) {
    // One endpoint per level, both warm, taking turns round by round: drift hits both alike.
    const small = await endpointWith(1000);
    const large = await endpointWith(100_000);
    let smallSeconds = 0;
    let largeSeconds = 0;
    try {
      for (let r = 0; r < ROUNDS; r++) {
        const turn = async (which: 'small' | 'large'): Promise<void> => {
          const endpoint = which === 'small' ? small : large;
          await endpoint.seed(CYCLES);
          collectGarbage();
          const seconds = await endpoint.cycles(CYCLES);
          if (which === 'small') smallSeconds += seconds;
          else largeSeconds += seconds;
        };
        const first = (run + r) % 2 === 0 ? 'small' : 'large';
        await turn(first);
        await turn(first === 'small' ? 'large' : 'small');
      }
    } finally {
      await Promise.all([small.close(), large.close()]);
    }
    return {
      'open1k.cyclesPerSec': (CYCLES * ROUNDS) / smallSeconds,
      'open100k.cyclesPerSec': (CYCLES * ROUNDS) / largeSeconds,
      runRatio: smallSeconds / largeSeconds,
    } satisfies Sample;
  },
  finish(json, get) {
    const ratio = pairedRatio(get, 'runRatio', 'open100k.cyclesPerSec', 'open1k.cyclesPerSec');
    json.ratio = round(ratio);
    json.ratioOfMedians = round(ratioOf(get, 'open100k.cyclesPerSec', 'open1k.cyclesPerSec'));
    json.concurrency = CONCURRENCY;
    return [{ figure: '100,000 open over 1,000 open cycles/s', value: ratio, target: `≥ ${LIMIT.toFixed(2)}`, met: ratio >= LIMIT }];
  },
};
