import type { SWFClient } from '@aws-sdk/client-swf';
import type { Logger } from 'pino';
import { ConfigurationError, FlowySwfError } from '../swf/errors.js';
import { createSwfClient } from '../swf/client.js';
import { assertSwfName } from '../swf/limits.js';
import { defaultRegistry, registerActivityTypes, scan } from '../scanner/index.js';
import { Worker, type WorkerOptions } from '../worker/index.js';
import { resolveDelegator } from '../delegation/delegator.js';
import { RedisRouter, redactUrl, type MessageRouter, type RedisRouterOptions } from '../messaging/index.js';
import { createLogger, prometheusMetrics, serveMetrics, type MetricsServer } from '../observability/index.js';
import { installSignalHandlers } from './signals.js';

/** Options of {@link startActivityWorker}. Anything not named here is passed to the {@link Worker}. */
export interface StartActivityWorkerOptions
  extends Partial<Omit<WorkerOptions, 'client' | 'registry' | 'domain' | 'taskList' | 'logger' | 'messaging'>> {
  /** The SWF domain to poll. */
  domain: string;
  /** The task list to poll. */
  taskList: string;
  /** A ready SWF client. @default createSwfClient({ region, endpoint }) */
  client?: Pick<SWFClient, 'send'>;
  /** AWS region, when no client is given. @default process.env.AWS_REGION */
  region?: string;
  /** Endpoint URL, when no client is given. @default process.env.AWS_ENDPOINT_URL_SWF */
  endpoint?: string;
  /** Register every activity type with its defaults before polling (Flowy's `reg_remote`). @default true */
  registerRemote?: boolean;
  /** Files, directories and globs to scan for `@activity` classes. @default [] (only what is already imported) */
  packages?: string[];
  /** Globs to skip while scanning. @default [] */
  ignore?: string[];
  /** Structured logger. @default createLogger({ level: 'info' }): pino on stderr, readable on a terminal, JSON otherwise */
  logger?: Logger;
  /** Shut down gracefully on SIGINT/SIGTERM; a second signal stops at once. @default true */
  handleSignals?: boolean;
  /**
   * Serve Prometheus metrics at `http://metricsHost:metricsPort/metrics` (see docs/observability.md).
   * Ignored when `metrics` is given. @default undefined (no metrics served)
   */
  metricsPort?: number;
  /** Host the metrics server binds. @default '127.0.0.1' */
  metricsHost?: string;
  /**
   * How running activities reach each other (docs/messaging.md): a router, or `{ redis: url }` for a
   * `RedisRouter` the worker connects before polling and closes when it stops (other `RedisRouterOptions`
   * may go beside `redis`). @default the process's shared in-process router
   */
  messaging?: MessageRouter | ({ redis: string } & Omit<RedisRouterOptions, 'url'>);
  /** Called with the worker once it is built, before it polls: for metrics, tests, or a shutdown of your own. */
  onWorker?: (worker: Worker) => void;
  /**
   * File of callback secrets for `delegate()`, one per line, current first: the callback service reads the same file.
   * @default process.env.FLOWY_SWF_CALLBACK_SECRET_FILE (none: `delegate()` rejects, saying what to set)
   */
  callbackSecretFile?: string;
  /** Callback secrets given directly, current first, instead of a file. @default undefined */
  callbackSecrets?: readonly string[];
  /** Public URL of the callback service, e.g. `https://hooks.example.com`. @default process.env.FLOWY_SWF_CALLBACK_URL */
  callbackUrl?: string;
}

/**
 * Scans for activities, registers them with SWF, and runs a worker on `taskList` until it is shut down
 * (SIGINT/SIGTERM) or `loop` polls are done. Flowy's `start_activity_worker`.
 *
 * Rejects with `ConfigurationError` for options that cannot work, `ScanError` when a module fails to
 * import, and `RegistrationMismatchError` when SWF holds a type with other defaults.
 */
