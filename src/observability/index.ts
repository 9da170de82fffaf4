/** Logs and metrics operators expect. */
export { createLogger, isLogLevel, LOG_LEVELS, type CreateLoggerOptions } from './logger.js';
export {
  prometheusMetrics,
  serveMetrics,
  type MetricsServer,
  type PrometheusMetricsOptions,
  type PrometheusWorkerMetrics,
} from './metrics.js';
