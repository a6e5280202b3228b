/**
 * The aggregate `/metrics` of several workers: counters and histograms summed, the state gauges
 * combined by their chosen aggregator (never summed), the primary's own metrics added.
 */
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { aggregateMetrics, aggregatorOf } from '../../src/cli/workers/aggregate-metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { record } from '../observability/helpers.js';
import { metricSum } from './cluster.js';

function worker(options: {
  decisions: number;
  multiTenant: boolean;
  revision: string;
  loadedAt: number;
  invalidationsLive?: boolean;
}) {
  const metrics = createMetrics(new Registry());
  metrics.observeState({
    isMultiTenant: () => options.multiTenant,
    activePolicy: () => ({ revision: options.revision, loadedAt: new Date(options.loadedAt) }),
  });
  const live = options.invalidationsLive;
  if (live !== undefined) metrics.observeDirectoryInvalidations(() => live);
  for (let i = 0; i < options.decisions; i++) metrics.decisionObserver.onDecision(record());
  return metrics.registry.getMetricsAsJSON();
}

describe('aggregateMetrics', () => {
  it('sums counters and histograms, and does not sum the state gauges', async () => {
    const a = await worker({ decisions: 3, multiTenant: true, revision: 'r1', loadedAt: 2000 });
    const b = await worker({ decisions: 4, multiTenant: true, revision: 'r1', loadedAt: 1000 });
    const { body } = await aggregateMetrics([a, b], []);
    expect(metricSum(body, 'orgwarden_decisions_total')).toBe(7);
    expect(metricSum(body, 'orgwarden_decision_duration_seconds_count')).toBe(7);
    expect(metricSum(body, 'orgwarden_multi_tenant')).toBe(1);
    expect(metricSum(body, 'orgwarden_policy_info')).toBe(1);
    expect(metricSum(body, 'orgwarden_build_info')).toBe(1);
    // the oldest load: a worker left behind shows
    expect(metricSum(body, 'orgwarden_policy_last_load_success_timestamp_seconds')).toBe(1);
  });

  it('shows a disagreement instead of hiding it', async () => {
    const a = await worker({ decisions: 0, multiTenant: false, revision: 'r1', loadedAt: 1000 });
    const b = await worker({ decisions: 0, multiTenant: true, revision: 'r2', loadedAt: 1000 });
    const { body } = await aggregateMetrics([a, b], []);
    // any worker on is on; one series per revision served
    expect(metricSum(body, 'orgwarden_multi_tenant')).toBe(1);
    expect(body).toContain('orgwarden_policy_info{revision="r1"} 1');
    expect(body).toContain('orgwarden_policy_info{revision="r2"} 1');
    expect(body).toMatch(/orgwarden_build_info\{[^}]*policy_revision="r1"[^}]*\} 1\n/);
    expect(body).toMatch(/orgwarden_build_info\{[^}]*policy_revision="r2"[^}]*\} 1\n/);
  });

  it('reports the directory cache bypassed while any worker bypasses it', async () => {
    const at = (live: boolean) =>
      worker({
        decisions: 0,
        multiTenant: true,
        revision: 'r',
        loadedAt: 0,
        invalidationsLive: live,
      });
    const both = await aggregateMetrics([await at(true), await at(true)], []);
    expect(metricSum(both.body, 'orgwarden_directory_cache_bypassed')).toBe(0);
    const one = await aggregateMetrics([await at(true), await at(false)], []);
    expect(metricSum(one.body, 'orgwarden_directory_cache_bypassed')).toBe(1);
    expect(aggregatorOf('orgwarden_directory_cache_bypassed', undefined)).toBe('max');
  });

  it("adds the primary's own metrics", async () => {
    const primary = new Registry();
    new Counter({ name: 'orgwarden_worker_restarts_total', help: 'h', registers: [primary] }).inc(
      2,
    );
    const { body } = await aggregateMetrics(
      [await worker({ decisions: 1, multiTenant: false, revision: 'r', loadedAt: 0 })],
      await primary.getMetricsAsJSON(),
    );
    expect(metricSum(body, 'orgwarden_worker_restarts_total')).toBe(2);
  });

  it('takes the slowest worker for event-loop lag and keeps any other metric its own aggregator', () => {
    expect(aggregatorOf('orgwarden_nodejs_eventloop_lag_p99_seconds', 'average')).toBe('max');
    expect(aggregatorOf('orgwarden_process_start_time_seconds', 'omit')).toBe('omit');
    expect(aggregatorOf('orgwarden_decisions_total', undefined)).toBe('sum');
  });
});
