/**
 * What the loopback scenarios (`throughput`, `wireFloor`) stand on: the local endpoint in a process of its
 * own with the bench domain ready, and one warmed-up `loopback-peer` process per side.
 */
import { httpClient, SteadyWindow } from './fixtures.js';
import { forkLocalSwf, type ForkedLocalSwf } from './local-server.js';
import { forkPeer, LOOPBACK_TARGET, LOOPBACK_TYPE, type LoopbackPeerRole, type Peer } from './peer.js';
import { prepareDomain, seedActivityTasks } from './seed.js';

/** A running rig: the endpoint, each side's peer, and a way to schedule tasks for the next round. */
export interface LoopbackRig<S extends string> {
  readonly swf: ForkedLocalSwf;
  readonly peers: Readonly<Record<S, Peer>>;
  /** Schedules `count` no-op tasks (through workflow executions) on the bench task list. */
  seed(count: number): Promise<void>;
}

/**
 * Starts the endpoint, forks a peer for each side (`roles` maps a side's name to the role its peer
 * plays), warms each up with 500 tasks at concurrency 8 (JIT and lazily built parts), runs `body`, and
 * stops everything whatever `body` does.
 */
export async function withLoopbackRig<S extends string, T>(roles: Readonly<Record<S, LoopbackPeerRole>>, body: (rig: LoopbackRig<S>) => Promise<T>): Promise<T> {
  const swf = await forkLocalSwf({ pollTimeoutMs: 5000 });
  const client = httpClient(swf.endpoint);
  const seed = (count: number): Promise<void> =>
    seedActivityTasks(client, { domain: LOOPBACK_TARGET.domain, taskList: LOOPBACK_TARGET.taskList, activityType: LOOPBACK_TYPE, count });
  const forked: Peer[] = [];
  try {
    await prepareDomain(client, LOOPBACK_TARGET.domain, LOOPBACK_TYPE, LOOPBACK_TARGET.taskList);
    const peers = {} as Record<S, Peer>;
    for (const side of Object.keys(roles) as S[]) {
      const peer = await forkPeer('loopback-peer', [roles[side], swf.endpoint]);
      forked.push(peer);
      peers[side] = peer;
    }
    for (const peer of forked) {
      await seed(new SteadyWindow(8, 500).tasks);
      await peer.round(8, 500);
    }
    return await body({ swf, peers, seed });
  } finally {
    await Promise.all(forked.map((peer) => peer.stop()));
    client.destroy();
    await swf.close();
  }
}
