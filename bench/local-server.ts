/**
 * A local SWF endpoint in a process of its own, so that in throughput figures the endpoint and the
 * worker do not share one event loop. Forked by {@link forkLocalSwf}; answers `stats` and `close` over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startLocalSwf, type LocalSwfOptions, type LocalSwfStats } from '../src/local/index.js';
import { benchModule } from './paths.js';

type Request = { id: number; kind: 'stats' | 'close' | 'cpu' };
type Reply = { id: number; stats?: LocalSwfStats; cpuUs?: number };

/** A local endpoint running in a child process. */
export interface ForkedLocalSwf {
  readonly endpoint: string;
  /** Its process id, e.g. to read its memory from /proc. */
  readonly pid: number;
  /** The endpoint's counts, asked over IPC. */
  stats(): Promise<LocalSwfStats>;
  /** CPU time (user + system) the endpoint's process has used so far, in µs. */
  cpuUs(): Promise<number>;
  /** Closes the endpoint and waits for its process to exit. */
  close(): Promise<void>;
}

/** Starts a local endpoint with `options` in a child process (the serialisable options only). */
export async function forkLocalSwf(options: Omit<LocalSwfOptions, 'clock' | 'warn'> = {}): Promise<ForkedLocalSwf> {
  const child: ChildProcess = fork(benchModule('local-server'), ['--serve', JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ endpoint: string }];
  let next = 0;
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (message: Reply) => {
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const ask = (kind: Request['kind']): Promise<Reply> =>
    new Promise((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      child.send({ id, kind } satisfies Request);
    });
  let closing: Promise<void> | undefined;
  return {
    endpoint: ready.endpoint,
    pid: child.pid as number,
    stats: async () => (await ask('stats')).stats as LocalSwfStats,
    cpuUs: async () => (await ask('cpu')).cpuUs ?? Number.NaN,
    close() {
      closing ??= (async () => {
        const exited = once(child, 'exit');
        await ask('close');
        await exited;
      })();
      return closing;
    },
  };
}

async function serve(options: LocalSwfOptions): Promise<void> {
  const swf = await startLocalSwf({ ...options, warn: () => {} });
  process.on('message', (message: Request) => {
    if (message.kind === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ id: message.id, cpuUs: user + system } satisfies Reply);
    } else if (message.kind === 'stats') {
      process.send?.({ id: message.id, stats: swf.stats() } satisfies Reply);
    } else {
      void swf.close().then(() => {
        process.send?.({ id: message.id } satisfies Reply, () => process.disconnect());
      });
    }
  });
  process.on('disconnect', () => void swf.close());
  process.send?.({ endpoint: swf.endpoint });
}

if (process.argv[2] === '--serve') await serve(JSON.parse(process.argv[3] ?? '{}') as LocalSwfOptions);
