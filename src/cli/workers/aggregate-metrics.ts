/**
 * `GET /metrics` with several workers: one answer for the whole sidecar, as one process would give.
 * Counters and histograms are summed over the workers (prom-client's default), so N requests
 * spread over the workers count N. State gauges are never summed; each has the aggregator chosen
 * here, and the reason:
 *
 *   orgwarden_multi_tenant                 max  1 while any worker serves multi-tenant: the state an
 *                                               incident responder must not miss (all workers agree
 *                                               outside the moment of a flip)
 *   orgwarden_policy_info                  max  1 per revision served by at least one worker; two
 *                                               series means the workers disagree
 *   orgwarden_build_info                   max  as orgwarden_policy_info (the same revision label)
 *   orgwarden_policy_last_load_success_... min  the oldest active load: a worker left behind shows
 *   orgwarden_directory_cache_bypassed     max  1 while any worker bypasses its directory cache
 *   nodejs_eventloop_lag_*_seconds         max  the slowest worker (prom-client averages them)
 *
 * The process metrics of prom-client (memory, CPU, handles) are summed: the sidecar's total.
 */
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];
type Aggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

const STATE_GAUGES: Readonly<Record<string, Aggregator>> = {
  orgwarden_multi_tenant: 'max',
  orgwarden_policy_info: 'max',
  orgwarden_build_info: 'max',
  orgwarden_policy_last_load_success_timestamp_seconds: 'min',
  orgwarden_directory_cache_bypassed: 'max',
  orgwarden_nodejs_eventloop_lag_seconds: 'max',
  orgwarden_nodejs_eventloop_lag_mean_seconds: 'max',
  orgwarden_nodejs_eventloop_lag_p50_seconds: 'max',
  orgwarden_nodejs_eventloop_lag_p90_seconds: 'max',
  orgwarden_nodejs_eventloop_lag_p99_seconds: 'max',
};

/** The aggregator each metric is combined with (its own, unless named above). */
export function aggregatorOf(name: string, own: Aggregator | undefined): Aggregator {
  return STATE_GAUGES[name] ?? own ?? 'sum';
}

/** Prometheus text for the workers' metrics together, plus the primary's own (`extra`). */
export async function aggregateMetrics(
  workers: readonly WorkerMetrics[],
  extra: WorkerMetrics,
): Promise<{ body: string; contentType: string }> {
  const chosen = workers.map((metrics) =>
    metrics.map((m) => ({
      ...m,
      aggregator: aggregatorOf(m.name, m.aggregator as Aggregator | undefined),
    })),
  );
  const registry = AggregatorRegistry.aggregate([...chosen, extra]);
  return { body: await registry.metrics(), contentType: registry.contentType };
}
