/**
 * SDK overhead: the worker's whole path (poll, decode, dispatch, run a no-op activity, encode, respond)
 * against a bare loop making the same two calls through the same kind of `SWFClient`, both answered in
 * process with zero latency, so the AWS SDK's own cost (serialization, SigV4 signing, parsing) counts
 * equally. Each side lives in its own warm process and they take turns in short rounds.
 */
import { forkPeer } from '../peer.js';
import { pairedRatio, ratioOf, setPath, type Sample, type Scenario } from '../scenario.js';
import { round } from '../stats.js';

const CONCURRENCY = [1, 64] as const;
const LIMIT = 1.1;

export const sdkOverhead: Scenario = {
  name: 'sdkOverhead',
  title: 'µs per task, worker vs bare loop, in-process zero-latency SWF',
  runs: (quick) => (quick ? 2 : 5),
  async measure({ quick, run }) {
    const [bare, worker] = await Promise.all([forkPeer('sdk-peer', ['bare']), forkPeer('sdk-peer', ['worker'])]);
    // Short rounds track the machine's drift; each round builds a new Worker, so not too short either.
    const rounds = quick ? 4 : 6;
    const perRound = 400;
    const sample: Sample = {};
    try {
      for (const c of CONCURRENCY) {
        // Warm-up: JIT and the SDK's lazily built parts, on both sides.
        for (let i = 0; i < 2; i++) {
          await bare.round(c, 500);
          await worker.round(c, 500);
        }
        let bareUs = 0;
        let workerUs = 0;
        for (let r = 0; r < rounds; r++) {
          if ((run + r) % 2 === 0) {
            bareUs += await bare.round(c, perRound);
            workerUs += await worker.round(c, perRound);
          } else {
            workerUs += await worker.round(c, perRound);
            bareUs += await bare.round(c, perRound);
          }
        }
        sample[`c${c}.workerUsPerTask`] = workerUs / (rounds * perRound);
        sample[`c${c}.bareUsPerTask`] = bareUs / (rounds * perRound);
        // The ratio within one run, where both sides saw the same machine: its spread shows the noise.
        sample[`c${c}.runRatio`] = workerUs / bareUs;
      }
    } finally {
      await Promise.all([bare.stop(), worker.stop()]);
    }
    return sample;
  },
  finish(json, get) {
    const checks = CONCURRENCY.map((c) => {
      const ratio = pairedRatio(get, `c${c}.runRatio`, `c${c}.workerUsPerTask`, `c${c}.bareUsPerTask`);
      setPath(json, `c${c}.ratio`, round(ratio));
      setPath(json, `c${c}.ratioOfMedians`, round(ratioOf(get, `c${c}.workerUsPerTask`, `c${c}.bareUsPerTask`)));
      return { figure: `c${c} worker/bare µs per task`, value: ratio, target: `≤ ${LIMIT.toFixed(2)}`, met: ratio <= LIMIT };
    });
    // The worst concurrency decides.
    json.ratio = round(Math.max(...checks.map((c) => c.value)));
    return checks;
  },
};
