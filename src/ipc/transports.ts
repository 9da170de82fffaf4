/**
 * How communicators are set up across a spawn: the parent prepares one (extra stdio entries or a
 * listening Unix socket plus the environment the child needs), the child connects from its environment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ConfigurationError } from '../swf/errors.js';
import { COMMUNICATOR_NAMES, StreamCommunicator, type Communicator, type CommunicatorName } from './communicator.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './framing.js';

/** The environment variable that names the communicator a child is to connect with. */
export const COMMUNICATOR_ENV = 'FLOWY_SWF_COMMUNICATOR';
/** The environment variable that holds the Unix socket path of the socket communicator. */
export const SOCKET_ENV = 'FLOWY_SWF_SOCKET';
/** File descriptors of the pipe communicator in the child: it reads fd 3 and writes fd 4. */
export const PIPE_FDS = { toChild: 3, toParent: 4 } as const;

/** The parent's half of a communicator before the child is spawned. */
export interface PreparedCommunicator {
  readonly name: CommunicatorName;
  /** The `stdio` option to spawn with: stdin ignored, stdout and stderr piped, plus the pipe pair when used. */
  readonly stdio: StdioOptions;
  /** Environment the child needs to connect. */
  readonly env: Record<string, string>;
  /** Connects to the spawned child; rejects if it does not connect before `signal` aborts. */
  connect(child: ChildProcess, signal: AbortSignal): Promise<Communicator>;
  /** Frees what was prepared (the socket's server and folder); idempotent. */
  dispose(): Promise<void>;
}

/** Checks a communicator name; throws `ConfigurationError` naming the choices. */
export function checkCommunicatorName(where: string, value: unknown): CommunicatorName {
  if (typeof value === 'string' && (COMMUNICATOR_NAMES as readonly string[]).includes(value)) return value as CommunicatorName;
  throw new ConfigurationError(`${where}: communicator is ${JSON.stringify(value)}; choose one of ${COMMUNICATOR_NAMES.join(', ')}`);
}

/** Prepares the parent's side of a communicator by name. */
export async function prepareCommunicator(name: CommunicatorName, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): Promise<PreparedCommunicator> {
  return name === 'pipe' ? preparePipe(maxMessageBytes) : prepareSocket(maxMessageBytes);
}

function preparePipe(maxMessageBytes: number): PreparedCommunicator {
  return {
    name: 'pipe',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: { [COMMUNICATOR_ENV]: 'pipe' },
    async connect(child) {
      const toChild = child.stdio[PIPE_FDS.toChild] as Writable | null;
      const fromChild = child.stdio[PIPE_FDS.toParent] as Readable | null;
      if (!toChild || !fromChild) throw new Error('the child was spawned without its pipe pair (stdio 3 and 4)');
      return new StreamCommunicator('pipe', fromChild, toChild, maxMessageBytes, 'now');
    },
    async dispose() {},
  };
}

/** Listens on a Unix socket in a fresh folder only this user can enter. */
export async function listenUnixSocket(): Promise<{ server: Server; path: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'flowy-swf-'));
  const path = join(dir, 'task.sock');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  let disposed: Promise<void> | undefined;
  return {
    server,
    path,
    dispose: () =>
      (disposed ??= new Promise<void>((resolve) => server.close(() => resolve())).then(() => rm(dir, { recursive: true, force: true }))),
  };
}

/** Waits for the first connection to `server`; later ones are refused. */
export function acceptOne(server: Server, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const onAbort = (): void => {
      server.off('connection', onConnection);
      reject(signal.reason instanceof Error ? signal.reason : new Error('gave up waiting for the connection'));
    };
    const onConnection = (socket: Socket): void => {
      signal.removeEventListener('abort', onAbort);
      server.off('connection', onConnection);
      server.on('connection', (late: Socket) => late.destroy());
      resolve(socket);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    server.on('connection', onConnection);
  });
}

async function prepareSocket(maxMessageBytes: number): Promise<PreparedCommunicator> {
  const listening = await listenUnixSocket();
  return {
    name: 'socket',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { [COMMUNICATOR_ENV]: 'socket', [SOCKET_ENV]: listening.path },
    async connect(_child, signal) {
      const socket = await acceptOne(listening.server, signal);
      // One child per socket: stop listening once it is in (the connection stays open).
      void listening.dispose();
      return new StreamCommunicator('socket', socket, socket, maxMessageBytes, 'now');
    },
    dispose: listening.dispose,
  };
}

/** The child's side: connects with the communicator its environment names. */
export async function connectFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): Promise<Communicator> {
  const name = checkCommunicatorName(COMMUNICATOR_ENV, env[COMMUNICATOR_ENV]);
  if (name === 'pipe') {
    const input = new Socket({ fd: PIPE_FDS.toChild, readable: true, writable: false });
    const output = new Socket({ fd: PIPE_FDS.toParent, readable: false, writable: true });
    return new StreamCommunicator('pipe', input, output, maxMessageBytes);
  }
  const path = env[SOCKET_ENV];
  if (!path) throw new ConfigurationError(`${SOCKET_ENV} is not set: the socket communicator needs the socket's path`);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = new Socket();
    s.once('error', reject);
    s.connect(path, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
  return new StreamCommunicator('socket', socket, socket, maxMessageBytes);
}
