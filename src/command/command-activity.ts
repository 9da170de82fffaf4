/**
 * CommandActivity: an activity that runs a program in any language. Its output is always drained, its
 * exit status decides the outcome, and it may speak the protocol over a Unix socket (the Python helper).
 */
import { spawn } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { Activity } from '../activity/activity.js';
import { acceptOne, listenUnixSocket, Peer, SOCKET_ENV, StreamCommunicator, type Handler } from '../ipc/index.js';
import { Tail } from '../executor/child-process.js';
import { processRef, stopTree } from '../executor/process-tree.js';
import { ConfigurationError, FlowySwfError } from '../swf/errors.js';
import { pythonHelperDir } from './python-path.js';

/** The environment variable that holds the task's invocation id for the program (`flowy_swf_task.invocation_id()`). */
export const INVOCATION_ID_ENV = 'FLOWY_SWF_INVOCATION_ID';

/** What to run: the argv, and optionally environment (added to the worker's), working folder and stdin. */
export interface CommandSpec {
  /** The program and its arguments: `['python3', 'resize.py', '--width', '300']`. */
  argv: string[];
  /** Variables added to the worker's environment. @default {} */
  env?: Record<string, string>;
  /** Working folder. @default the worker's */
  cwd?: string;
  /** Written to the program's stdin, which is then closed. @default stdin is empty */
  input?: string | Buffer;
}

/** How a program ended, for {@link CommandActivity.commandResult}. */
export interface CommandOutput {
  readonly exitCode: number;
  /** The last 8,192 characters of stdout. */
  readonly stdoutTail: string;
  /** The last 8,192 characters of stderr. */
  readonly stderrTail: string;
}

/** The program exited with a non-zero code or was killed by a signal. `details` hold the code, signal and stderr tail. */
export class CommandExitError extends FlowySwfError {
  override name = 'CommandExitError';
  constructor(
    message: string,
    readonly details: { argv: string[]; exitCode: number | null; signal: string | null; stderrTail: string },
  ) {
    super(message);
  }
}

/** The program called `fail(reason, details)`. */
export class CommandFailedError extends FlowySwfError {
  override name = 'CommandFailed';
  constructor(
    reason: string,
    readonly details: unknown,
  ) {
    super(reason);
  }
}

/**
 * An activity that runs a program. Override {@link CommandActivity.command} to return the argv (or a
 * {@link CommandSpec}) for the task's arguments. stdout and stderr are drained whatever their size. Exit 0
 * completes the task with what the program passed to `complete(result)`, else with
 * {@link CommandActivity.commandResult} (the stdout tail); a non-zero exit or a signal fails it naming the
 * code or signal, with the stderr tail in the details. A program that called `fail(reason, details)` fails
 * the task with them, whatever its exit code.
 *
 * The program finds a Unix socket's path in `FLOWY_SWF_SOCKET` and the Python helper on its
 * `PYTHONPATH`: `from flowy_swf_task import heartbeat, complete, fail`, and the task's invocation id in
 * `FLOWY_SWF_INVOCATION_ID` (messages reach it there: docs/messaging.md). When the task's signal aborts
 * (cancel, timeout, shutdown), the program's process tree gets SIGTERM, then SIGKILL after
 * {@link CommandActivity.killGraceMs}.
 */
export abstract class CommandActivity extends Activity {
  /** Between SIGTERM and SIGKILL of the program's tree when the task's signal aborts. @default 2000 */
  killGraceMs = 2_000;

  /** The program to run for these arguments. */
  abstract command(...args: any[]): string[] | CommandSpec | Promise<string[] | CommandSpec>;

  /** The task's result when the program exits 0 without calling `complete()`. @default the stdout tail, trimmed */
  commandResult(output: CommandOutput): unknown {
    return output.stdoutTail.trim();
  }

