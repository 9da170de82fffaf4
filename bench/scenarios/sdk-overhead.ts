/**
 * SDK overhead: the worker's whole path (poll, decode, dispatch, run a no-op activity, encode, respond)
 * against a bare loop making the same two calls through the same kind of `SWFClient`, both answered in
 * process with zero latency, so the AWS SDK's own cost (serialization, SigV4 signing, parsing) counts
 * equally. Each side lives in its own warm process and they take turns in short rounds.
 */
import { forkPeer, SDK_PEER_ROLES, type SdkPeerRole } from '../peer.js';
import { pairedRatio, ratioOf, setPath, type Sample, type Scenario } from '../scenario.js';
import { round } from '../stats.js';

const CONCURRENCY = [1, 64] as const;
const LIMIT = 1.05;

export const sdkOverhead: Scenario = {
  name: 'sdkOverhead',
  title: 'µs per task, worker vs bare loop, in-process zero-latency SWF',
  runs: (quick) => (quick ? 2 : 5),
  async measure({ quick, run }) {
    // BENCH_BREAKDOWN=1 adds two more sides that place the worker's cost (see sdk-peer.ts).
    const roles: readonly SdkPeerRole[] = process.env.BENCH_BREAKDOWN === '1' ? SDK_PEER_ROLES : ['bare', 'bare-cached', 'worker'];
    const peers = await Promise.all(roles.map(async (role) => ({ role, peer: await forkPeer('sdk-peer', [role]) })));
    // Short rounds track the machine's drift; each is measured over its steady state (bench/sdk-peer.ts).
    const rounds = quick ? 4 : 6;
    const perRound = 400;
    const sample: Sample = {};
    try {
      for (const c of CONCURRENCY) {
        // Warm-up: JIT and the SDK's lazily built parts, on every side.
        for (let i = 0; i < 2; i++) for (const { peer } of peers) await peer.round(c, 500);
        const us = new Map<SdkPeerRole, number>(roles.map((role) => [role, 0]));
        const cpuUs = new Map<SdkPeerRole, number>(roles.map((role) => [role, 0]));
        for (let r = 0; r < rounds; r++) {
          // Turns go one way, then the other.
          const order = (run + r) % 2 === 0 ? peers : [...peers].reverse();
          for (const { role, peer } of order) {
            const reply = await peer.round(c, perRound);
            us.set(role, (us.get(role) ?? 0) + reply.us);
            cpuUs.set(role, (cpuUs.get(role) ?? 0) + reply.cpuUs);
          }
        }
        const perTask = (role: SdkPeerRole): number => (us.get(role) ?? Number.NaN) / (rounds * perRound);
        const cpuPerTask = (role: SdkPeerRole): number => (cpuUs.get(role) ?? Number.NaN) / (rounds * perRound);
        sample[`c${c}.workerUsPerTask`] = perTask('worker');
        sample[`c${c}.bareUsPerTask`] = perTask('bare');
        // The ratio within one run, where both sides saw the same machine: its spread shows the noise.
        sample[`c${c}.runRatio`] = perTask('worker') / perTask('bare');
        // Like for like: the bare loop with cacheMiddleware on too, as the worker turns it on.
        sample[`c${c}.bareCachedUsPerTask`] = perTask('bare-cached');
        sample[`c${c}.runCachedRatio`] = perTask('worker') / perTask('bare-cached');
        // CPU time beside wall time: on a machine shared with other work, a process's CPU per task moves
        // less than its wall time (which counts the time it waited for a core).
        sample[`c${c}.workerCpuUsPerTask`] = cpuPerTask('worker');
        sample[`c${c}.bareCachedCpuUsPerTask`] = cpuPerTask('bare-cached');
        sample[`c${c}.runCachedCpuRatio`] = cpuPerTask('worker') / cpuPerTask('bare-cached');
        if (roles.length > 2) {
          sample[`c${c}.bareWithAsyncContextUsPerTask`] = perTask('bare-als');
          sample[`c${c}.workerWithoutPollSignalUsPerTask`] = perTask('worker-nosignal');
        }
      }
    } finally {
      await Promise.all(peers.map(({ peer }) => peer.stop()));
    }
    return sample;
  },
  finish(json, get) {
    const checks = CONCURRENCY.map((c) => {
      const ratio = pairedRatio(get, `c${c}.runRatio`, `c${c}.workerUsPerTask`, `c${c}.bareUsPerTask`);
      setPath(json, `c${c}.ratio`, round(ratio));
      setPath(json, `c${c}.ratioOfMedians`, round(ratioOf(get, `c${c}.workerUsPerTask`, `c${c}.bareUsPerTask`)));
      setPath(json, `c${c}.ratioToCachedBare`, round(pairedRatio(get, `c${c}.runCachedRatio`, `c${c}.workerUsPerTask`, `c${c}.bareCachedUsPerTask`)));
      setPath(json, `c${c}.cpuRatioToCachedBare`, round(pairedRatio(get, `c${c}.runCachedCpuRatio`, `c${c}.workerCpuUsPerTask`, `c${c}.bareCachedCpuUsPerTask`)));
      return { figure: `c${c} worker/bare µs per task`, value: ratio, target: `≤ ${LIMIT.toFixed(2)}`, met: ratio <= LIMIT };
    });
    // The worst concurrency decides.
    json.ratio = round(Math.max(...checks.map((c) => c.value)));
    return checks;
  },
};
