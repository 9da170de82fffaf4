/**
 * Two measured loops in two warm processes, run in alternating short rounds: drift of a shared
 * machine hits both alike, and neither pays for what the other loaded or switched on (the worker's
 * AsyncLocalStorage turns on promise hooks for the whole process, for instance).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { SteadyWindow } from './fixtures.js';
import { benchModule } from './paths.js';

/** The sides `sdk-peer` can play (see there). */
export const SDK_PEER_ROLES = ['bare', 'worker', 'bare-cached', 'bare-als', 'worker-nosignal'] as const;
export type SdkPeerRole = (typeof SDK_PEER_ROLES)[number];

/** The sides `loopback-peer` can play (see there). */
export const LOOPBACK_PEER_ROLES = ['bare', 'worker', 'wire', 'wire-node-http'] as const;
export type LoopbackPeerRole = (typeof LOOPBACK_PEER_ROLES)[number];

/** The activity type the loopback scenarios schedule, and where every `loopback-peer` side polls for it. */
export const LOOPBACK_TYPE = { name: 'noop', version: '1' } as const;
export const LOOPBACK_TARGET = { domain: 'bench', taskList: 'bench', identity: 'bench' } as const;

/** What a peer is asked to do: one round measuring `n` tasks at concurrency `c`, or to stop. */
export type PeerRequest = { c: number; n: number } | { stop: true };

/** A peer's answer: the wall microseconds of the round's steady state, and the CPU time its process spent in them. */
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
 * The peer side: answers rounds until told to stop. A round at concurrency `c` measuring `n` tasks runs
 * `loop(c, tasks, onFinished)` for the {@link SteadyWindow}'s task count and answers the window's wall
 * and CPU µs: the round's steady state.
 */
export function servePeer(loop: (c: number, tasks: number, onFinished: () => void) => Promise<unknown>): void {
  process.on('message', (message: PeerRequest) => {
    if ('stop' in message) {
      process.disconnect();
      setImmediate(() => process.exit(0));
      return;
    }
    const window = new SteadyWindow(message.c, message.n);
    void loop(message.c, window.tasks, window.finished).then(() => {
      process.send?.({ us: window.us, cpuUs: window.cpuUs } satisfies PeerReply);
    });
  });
  process.send?.({ ready: true });
}
