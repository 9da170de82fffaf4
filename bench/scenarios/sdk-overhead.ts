/**
 * SDK overhead: the worker's whole path (poll, decode, dispatch, run a no-op activity, encode, respond)
 * against a bare loop making the same two calls through the same `SWFClient`, both answered in process
 * with zero latency, so the AWS SDK's own cost (serialization, SigV4 signing, parsing) counts equally.
 */
import { noOpTaskSource } from '../in-process-handler.js';
import { bareLoop, collectGarbage, inProcessClient, NoOpActivity, registryOf, workerLoop, type PollTarget } from '../fixtures.js';
import { ratioOf, setPath, type Sample, type Scenario } from '../scenario.js';
import { round } from '../stats.js';

const TYPE = { name: 'noop', version: '1' };
const TARGET: PollTarget = { domain: 'bench', taskList: 'bench', identity: 'bench' };
const CONCURRENCY = [1, 64] as const;
const LIMIT = 1.1;

export const sdkOverhead: Scenario = {
  name: 'sdkOverhead',
  title: 'µs per task, worker vs bare loop, in-process zero-latency SWF',
  runs: (quick) => (quick ? 2 : 5),
  async measure({ quick, run }) {
    const source = noOpTaskSource(TYPE);
    const client = inProcessClient(source.operations);
    const registry = registryOf(NoOpActivity, TYPE, TARGET.taskList);
    const tasks = quick ? 600 : 3000;
    const rounds = 3;
    const sample: Sample = {};
    for (const c of CONCURRENCY) {
      // Warm both paths up (JIT, the SDK's lazy parts), then interleave rounds so drift hits both alike.
      await bareLoop(client, TARGET, c, 500);
      await workerLoop({ client, registry }, TARGET, c, 500);
      let bareUs = 0;
      let workerUs = 0;
      for (let r = 0; r < rounds; r++) {
        const n = Math.round(tasks / rounds);
        collectGarbage();
        if ((run + r) % 2 === 0) {
          bareUs += await bareLoop(client, TARGET, c, n);
          workerUs += await workerLoop({ client, registry }, TARGET, c, n);
        } else {
          workerUs += await workerLoop({ client, registry }, TARGET, c, n);
          bareUs += await bareLoop(client, TARGET, c, n);
        }
      }
      const n = Math.round(tasks / rounds) * rounds;
      sample[`c${c}.workerUsPerTask`] = workerUs / n;
      sample[`c${c}.bareUsPerTask`] = bareUs / n;
    }
    client.destroy();
    return sample;
  },
  finish(json, get) {
    const checks = CONCURRENCY.map((c) => {
      const ratio = ratioOf(get, `c${c}.workerUsPerTask`, `c${c}.bareUsPerTask`);
      setPath(json, `c${c}.ratio`, round(ratio));
      return { figure: `c${c} worker/bare µs per task`, value: ratio, target: `≤ ${LIMIT.toFixed(2)}`, met: ratio <= LIMIT };
    });
    // The worst concurrency decides.
    json.ratio = round(Math.max(...checks.map((c) => c.value)));
    return checks;
  },
};
