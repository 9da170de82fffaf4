import { Option, type Command } from 'commander';
import type { StartActivityWorkerOptions } from '../boilerplate/index.js';
import { collect, parseMessagingUrl, parsePort, parsePositiveInteger, parseUrl, requireOptions } from './parsers.js';

/** The log levels `--log-level` takes (pino's). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** The flags of a worker command, as commander parses them. */
export interface WorkerFlags {
  domain: string;
  taskList: string;
  package?: string[];
  ignore?: string[];
  region?: string;
  endpoint?: string;
  identity?: string;
  maxConcurrent?: number;
  register: boolean;
  loop?: number;
  autoHeartbeat?: boolean;
  executor?: 'inline' | 'process';
  shutdownGrace?: number;
  maxHeartbeatsPerSecond?: number;
  metricsPort?: number;
  metricsHost?: string;
  callbackSecretFile?: string;
  callbackUrl?: string;
  messaging?: string;
  transport?: 'auto' | 'lean' | 'sdk';
  logLevel: (typeof LOG_LEVELS)[number];
}

/**
 * Adds the worker flags to `command`: used by `start-activity-worker` and by `flowy-swf worker`, so
 * both take the same flags with the same defaults.
 */
export function addWorkerOptions(command: Command): Command {
  return requireOptions(command, '--domain', '--task-list')
    .option('--domain <name>', 'SWF domain to poll (required)')
    .option('--task-list <name>', 'SWF task list to poll (required)')
    .option('--package <path>', 'file, directory or glob to scan for @activity classes (repeatable)', collect)
    .option('--ignore <glob>', 'glob to skip while scanning (repeatable)', collect)
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .addOption(new Option('--endpoint <url>', 'SWF endpoint URL (default: $AWS_ENDPOINT_URL_SWF, else AWS)').argParser(parseUrl))
    .option('--identity <name>', 'who polls, as SWF records it in history; at most 256 characters (default: hostname:pid)')
    .addOption(
      new Option('--max-concurrent <n>', 'most tasks run at once (default: 100)').argParser(parsePositiveInteger),
    )
    .option('--no-register', 'do not register activity types with SWF before polling')
    .addOption(new Option('--loop <n>', 'start this many polls, then drain and stop (default: run until SIGINT/SIGTERM)').argParser(parsePositiveInteger))
    .option('--auto-heartbeat', 'heartbeat running tasks automatically')
    .addOption(
      new Option('--executor <name>', "where activities run unless their @activity says: inline (the worker's event loop) or process (pooled child processes) (default: inline)").choices([
        'inline',
        'process',
      ]),
    )
    .addOption(
      new Option('--shutdown-grace <seconds>', 'on SIGINT/SIGTERM, how long running tasks and open polls get before tasks are aborted and polls abandoned; the stop ends within it plus 0.5 s (default: 25)').argParser(
        parsePositiveInteger,
      ),
    )
    .addOption(
      new Option('--max-heartbeats-per-second <n>', 'most heartbeat calls per second for the whole worker; SWF allows 160 per account (default: 100)').argParser(
        parsePositiveInteger,
      ),
    )
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (default: off)').argParser(parsePort))
    .option('--metrics-host <host>', 'interface the metrics server binds (default: 127.0.0.1)')
    .option('--callback-secret-file <path>', 'callback secrets for delegate(), one per line, current first (default: $FLOWY_SWF_CALLBACK_SECRET_FILE)')
    .addOption(new Option('--callback-url <url>', 'public URL of the callback service, for delegate() (default: $FLOWY_SWF_CALLBACK_URL)').argParser(parseUrl))
    .addOption(
      new Option('--messaging <url>', 'route invocation messages through Redis at redis://[user:password@]host:port[/db] (default: in-process)').argParser(
        parseMessagingUrl,
      ),
    )
    .addOption(new Option('--transport <path>', 'path of the hot SWF calls: the lean transport or the AWS SDK (default: auto, i.e. lean)').choices(['auto', 'lean', 'sdk']))
    .addOption(
      new Option('--log-level <level>', 'log level; lines are readable on a terminal, JSON otherwise').choices(LOG_LEVELS).default('info'),
    );
}

/** Turns parsed worker flags into the options of `startActivityWorker`, minus the logger. */
export function workerOptions(flags: WorkerFlags): StartActivityWorkerOptions {
  return {
    domain: flags.domain,
    taskList: flags.taskList,
    packages: flags.package ?? [],
    ignore: flags.ignore ?? [],
    registerRemote: flags.register,
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    ...(flags.identity !== undefined ? { identity: flags.identity } : {}),
    ...(flags.maxConcurrent !== undefined ? { maxConcurrentTasks: flags.maxConcurrent } : {}),
    ...(flags.loop !== undefined ? { loop: flags.loop } : {}),
    ...(flags.autoHeartbeat ? { autoHeartbeat: true } : {}),
    ...(flags.executor !== undefined ? { executor: flags.executor } : {}),
    ...(flags.shutdownGrace !== undefined ? { shutdownGraceMs: flags.shutdownGrace * 1000 } : {}),
    ...(flags.maxHeartbeatsPerSecond !== undefined ? { maxHeartbeatsPerSecond: flags.maxHeartbeatsPerSecond } : {}),
    ...(flags.metricsPort !== undefined ? { metricsPort: flags.metricsPort } : {}),
    ...(flags.metricsHost !== undefined ? { metricsHost: flags.metricsHost } : {}),
    ...(flags.callbackSecretFile !== undefined ? { callbackSecretFile: flags.callbackSecretFile } : {}),
    ...(flags.callbackUrl !== undefined ? { callbackUrl: flags.callbackUrl } : {}),
    ...(flags.messaging !== undefined ? { messaging: { redis: flags.messaging } } : {}),
    ...(flags.transport !== undefined ? { transport: flags.transport } : {}),
  };
}

/**
 * Runs an activity worker with the given flags until a clean shutdown. Rejects with the errors of
 * `startActivityWorker` (configuration, scan, registration mismatch), which the CLI turns into exit 1.
 */
export async function runWorker(flags: WorkerFlags): Promise<void> {
  // Imported here so the other commands of flowy-swf do not load the worker.
  const [{ startActivityWorker }, { createLogger }] = await Promise.all([import('../boilerplate/index.js'), import('../observability/index.js')]);
  const logger = createLogger({ level: flags.logLevel });
  await startActivityWorker({ ...workerOptions(flags), logger });
}
