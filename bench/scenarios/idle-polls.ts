/**
 * Memory and CPU per open poll: a worker holding 64 long polls that no task answers (the endpoint holds
 * each for 60 s, as SWF does), on the lean transport and on the SDK path. CPU per minute of the worker's
 * process and heap growth once the polls are open, divided by 64.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from '../../src/worker/index.js';
import { collectGarbage, cpuNowUs, httpClient, NoOpActivity, registryOf } from '../fixtures.js';
import { forkLocalSwf, type ForkedLocalSwf } from '../local-server.js';
import { setPath, type Sample, type Scenario } from '../scenario.js';
import { prepareDomain } from '../seed.js';
import { round } from '../stats.js';

const TYPE = { name: 'noop', version: '1' };
const POLLS = 64;

async function waitForPolls(swf: ForkedLocalSwf, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await swf.stats()).waitingPolls >= count) return;
    await sleep(50);
  }
  throw new Error(`the endpoint never saw ${count} polls waiting`);
}

export const idlePolls: Scenario = {
  name: 'idlePolls',
  title: `an idle worker with ${POLLS} open polls: CPU per minute and heap, lean transport vs SDK path`,
  runs: () => 1,
  async measure({ quick, run }) {
    const holdMs = quick ? 8_000 : 20_000;
    const swf = await forkLocalSwf({ pollTimeoutMs: 60_000 });
    const sample: Sample = {};
    try {
      // The side measured first also pays for the process's warm-up (JIT, heap sizing): alternate.
      const order = run % 2 === 0 ? (['sdk', 'lean'] as const) : (['lean', 'sdk'] as const);
      for (const transport of order) {
        const client = httpClient(swf.endpoint);
        const taskList = `idle-${transport}`;
        await prepareDomain(client, 'bench', TYPE, taskList);
        const registry = registryOf(NoOpActivity, TYPE, taskList);
        collectGarbage();
        const heapBefore = process.memoryUsage().heapUsed;
        const worker = new Worker({ client, registry, domain: 'bench', taskList, transport, maxConcurrentTasks: POLLS, maxConcurrentPolls: POLLS });
        const running = worker.run();
        await waitForPolls(swf, POLLS);
        collectGarbage();
        const heapOpen = process.memoryUsage().heapUsed;
        // CPU in 2 s windows: a GC or other process-wide event now and then lands in one window; the
        // median window is what the open polls cost, the mean includes those events.
        const windows: number[] = [];
        for (let at = 0; at < holdMs; at += 2_000) {
          const cpuBefore = cpuNowUs();
          const started = performance.now();
          await sleep(2_000);
          windows.push((cpuNowUs() - cpuBefore) / 1000 / ((performance.now() - started) / 60_000));
        }
        windows.sort((a, b) => a - b);
        sample[`${transport}.cpuMsPerMinute`] = windows[Math.floor(windows.length / 2)] ?? Number.NaN;
        sample[`${transport}.cpuMsPerMinuteMean`] = windows.reduce((a, b) => a + b, 0) / windows.length;
        sample[`${transport}.heapKiBPerPoll`] = (heapOpen - heapBefore) / 1024 / POLLS;
        sample[`${transport}.heapMiBWithPolls`] = heapOpen / 2 ** 20;
        void worker.shutdown({ force: true });
        client.destroy();
        await running.catch(() => {});
        await sleep(200);
      }
    } finally {
      await swf.close();
    }
    return sample;
  },
  finish(json, get) {
    setPath(json, 'leanOverSdkHeapPerPoll', round((get('lean.heapKiBPerPoll')?.median ?? NaN) / (get('sdk.heapKiBPerPoll')?.median ?? NaN)));
    return [];
  },
};
