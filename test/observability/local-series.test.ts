/**
 * The plain-number series of the hot path read exactly as prom-client's own counter and histogram
 * would after the same increments and observations: the same exposition text, the same `get()`.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { localCounter, localHistogram } from '../../src/observability/local-series.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED = [0, 0.0005, 0.001, 0.002, 0.01, 0.5, 1, 3, 10];

describe('local series', () => {
  it('a histogram exposes what prom-client exposes for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const local = localHistogram({
      name: 'h_seconds',
      help: 'h',
      labelNames: ['op'] as const,
      buckets: BUCKETS,
      registers: [ours],
    });
    const reference = new Histogram({
      name: 'h_seconds',
      help: 'h',
      labelNames: ['op'] as const,
      buckets: BUCKETS,
      registers: [theirs],
    });
    const a = local.series({ op: 'a' });
    local.series({ op: 'b' });
    reference.zero({ op: 'a' });
    reference.zero({ op: 'b' });
    for (const v of OBSERVED) {
      a.observe(v);
      reference.observe({ op: 'a' }, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    ours.resetMetrics();
    theirs.resetMetrics();
    reference.zero({ op: 'a' });
    reference.zero({ op: 'b' });
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('a counter adds what was counted before every read, and exists at zero from the start', async () => {
    const registry = new Registry();
    const local = localCounter({
      name: 'c_total',
      help: 'c',
      labelNames: ['op'] as const,
      registers: [registry],
    });
    const a = local.series({ op: 'a' });
    expect(local.series({ op: 'a' })).toBe(a);
    local.series({ op: 'b' });
    const values = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        (await local.counter.get()).values.map((v) => [String(v.labels.op), v.value]),
      );
    expect(await values()).toEqual({ a: 0, b: 0 });
    a.inc();
    a.inc(2);
    expect(await values()).toEqual({ a: 3, b: 0 });
    a.inc();
    expect(await registry.metrics()).toContain('c_total{op="a"} 4');
  });

  it('a counter reads like prom-client’s own', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const local = localCounter({
      name: 'n_total',
      help: 'n',
      labelNames: ['x'] as const,
      registers: [ours],
    });
    const reference = new Counter({
      name: 'n_total',
      help: 'n',
      labelNames: ['x'] as const,
      registers: [theirs],
    });
    local.series({ x: '1' }).inc(5);
    reference.inc({ x: '1' }, 5);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
