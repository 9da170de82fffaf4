/**
 * Two measured loops in two warm processes, run in alternating short rounds: drift of a shared
 * machine hits both alike, and neither pays for what the other loaded or switched on (the worker's
 * AsyncLocalStorage turns on promise hooks for the whole process, for instance).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { benchModule } from './paths.js';

/** The sides `sdk-peer` can play (see there). */
export const SDK_PEER_ROLES = ['bare', 'worker', 'bare-cached', 'bare-als', 'worker-nosignal'] as const;
export type SdkPeerRole = (typeof SDK_PEER_ROLES)[number];

/** The sides `loopback-peer` can play (see there). */
export const LOOPBACK_PEER_ROLES = ['bare', 'worker', 'wire', 'wire-node-http'] as const;
export type LoopbackPeerRole = (typeof LOOPBACK_PEER_ROLES)[number];

/** What a peer is asked to do: one round of `n` tasks at concurrency `c`, or to stop. */
export type PeerRequest = { c: number; n: number } | { stop: true };

/** A peer's answer: the round's elapsed microseconds, and the CPU time its process spent in them. */
export interface PeerReply {
  us: number;
  cpuUs: number;
}

/** A measured loop living in its own process. */
export interface Peer {
  /** The peer's process id. */
  readonly pid: number;
  round(c: number, n: number): Promise<PeerReply>;
  stop(): Promise<void>;
}

/** Forks `module` (a bench module name, e.g. `sdk-peer`) with `args`; it must call {@link servePeer}. */
export async function forkPeer(module: string, args: string[]): Promise<Peer> {
  const child: ChildProcess = fork(benchModule(module), args, {
    execArgv: [...process.execArgv.filter((a) => !a.startsWith('--cpu-prof')), '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message');
  return {
    pid: child.pid!,
    async round(c, n) {
      const reply = once(child, 'message') as Promise<[PeerReply]>;
      child.send({ c, n } satisfies PeerRequest);
      return (await reply)[0];
    },
    async stop() {
      const exited = once(child, 'exit');
      child.send({ stop: true } satisfies PeerRequest);
      await exited;
    },
  };
}

/**
 * The peer side: answers rounds until told to stop. `loop(c, n)` returns the elapsed µs (the CPU µs spent
 * over the whole loop are then measured here), or both figures, measured by the loop itself (over a
 * steady window, for instance).
 */
export function servePeer(loop: (c: number, n: number) => Promise<number | PeerReply>): void {
  process.on('message', (message: PeerRequest) => {
    if ('stop' in message) {
      process.disconnect();
      setImmediate(() => process.exit(0));
      return;
    }
    const cpu = process.cpuUsage();
    void loop(message.c, message.n).then((result) => {
      const spent = process.cpuUsage(cpu);
      process.send?.((typeof result === 'number' ? { us: result, cpuUs: spent.user + spent.system } : result) satisfies PeerReply);
    });
  });
  process.send?.({ ready: true });
}
