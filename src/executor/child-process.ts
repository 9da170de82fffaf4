/**
 * One child process of the pool: spawned detached (it leads its own process group), connected by a
 * communicator, proved alive by a ping, its stdout and stderr always drained.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Peer, prepareCommunicator, type CommunicatorName, type HandlerLookup } from '../ipc/index.js';
import { FlowySwfError } from '../swf/errors.js';
import { processRef, signalTree, stopTree, type ProcessRef } from './process-tree.js';
import type { ExecutorLogger } from './types.js';

/** The child could not be started, or did not become ready in time. */
export class ChildStartError extends FlowySwfError {
  override name = 'ChildStartError';
}

/** A child process ended or was stopped while it ran a task. */
export class ChildProcessError extends FlowySwfError {
  override name = 'ChildProcessError';
}

/** How much of a child's stdout and stderr is kept for failure details. */
export const OUTPUT_TAIL_CHARS = 8_192;

/** Keeps the last `max` characters written to a stream. */
export class Tail {
  #text = '';
  constructor(private readonly max = OUTPUT_TAIL_CHARS) {}
  push(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-this.max);
  }
  toString(): string {
    return this.#text;
  }
}

/** What starting a child needs. */
export interface ChildOptions {
  readonly communicator: CommunicatorName;
  /** Becomes the child's `--max-old-space-size`. */
  readonly memoryLimitMb: number;
  readonly startTimeoutMs: number;
  /** Extra Node.js flags. */
  readonly nodeArgs: readonly string[];
  readonly log: ExecutorLogger;
  /** Host functions the child may call, looked up when it calls. */
  readonly hostFunctions: HandlerLookup;
}

/**
 * V8 flags every child starts with, before the user's `nodeArgs` (a later flag wins, so
 * `--lazy-feedback-allocation` there undoes it). A child of a busy pool runs each of its functions
 * only now and then; by default V8 gives a function its type feedback only after it has run a few
 * times, and until then it cannot take inline-cache fast paths or be compiled further, so a child's
 * per-task path stayed slow for its first hundreds of tasks. Allocating feedback at once cut a child's
 * CPU per no-op task by about 30% at concurrency 64 (docs/performance.md) for a little more memory.
 */
export const CHILD_V8_FLAGS: readonly string[] = ['--no-lazy-feedback-allocation'];

