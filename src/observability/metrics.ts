import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkerMetrics } from '../worker/index.js';

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Where the metrics are registered. @default a new prom-client `Registry` */
  registry?: Registry;
  /** Prefix of every metric name. @default 'flowy_swf_' */
  prefix?: string;
  /** Labels added to every metric, e.g. `{ domain, task_list }`. @default {} */
  labels?: Record<string, string>;
  /** Buckets of the execution-time histogram, in seconds. @default [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900] */
  buckets?: number[];
}

/** A {@link WorkerMetrics} sink backed by prom-client, and the registry it writes to. */
export interface PrometheusWorkerMetrics extends WorkerMetrics {
  readonly registry: Registry;
}

/**
 * Worker metrics for Prometheus. Every metric is documented in docs/observability.md:
 * `polls_total{outcome}`, `tasks_total{activity_type,version,outcome}`, `task_duration_seconds`,
 * `slots_in_use`, `heartbeats_total{outcome}`, `swf_calls_total{operation,outcome}`, `swf_retries_total{operation}`.
 */
export function prometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusWorkerMetrics {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? 'flowy_swf_';
  if (options.labels) registry.setDefaultLabels(options.labels);
  const registers = [registry];
  const polls = new Counter({ name: `${prefix}polls_total`, help: 'PollForActivityTask calls by outcome: task, empty, error.', labelNames: ['outcome'], registers });
  const tasks = new Counter({
    name: `${prefix}tasks_total`,
    help: 'Activity tasks by type, version and outcome: completed, failed, canceled, suspended, timed-out.',
    labelNames: ['activity_type', 'version', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: `${prefix}task_duration_seconds`,
    help: 'Time from a task arriving on a poll to its response taking effect, in seconds.',
    labelNames: ['activity_type', 'version', 'outcome'],
    buckets: options.buckets ?? [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
    registers,
  });
  const slots = new Gauge({ name: `${prefix}slots_in_use`, help: 'Worker slots held now: open polls plus running tasks.', registers });
  const heartbeats = new Counter({
    name: `${prefix}heartbeats_total`,
    help: 'RecordActivityTaskHeartbeat calls by outcome: ok, cancel-requested, closed, error.',
    labelNames: ['outcome'],
    registers,
  });
  const calls = new Counter({ name: `${prefix}swf_calls_total`, help: 'SWF calls by operation and outcome (after retries): ok, error.', labelNames: ['operation', 'outcome'], registers });
  const progress = new Counter({
    name: `${prefix}activity_progress_total`,
    help: 'Progress values activities yielded (async *run), by type and version.',
    labelNames: ['activity_type', 'version'],
    registers,
  });
  const retries = new Counter({ name: `${prefix}swf_retries_total`, help: 'SWF calls retried after a transient error, by operation.', labelNames: ['operation'], registers });
  return {
    registry,
    poll: (outcome) => polls.inc({ outcome }),
    taskFinished: (activityType, version, outcome, seconds) => {
      tasks.inc({ activity_type: activityType, version, outcome });
      duration.observe({ activity_type: activityType, version, outcome }, seconds);
    },
    slotsInUse: (n) => slots.set(n),
    heartbeat: (outcome) => heartbeats.inc({ outcome }),
    swfCall: (operation, outcome) => calls.inc({ operation, outcome }),
    swfRetry: (operation) => retries.inc({ operation }),
    progress: (activityType, version) => progress.inc({ activity_type: activityType, version }),
  };
}

/** A running `/metrics` HTTP server. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `registry` at `/metrics` in Prometheus's text format.
 * @param port 0 picks a free port.
 * @param host @default '127.0.0.1'; bind `0.0.0.0` for a scraper on another host.
 */
export async function serveMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${boundPort}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
