/**
 * Local endpoint scale: poll-and-complete cycles per second with 1,000 and with 100,000 open tasks on the
 * polled task list. The calls are raw HTTP with prepared JSON (no SigV4, no AWS SDK), so the endpoint,
 * in its own process, is what is measured.
 */
import { Agent, request } from 'node:http';
import { collectGarbage, httpClient } from '../fixtures.js';
import { forkLocalSwf } from '../local-server.js';
import type { Sample, Scenario } from '../scenario.js';
import { prepareDomain, seedActivityTasks } from '../seed.js';
import { round } from '../stats.js';

const TYPE = { name: 'noop', version: '1' };
const DOMAIN = 'bench';
const TASK_LIST = 'scale';
const CONCURRENCY = 16;
/** Cycles per timed round; the open count stays between the level and the level + this. */
const CYCLES = 1000;
const ROUNDS = 3;
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

export const localScale: Scenario = {
  name: 'localScale',
  title: 'local endpoint poll+complete cycles/s with 1,000 vs 100,000 open tasks',
  runs: (quick) => (quick ? 1 : 3),
  async measure() {
    const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
    const client = httpClient(swf.endpoint);
    const raw = rawCaller(swf.endpoint, CONCURRENCY);
    const pollBody = JSON.stringify({ domain: DOMAIN, taskList: { name: TASK_LIST }, identity: 'bench' });
    const seed = (count: number): Promise<void> => seedActivityTasks(client, { domain: DOMAIN, taskList: TASK_LIST, activityType: TYPE, count });
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
      return n / ((performance.now() - started) / 1000);
    };
    /** Rounds of: schedule CYCLES more (untimed), then run CYCLES cycles (timed). */
    const level = async (): Promise<number> => {
      let seconds = 0;
      for (let r = 0; r < ROUNDS; r++) {
        await seed(CYCLES);
        collectGarbage();
        seconds += CYCLES / (await cycles(CYCLES));
      }
      return (CYCLES * ROUNDS) / seconds;
    };
    const sample: Sample = {};
    try {
      await prepareDomain(client, DOMAIN, TYPE, TASK_LIST);
      // Warm-up: the endpoint's JIT and the sockets.
      await seed(1000);
      await cycles(1000);
      await seed(1000);
      sample['open1k.cyclesPerSec'] = await level();
      await seed(99_000);
      const { startedActivityTasks } = await swf.stats();
      if (startedActivityTasks !== 0) throw new Error(`localScale: ${startedActivityTasks} tasks were left started`);
      sample['open100k.cyclesPerSec'] = await level();
    } finally {
      raw.close();
      client.destroy();
      await swf.close();
    }
    return sample;
  },
  finish(json, get) {
    const small = get('open1k.cyclesPerSec')?.median ?? Number.NaN;
    const large = get('open100k.cyclesPerSec')?.median ?? Number.NaN;
    const ratio = large / small;
    json.ratio = round(ratio);
    json.concurrency = CONCURRENCY;
    return [{ figure: '100,000 open over 1,000 open cycles/s', value: ratio, target: `≥ ${LIMIT.toFixed(2)}`, met: ratio >= LIMIT }];
  },
};
