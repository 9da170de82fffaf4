import { InvalidArgumentError, type Command } from 'commander';

/** commander argParser: a whole number of at least 1. Commander names the flag in the message. */
export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number of at least 1, e.g. 4; got ${JSON.stringify(value)}.`);
  }
  return n;
}

/** commander argParser: a TCP port, 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) {
    throw new InvalidArgumentError(`expected a port from 0 (any free port) to 65535; got ${JSON.stringify(value)}.`);
  }
  return n;
}

/** commander argParser: an http(s) URL. */
export function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected a URL such as http://127.0.0.1:5055; got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`expected an http:// or https:// URL; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** commander argParser for a repeatable option: collects every value, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Makes the options named by their long flags (`--domain`) required. Unlike commander's
 * `requiredOption`, the check runs after unknown options are reported, so a typo such as `--domian`
 * is named rather than hidden behind "required option '--domain' not specified".
 */
export function requireOptions(command: Command, ...longFlags: string[]): Command {
  return command.hook('preAction', (thisCommand) => {
    for (const option of thisCommand.options) {
      if (option.long && longFlags.includes(option.long) && thisCommand.getOptionValue(option.attributeName()) === undefined) {
        thisCommand.error(`error: required option '${option.flags}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
          exitCode: 2,
        });
      }
    }
  });
}

/** commander argParser for `--messaging`: a redis:// or rediss:// URL. */
export function parseMessagingUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    throw new InvalidArgumentError(`expected a Redis URL such as redis://127.0.0.1:6379 (rediss:// for TLS); got ${JSON.stringify(value)}.`);
  }
  return value;
}