const here = fileURLToPath(import.meta.url);
/** The child's entry: the sibling `child-main` module, `.ts` when running from sources (then with tsx). */
const CHILD_MAIN = join(dirname(here), `child-main${extname(here)}`);

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by signal ${signal}` : `exited with code ${String(code)}`;
}

/** A started child process. */
export class PooledChild {
  readonly pid: number;
  readonly peer: Peer;
  /** Resolves when the process has exited: how, in words. */
  readonly exited: Promise<string>;
  /** Why this side stopped the child, when it did: becomes the failure reason of the task it ran. */
  stoppedFor: string | undefined;
  /** Tasks this child ended. */
  tasksRun = 0;
  /** Tasks given to this child so far. */
  tasksStarted = 0;
  /** Tasks it runs now. */
  active = 0;
  /** Why the pool replaces it once its running tasks end, when it does. */
  retireReason: string | undefined;
  /** When the child last answered a ping (ms, `performance.now()`). */
  lastAnswerAt = performance.now();
  /** Resident bytes right after start. */
  startRss = 0;
  /** When the pool last read its memory (ms, `performance.now()`). */
  memoryCheckedAt = 0;
  #exit: string | undefined;
  /** The process as started: its pid and start time, so a later signal never reaches a reused pid. */
  readonly #ref: ProcessRef;
  #signalled: ProcessRef[] = [];

  private constructor(
    readonly process: ChildProcess,
    peer: Peer,
    exited: Promise<string>,
    readonly memoryLimitMb: number,
    /** The last characters the child wrote to stdout and stderr. */
    readonly stdout: Tail,
    readonly stderr: Tail,
  ) {
    this.pid = process.pid!;
    this.#ref = processRef(this.pid);
    this.peer = peer;
    this.exited = exited.then((how) => (this.#exit = how));
  }

  /** How the process ended, once it has. */
  get exit(): string | undefined {
    return this.#exit;
  }

  /** Spawns a child and waits until it answers a ping; throws `ChildStartError` naming why not. */
  static async start(options: ChildOptions): Promise<PooledChild> {
    const prepared = await prepareCommunicator(options.communicator);
    const execArgv = [`--max-old-space-size=${options.memoryLimitMb}`, ...CHILD_V8_FLAGS, ...options.nodeArgs];
    if (CHILD_MAIN.endsWith('.ts')) execArgv.push('--import', 'tsx');
    const proc = spawn(process.execPath, [...execArgv, CHILD_MAIN], {
      detached: true,
      stdio: prepared.stdio,
      env: { ...process.env, ...prepared.env },
    });
    const stdout = new Tail();
    const stderr = new Tail();
    proc.stdout?.setEncoding('utf8').on('data', (c: string) => stdout.push(c));
    proc.stderr?.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
    const exited = new Promise<string>((resolve) => {
      proc.once('exit', (code, signal) => resolve(describeExit(code, signal)));
      proc.once('error', (error) => resolve(`could not be spawned (${error.message})`));
    });
    const startedAt = performance.now();
    const deadline = AbortSignal.timeout(options.startTimeoutMs);
    const fail = async (why: string): Promise<never> => {
      if (proc.pid !== undefined) signalTree(proc.pid, 'SIGKILL');
      await prepared.dispose();
      const err = stderr.toString().trim();
      throw new ChildStartError(`child process ${why}${err ? `; its stderr ends with:\n${err.slice(-2_000)}` : ''}`);
    };
    const gaveUp = `did not become ready within ${options.startTimeoutMs} ms (startTimeoutMs)`;
    let peer: Peer;
    try {
      const communicator = await Promise.race([prepared.connect(proc, deadline), exited.then((how) => Promise.reject(new Error(how)))]);
      peer = new Peer(communicator, { id: `worker:${process.pid}`, handlers: options.hostFunctions });
      const remaining = Math.max(1, options.startTimeoutMs - (performance.now() - startedAt));
      await Promise.race([peer.call('self', 'ping', null, { timeoutMs: remaining }), exited.then((how) => Promise.reject(new Error(how)))]);
    } catch (error) {
      const exitedHow = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(r, 50, undefined))]);
      return fail(exitedHow ? `${exitedHow} before it was ready` : `${gaveUp} (${(error as Error).message})`);
    }
    const child = new PooledChild(proc, peer, exited, options.memoryLimitMb, stdout, stderr);
    void prepared.dispose();
    options.log.debug({ pid: child.pid, communicator: options.communicator }, 'child process started');
    return child;
  }

  /** Whether the process is still there and its channel open. */
  get usable(): boolean {
    return this.#exit === undefined && this.stoppedFor === undefined && this.peer.isOpen;
  }

  /**
   * Stops the child's whole process tree: SIGTERM, then SIGKILL after `graceMs` if anything of it is
   * still running. `reason` is kept as {@link stoppedFor} (the first one wins).
   */
  async terminate(reason: string, graceMs: number): Promise<void> {
    this.stoppedFor ??= reason;
    // The grace ends early when the child exits: its descendants, gathered when SIGTERM went out, are then killed at once.
    const stop = stopTree(this.#ref, () => Promise.race([this.exited, new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref())]), {
      known: this.#signalled,
      sigterm: this.#exit === undefined,
      killAnyway: () => this.#exit === undefined,
    });
    this.#signalled = stop.signalled;
    this.#signalled = (await stop.killed) ?? this.#signalled;
    await Promise.race([this.exited, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]);
  }

  /** SIGKILL to the whole tree, at once (forced stop, process exit). */
  killNow(reason: string): void {
    this.stoppedFor ??= reason;
    this.#signalled = signalTree(this.#ref, 'SIGKILL', this.#signalled);
  }
}
