import { Option, type Command } from 'commander';
import { parsePort, parsePositiveInteger, parseUrl, requireOptions } from './parsers.js';
import { EXIT, nextSignal, type CliRun } from './run.js';
import { LOG_LEVELS } from './worker-command.js';

/** The flags of `flowy-swf callbacks`. */
export interface CallbacksFlags {
  port: number;
  host: string;
  secretFile: string;
  publicUrl: string;
  region?: string;
  endpoint?: string;
  maxInFlight?: number;
  swfRetryBudget?: number;
  metricsPort?: number;
  metricsHost?: string;
  logLevel: (typeof LOG_LEVELS)[number];
}

/** Adds the flags of `flowy-swf callbacks` to `command`. */
export function addCallbacksOptions(command: Command): Command {
  return requireOptions(command, '--secret-file', '--public-url')
    .addOption(new Option('--port <port>', 'port to listen on; 0 picks a free one').argParser(parsePort).default(8080))
    .option('--host <host>', 'address to listen on; keep loopback behind a TLS reverse proxy', '127.0.0.1')
    .option('--secret-file <path>', 'callback secrets, one per line, current first: the file the workers read (required)')
    .addOption(new Option('--public-url <url>', 'the URL third parties reach this service at, as the workers\' --callback-url (required)').argParser(parseUrl))
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .addOption(new Option('--endpoint <url>', 'SWF endpoint URL (default: $AWS_ENDPOINT_URL_SWF, else AWS)').argParser(parseUrl))
    .addOption(new Option('--max-in-flight <n>', 'most SWF calls at once; callbacks beyond them get 429 with Retry-After (default: 256)').argParser(parsePositiveInteger))
    .addOption(
      new Option('--swf-retry-budget <seconds>', 'how long one callback retries transient SWF errors before it gets 503 (default: 10)').argParser(parsePositiveInteger),
    )
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default: off)').argParser(parsePort))
    .option('--metrics-host <host>', 'interface the metrics server binds (default: 127.0.0.1)')
    .addOption(new Option('--log-level <level>', 'log level; lines are readable on a terminal, JSON otherwise').choices(LOG_LEVELS).default('info'));
}

/**
 * `callbacks --secret-file F --public-url URL [--port 8080]`: runs the callback service until
 * SIGINT/SIGTERM, then lets callbacks in flight finish. Prints the bound URL alone on standard output.
 */
export async function runCallbacks(run: CliRun, flags: CallbacksFlags): Promise<number> {
  const [{ startCallbackServer }, { createLogger }] = await Promise.all([import('../delegation/index.js'), import('../observability/index.js')]);
  const logger = createLogger({ level: flags.logLevel });
  const server = await startCallbackServer({
    secretFile: flags.secretFile,
    publicUrl: flags.publicUrl,
    port: flags.port,
    host: flags.host,
    logger,
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    ...(flags.maxInFlight !== undefined ? { maxInFlight: flags.maxInFlight } : {}),
    ...(flags.swfRetryBudget !== undefined ? { swfRetryBudgetMs: flags.swfRetryBudget * 1000 } : {}),
    ...(flags.metricsPort !== undefined ? { metricsPort: flags.metricsPort } : {}),
    ...(flags.metricsHost !== undefined ? { metricsHost: flags.metricsHost } : {}),
  });
  const signal = nextSignal();
  run.io.stdout(`${server.url}\n`);
  const received = await signal;
  logger.info({ signal: received }, 'closing the callback service; callbacks in flight finish first');
  await server.close();
  return EXIT.ok;
}