  async run(...args: unknown[]): Promise<unknown> {
    const spec = checkSpec(await this.command(...args));
    const listening = await listenUnixSocket();
    const ended = new AbortController();
    const reported: { complete?: { result: unknown }; fail?: { reason: string; details: unknown } } = {};
    try {
      const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
        detached: true,
        cwd: spec.cwd,
        stdio: [spec.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...spec.env,
          [SOCKET_ENV]: listening.path,
          [INVOCATION_ID_ENV]: this.info.invocationId,
          PYTHONPATH: [pythonHelperDir(), spec.env?.PYTHONPATH ?? process.env.PYTHONPATH].filter(Boolean).join(':'),
        },
      });
      const stdout = new Tail();
      const stderr = new Tail();
      child.stdout!.setEncoding('utf8').on('data', (c: string) => stdout.push(c));
      child.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
      if (spec.input !== undefined) child.stdin!.on('error', () => {}).end(spec.input);
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve({ code, signal }));
      });
      void this.#serve(listening.server, ended.signal, reported);
      const stop = this.#stopOnAbort(child.pid);
      let how: { code: number | null; signal: NodeJS.Signals | null };
      try {
        how = await exit;
      } catch (error) {
        throw new ConfigurationError(`command ${JSON.stringify(spec.argv[0])} could not be started: ${(error as Error).message}`, { cause: error });
      } finally {
        stop();
      }
      if (this.signal.aborted) throw this.signal.reason;
      if (reported.fail) throw new CommandFailedError(reported.fail.reason, reported.fail.details);
      if (how.code !== 0) {
        const what = how.signal ? `was killed by signal ${how.signal}` : `exited with code ${String(how.code)}`;
        throw new CommandExitError(`command ${spec.argv.join(' ').slice(0, 120)} ${what}`, {
          argv: spec.argv,
          exitCode: how.code,
          signal: how.signal,
          stderrTail: stderr.toString(),
        });
      }
      if (reported.complete) return reported.complete.result;
      return this.commandResult({ exitCode: 0, stdoutTail: stdout.toString(), stderrTail: stderr.toString() });
    } finally {
      ended.abort();
      await listening.dispose();
    }
  }

  /** SIGTERM to the program's tree when the task's signal aborts, SIGKILL after the grace. Returns the undo. */
  #stopOnAbort(pid: number | undefined): () => void {
    let timer: NodeJS.Timeout | undefined;
    // Taken while the program is surely running (its exit is not yet reaped): its pid and start time.
    const program = pid === undefined ? undefined : processRef(pid);
    const onAbort = (): void => {
      if (program === undefined) return;
      void stopTree(program, () => new Promise((resolve) => (timer = setTimeout(resolve, this.killGraceMs))));
    };
    if (this.signal.aborted) onAbort();
    else this.signal.addEventListener('abort', onAbort, { once: true });
    return () => {
      this.signal.removeEventListener('abort', onAbort);
      // A program killed by SIGTERM may leave descendants: the SIGKILL still goes out after the grace.
      timer?.unref();
    };
  }

  /** Serves the program's calls: `task.heartbeat`, `task.complete`, `task.fail`, and every host function. */
  async #serve(server: Server, ended: AbortSignal, reported: { complete?: { result: unknown }; fail?: { reason: string; details: unknown } }): Promise<void> {
    let socket: Socket;
    try {
      socket = await acceptOne(server, ended);
    } catch {
      return; // the program never connected: it does not use the helper
    }
    const handlers: Record<string, Handler> = {
      'task.heartbeat': (args) => this.heartbeat((args as { details?: unknown } | null)?.details),
      'task.complete': (args) => {
        reported.complete = { result: (args as { result?: unknown } | null)?.result ?? null };
        return null;
      },
      'task.fail': (args) => {
        const a = (args ?? {}) as { reason?: unknown; details?: unknown };
        reported.fail = { reason: typeof a.reason === 'string' ? a.reason : 'the program reported a failure', details: a.details ?? null };
        return null;
      },
    };
    const peer = new Peer(new StreamCommunicator('socket', socket, socket), {
      id: `worker:${process.pid}`,
      // The call's signal aborts when the program cancels the call or goes away: a wait it left is abandoned.
      handlers: (ns, func) => handlers[`${ns}.${func}`] ?? ((args, call) => this.callHost(ns, func, args, { signal: call.signal })),
    });
    const close = (): void => void peer.close();
    ended.addEventListener('abort', close, { once: true });
    await peer.closed;
    ended.removeEventListener('abort', close);
  }
}

function checkSpec(value: unknown): CommandSpec {
  const spec: CommandSpec = Array.isArray(value) ? { argv: value as string[] } : (value as CommandSpec);
  if (!spec || !Array.isArray(spec.argv) || spec.argv.length === 0 || spec.argv.some((a) => typeof a !== 'string')) {
    throw new ConfigurationError(
      'command() must return the argv to run, a non-empty list of strings such as [\'python3\', \'job.py\'], or { argv, env?, cwd?, input? }',
    );
  }
  if (spec.env !== undefined && (typeof spec.env !== 'object' || Object.values(spec.env).some((v) => typeof v !== 'string'))) {
    throw new ConfigurationError('command(): env must map names to string values');
  }
  return spec;
}