export async function startActivityWorker(options: StartActivityWorkerOptions): Promise<void> {
  // Checked before the scan, so a typo fails at once; the worker checks every other option.
  assertSwfName('domain', options.domain);
  assertSwfName('taskList', options.taskList);
  const logger = options.logger ?? createLogger({ level: 'info' });
  const registry = defaultRegistry();
  const packages = options.packages ?? [];
  if (packages.length > 0) await scan({ packages, ignore: options.ignore ?? [], registry, logger });
  const activities = registry.list();
  if (activities.length === 0) {
    throw new ConfigurationError(
      packages.length > 0
        ? `no @activity classes found in ${packages.join(', ')}; decorate your Activity subclasses with @activity(name, version, taskList)`
        : 'no @activity classes are registered; pass packages (--package) naming the files or directories that hold them',
    );
  }
  warnOnOtherTaskLists(logger, options.taskList, activities);
  const { region, endpoint, registerRemote, packages: _p, ignore: _i, handleSignals, onWorker, metricsPort, metricsHost, callbackSecretFile, callbackSecrets, callbackUrl, messaging, ...rest } = options;
  const delegator = rest.delegator ?? resolveDelegator({ callbackSecretFile, callbackSecrets, callbackUrl });
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535)) {
    throw new ConfigurationError(`metricsPort is ${metricsPort}; give a port from 0 to 65535 (0 picks a free one)`);
  }
  const metrics =
    metricsPort !== undefined && !rest.metrics ? prometheusMetrics({ labels: { domain: options.domain, task_list: options.taskList } }) : undefined;
  const ownClient = options.client ? undefined : createSwfClient({ region, endpoint });
  const client = options.client ?? ownClient!;
  let metricsServer: MetricsServer | undefined;
  let ownRouter: RedisRouter | undefined;
  try {
    const router = await messagingRouter(messaging, logger);
    if (router instanceof RedisRouter && router !== messaging) ownRouter = router;
    // The worker checks its options when built: a bad option fails here, before any call to SWF.
    const worker = new Worker({ ...rest, ...(metrics ? { metrics } : {}), ...(delegator ? { delegator } : {}), ...(router ? { messaging: router } : {}), client, registry, logger });
    if (registerRemote ?? true) {
      await registerActivityTypes(client, options.domain, activities, {
        logger,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.backoff ? { backoff: options.backoff } : {}),
      });
    }
    if (metrics) {
      metricsServer = await serveMetrics(metrics.registry, metricsPort ?? 0, metricsHost);
      logger.info({ url: metricsServer.url }, 'serving metrics');
    }
    onWorker?.(worker);
    const signals = (handleSignals ?? true) ? installSignalHandlers(worker, logger, worker.shutdownGraceMs) : undefined;
    logger.info(
      { domain: options.domain, taskList: options.taskList, activities: activities.map((a) => `${a.name}@${a.version}`) },
      'activity worker started',
    );
    try {
      await worker.run();
    } finally {
      signals?.remove();
    }
    const unreported = worker.runningTasks;
    // A stop you started through the worker (onWorker) is yours to judge; one a signal started is reported.
    if (unreported > 0 && signals?.received()) {
      signals?.exitIfTasksHold(1);
      const why = signals?.forcedBy()
        ? `the worker was stopped at once by a second ${signals.forcedBy()}`
        : `the shutdown grace period (${worker.shutdownGraceMs} ms) ran out and the tasks did not end when their signal was aborted`;
      throw new FlowySwfError(
        `${why}: ${unreported} task(s) it was running were not reported; SWF times them out (start-to-close or heartbeat timeout), then the decider can retry them`,
      );
    }
    if (signals?.forcedBy()) logger.info({ signal: signals.forcedBy() }, 'stopped at once; no task was running, nothing is lost');
  } finally {
    await metricsServer?.close();
    await ownRouter?.close();
    ownClient?.destroy();
  }
  logger.info({ domain: options.domain, taskList: options.taskList }, 'activity worker stopped');
}

/** The router `messaging` asks for: a `RedisRouter` connected now for `{ redis }`, else as given. */
async function messagingRouter(messaging: StartActivityWorkerOptions['messaging'], logger: Logger): Promise<MessageRouter | undefined> {
  if (messaging === undefined || !('redis' in messaging)) return messaging;
  const { redis, ...rest } = messaging;
  try {
    const router = await RedisRouter.connect({
      onWarning: (message, error) => logger.warn({ err: error }, `messaging: ${message}`),
      ...rest,
      url: redis,
    });
    logger.info({ redis: redactUrl(redis), workerId: router.workerId }, 'messaging through Redis');
    return router;
  } catch (error) {
    throw new ConfigurationError(`messaging: ${(error as Error).message}`, { cause: error });
  }
}


/** Says so when no activity found defaults to the task list polled: its tasks are scheduled elsewhere by default. */
function warnOnOtherTaskLists(logger: Logger, taskList: string, activities: readonly { name: string; version: string; taskList: string }[]): void {
  if (activities.some((a) => a.taskList === taskList)) return;
  const lists = [...new Set(activities.map((a) => a.taskList))];
  logger.warn(
    { taskList, activityTaskLists: lists },
    `no activity found defaults to task list ${JSON.stringify(taskList)}, the one this worker polls (they default to ${lists.map((l) => JSON.stringify(l)).join(', ')}); ` +
      'tasks scheduled with their default task list will not reach this worker: check --task-list',
  );
}
