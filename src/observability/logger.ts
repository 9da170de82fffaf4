import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

/** Log levels, quietest last. */
export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** @default 'info' */
  level?: LevelWithSilent;
  /** Human-readable lines instead of JSON. @default true when stderr is a terminal */
  pretty?: boolean;
  /** Where lines go. @default stderr */
  destination?: NodeJS.WritableStream;
}

/** True when `value` is one of pino's level names. */
export function isLogLevel(value: string): value is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * The logger the CLIs use: pino, readable on a terminal, JSON lines otherwise (for log shippers).
 * Every line a task logs carries domain, task list, activity type and version, activity id,
 * workflow id, run id and the token's digest.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const destination = options.destination ?? process.stderr;
  const readable = options.pretty ?? Boolean((destination as { isTTY?: boolean }).isTTY);
  if (readable) {
    return pino({ level }, pretty({ destination, colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino({ level }, destination === process.stderr ? pino.destination({ fd: 2, sync: true }) : destination);
}
