import { Option, type Command } from 'commander';
import { asyncScheduler, type AsyncScheduler } from '../async-scheduler/index.js';
import type { RespondOutcome } from '../swf/respond.js';
import { safeJsonParse } from '../swf/codec.js';
import { tokenDigest } from '../swf/token.js';
import { parsePositiveInteger, parseUrl } from './parsers.js';
import { describeError, EXIT, UsageError, type CliRun } from './run.js';

/** Attempts per call of the task commands before a transient error is reported. */
export const DEFAULT_MAX_ATTEMPTS = 10;

/** The flags every task command takes. */
export interface SwfFlags {
  region?: string;
  endpoint?: string;
  maxAttempts: number;
}

/** Adds `--region`, `--endpoint` and `--max-attempts` to a command that calls SWF by token. */
export function addSwfOptions(command: Command): Command {
  return command
    // A token may begin with '-' (base64url): such an operand is not an option. Unknown options are
    // refused by readToken / readOperand instead, which tell them apart from tokens.
    .allowUnknownOption()
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .addOption(new Option('--endpoint <url>', 'SWF endpoint URL (default: $AWS_ENDPOINT_URL_SWF, else AWS)').argParser(parseUrl))
    .addOption(
      new Option('--max-attempts <n>', 'attempts in all before a transient error (throttling, 5xx, network) is reported')
        .argParser(parsePositiveInteger)
        .default(DEFAULT_MAX_ATTEMPTS),
    );
}

/**
 * Refuses an operand that is an unknown option (`--endpiont`, `-x`): commander passes them through so
 * that a token beginning with '-' is taken as a token.
 */
function refuseUnknownOption(what: string, value: string | undefined): void {
  if (value === undefined || value === '-' || !value.startsWith('-')) return;
  if (value.startsWith('--') || value.length <= 2) {
    throw new UsageError(`unknown option '${value}' where the ${what} goes; see --help for the options of this command`);
  }
}

/** Reads the token argument: `-` means standard input (keeps it out of `ps`). */
async function readToken(run: CliRun, tokenArg: string): Promise<string> {
  refuseUnknownOption('token', tokenArg);
  const token = tokenArg === '-' ? (await run.io.readStdin()).trim() : tokenArg;
  run.secret(token);
  return token;
}

async function withScheduler<T>(run: CliRun, flags: SwfFlags, fn: (scheduler: AsyncScheduler) => Promise<T>): Promise<T> {
  const scheduler = asyncScheduler({
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    maxAttempts: flags.maxAttempts,
    onRetry: (error, attempt, delayMs) => {
      run.io.stderr(run.redact(`retrying in ${delayMs} ms (attempt ${attempt + 2} of ${flags.maxAttempts}) after ${describeError(error)}\n`));
    },
  });
  try {
    return await fn(scheduler);
  } finally {
    scheduler.close();
  }
}

function report(run: CliRun, verb: string, token: string, outcome: RespondOutcome): number {
  const note = outcome === 'probably-applied' ? ' (probably: a retry found the task already closed, most likely by the attempt before it)' : '';
  run.io.stdout(`${verb} task ${tokenDigest(token)}${note}\n`);
  return EXIT.ok;
}

/** `complete <token> [result-json]`: the result from the argument, or standard input when `-`. */
export async function completeTask(run: CliRun, tokenArg: string, resultArg: string | undefined, flags: SwfFlags): Promise<number> {
  if (tokenArg === '-' && resultArg === '-') {
    throw new UsageError('the token and the result cannot both come from standard input; pass one of them as an argument');
  }
  if (resultArg?.startsWith('--')) refuseUnknownOption('result', resultArg);
  const token = await readToken(run, tokenArg);
  const text = resultArg === '-' ? await run.io.readStdin() : resultArg;
  let result: unknown;
  if (text !== undefined) {
    try {
      result = safeJsonParse(text);
    } catch (error) {
      throw new UsageError(
        `result must be JSON (${(error as Error).message}); quote a string as '"done"', or pass an object like '{"approved": true}'`,
      );
    }
  }
  const outcome = await withScheduler(run, flags, (s) => s.complete(token, result));
  return report(run, 'completed', token, outcome);
}

/** `fail <token> --reason R [--details D]`. */
export async function failTask(run: CliRun, tokenArg: string, flags: SwfFlags & { reason: string; details?: string }): Promise<number> {
  const token = await readToken(run, tokenArg);
  const outcome = await withScheduler(run, flags, (s) => s.fail(token, flags.reason, flags.details));
  return report(run, 'failed', token, outcome);
}

/** `cancel <token> [--details D]`. */
export async function cancelTask(run: CliRun, tokenArg: string, flags: SwfFlags & { details?: string }): Promise<number> {
  const token = await readToken(run, tokenArg);
  const outcome = await withScheduler(run, flags, (s) => s.cancel(token, flags.details));
  return report(run, 'canceled', token, outcome);
}

/** `heartbeat <token> [--details D]`: prints `cancelRequested: true|false`; exits 3 when true. */
export async function heartbeatTask(run: CliRun, tokenArg: string, flags: SwfFlags & { details?: string }): Promise<number> {
  const token = await readToken(run, tokenArg);
  const carryOn = await withScheduler(run, flags, (s) => s.heartbeat(token, flags.details));
  run.io.stdout(`cancelRequested: ${!carryOn}\n`);
  return carryOn ? EXIT.ok : EXIT.cancelRequested;
}
