import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the callback service reports; every method may be left out. */
export interface CallbackMetrics {
  /** One request answered: its state (or `none` before the body was read) and HTTP status. */
  callback(state: string, status: number, seconds: number): void;
  /** SWF calls in flight now. */
  inFlight(n: number): void;
  /** An SWF call retried after a transient error. */
  swfRetry(operation: string): void;
}

/** Options of {@link prometheusCallbackMetrics}. */
export interface PrometheusCallbackMetricsOptions {
  /** @default a new prom-client `Registry` */
  registry?: Registry;
  /** @default 'flowy_swf_' */
  prefix?: string;
  /** Labels added to every metric. @default {} */
  labels?: Record<string, string>;
}

/** {@link CallbackMetrics} backed by prom-client, and its registry. */
export interface PrometheusCallbackMetrics extends CallbackMetrics {
  readonly registry: Registry;
}

/**
 * Callback-service metrics for Prometheus (docs/delegation.md): `callbacks_total{state,status}`,
 * `callback_duration_seconds{state}`, `callback_swf_in_flight`, `callback_swf_retries_total{operation}`.
 */
export function prometheusCallbackMetrics(options: PrometheusCallbackMetricsOptions = {}): PrometheusCallbackMetrics {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? 'flowy_swf_';
  if (options.labels) registry.setDefaultLabels(options.labels);
  const registers = [registry];
  const total = new Counter({ name: `${prefix}callbacks_total`, help: 'Callback requests by state and HTTP status.', labelNames: ['state', 'status'], registers });
  const duration = new Histogram({
    name: `${prefix}callback_duration_seconds`,
    help: 'Time to answer a callback request, SWF call included, in seconds.',
    labelNames: ['state'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const inFlight = new Gauge({ name: `${prefix}callback_swf_in_flight`, help: 'SWF calls the callback service has in flight.', registers });
  const retries = new Counter({ name: `${prefix}callback_swf_retries_total`, help: 'SWF calls of the callback service retried, by operation.', labelNames: ['operation'], registers });
  return {
    registry,
    callback: (state, status, seconds) => {
      total.inc({ state, status: String(status) });
      duration.observe({ state }, seconds);
    },
    inFlight: (n) => inFlight.set(n),
    swfRetry: (operation) => retries.inc({ operation }),
  };
}

/** @internal Fills in the methods left out with no-ops. */
export function completeCallbackMetrics(metrics: Partial<CallbackMetrics> = {}): CallbackMetrics {
  return {
    callback: metrics.callback?.bind(metrics) ?? (() => {}),
    inFlight: metrics.inFlight?.bind(metrics) ?? (() => {}),
    swfRetry: metrics.swfRetry?.bind(metrics) ?? (() => {}),
  };
}
