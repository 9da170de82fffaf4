import { CommanderError, type Command } from 'commander';
import { FlowySwfError, LimitError } from '../swf/errors.js';
import { tokenDigest } from '../swf/token.js';

/**
 * Exit codes of the flowy-swf CLIs.
 * - `ok` 0: done (and `--help`, `--version`).
 * - `failure` 1: the command ran and failed: task closed, configuration or registration problem, SWF error.
 * - `usage` 2: the command line is wrong (flags, arguments, a malformed token, a value over SWF's limits); nothing was sent.
 * - `cancelRequested` 3: `heartbeat` recorded, and the workflow asked to cancel the task.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, cancelRequested: 3 } as const;

/** A mistake on the command line, found by an action rather than by commander. Exits 2. */
export class UsageError extends FlowySwfError {
  override name = 'UsageError';
}

/** Where a CLI reads and writes. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input, as text. */
  readStdin(): Promise<string>;
}

/** The process's own standard streams. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  },
};

/**
 * One run of a CLI: wraps actions so they can set the exit code, maps errors to exit codes, and
 * keeps task tokens out of every message it prints.
 */
export class CliRun {
  /** The exit code an action asked for. */
  private exitCode: number = EXIT.ok;
  private readonly secrets = new Set<string>();

  constructor(readonly io: CliIo = processIo) {}

  /** Wraps an action: a number it resolves to becomes the exit code. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
    return async (...args: A) => {
      const code = await fn(...args);
      if (typeof code === 'number') this.exitCode = code;
    };
  }

  /** Marks a task token as a secret: from now on it is printed as its digest only. */
  secret(taskToken: string): void {
    if (taskToken.length > 0) this.secrets.add(taskToken);
  }

  /** `text` with every known token replaced by `<token digest>`. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(`<token ${tokenDigest(secret)}>`);
    return out;
  }

  /** Prints an error to stderr, without stack and without tokens. */
  error(message: string): void {
    this.io.stderr(`error: ${this.redact(message)}\n`);
  }

  /**
   * Parses `argv` (as `process.argv`: node, script, args...) and runs the action. Resolves the exit
   * code; never rejects. `program` must have `exitOverride()` set before its subcommands were added.
   */
  async run(program: Command, argv: readonly string[]): Promise<number> {
    try {
      await program.parseAsync([...argv]);
      return this.exitCode;
    } catch (error) {
      return this.report(error);
    }
  }

  private report(error: unknown): number {
    if (error instanceof CommanderError) {
      // commander has printed its message already; help and version exit 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError || error instanceof LimitError) {
      this.error(error.message);
      return EXIT.usage;
    }
    if (error instanceof FlowySwfError) {
      this.error(error.message);
      return EXIT.failure;
    }
    this.error(describeError(error));
    return EXIT.failure;
  }
}

/** `Name: message` for an SWF fault, `CODE: message` for a network error, without the stack. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const what = error.name && error.name !== 'Error' ? error.name : typeof code === 'string' ? code : 'Error';
  const message = error.message || '(no message)';
  return message.startsWith(`${what}:`) ? message : `${what}: ${message}`;
}

/** Resolves with the first of SIGINT / SIGTERM. */
export function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
