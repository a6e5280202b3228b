/**
 * Metric series for the per-decision and per-request hot path, counted in plain numbers.
 *
 * prom-client hashes the label set on every `inc` and `observe` (about a microsecond each, even
 * through `labels(...)`), which is more than the rest of a memoised decision's bookkeeping. Here
 * each series is bound once, up front, to a slot: counting is an increment of a field.
 *
 * - A counter's slots are added to its prom-client `Counter` in the counter's `collect`, which
 *   prom-client runs before every read (scrape, `get`), so a reader never sees a count missing.
 * - A histogram's slots are its state: the metric is a prom-client `Histogram` (registered and
 *   typed like any other) whose `get`/`getForPromString` read the slots, in prom-client's format.
 *
 * Invariants: every series is created by `series(labels)` before use (so the label sets stay the
 * closed sets metrics.ts lists), and each exists from the start (zero), as before.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

type Labels<L extends string> = Partial<Record<L, string>>;

export interface CountSeries {
  inc(by?: number): void;
}

export interface ObserveSeries {
  observe(value: number): void;
}

export interface LocalCounter<L extends string> {
  readonly counter: Counter<L>;
  /** The series of `labels` (created at zero the first time). */
  series(labels: Labels<L>): CountSeries;
}

export function localCounter<L extends string>(config: {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
}): LocalCounter<L> {
  const slots: { labels: Labels<L>; n: number }[] = [];
  const counter: Counter<L> = new Counter<L>({
    ...config,
    collect() {
      for (const slot of slots)
        if (slot.n > 0) {
          counter.inc(slot.labels, slot.n);
          slot.n = 0;
        }
    },
  });
  const byKey = new Map<string, CountSeries>();
  return {
    counter,
    series(labels) {
      const key = JSON.stringify(config.labelNames.map((name) => labels[name]));
      const known = byKey.get(key);
      if (known) return known;
      const slot = { labels: { ...labels }, n: 0 };
      slots.push(slot);
      counter.inc(slot.labels, 0);
      const series: CountSeries = {
        inc(by = 1) {
          slot.n += by;
        },
      };
      byKey.set(key, series);
      return series;
    },
  };
}

export interface LocalHistogram<L extends string> {
  readonly histogram: Histogram<L>;
  series(labels: Labels<L>): ObserveSeries;
}

interface HistogramSlot {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

export function localHistogram<L extends string>(config: {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets: readonly number[];
  registers: Registry[];
}): LocalHistogram<L> {
  const bounds = [...config.buckets].sort((a, b) => a - b);
  const slots: HistogramSlot[] = [];
  const histogram = new Histogram<L>({ ...config, buckets: bounds });
  const exposition = (splay: boolean) => {
    const values: {
      labels: Record<string, string | number>;
      sharedLabels?: Record<string, string | number>;
      value: number;
      metricName: string;
      exemplar?: null;
    }[] = [];
    const entry = (le: Record<string, string | number>, labels: Record<string, string>) =>
      splay ? { labels: { ...labels, ...le } } : { labels: le, sharedLabels: { ...labels } };
    for (const slot of slots) {
      let acc = 0;
      bounds.forEach((le, i) => {
        acc += slot.buckets[i] ?? 0;
        values.push({
          ...entry({ le }, slot.labels),
          value: acc,
          exemplar: null,
          metricName: `${config.name}_bucket`,
        });
      });
      values.push({
        ...entry({ le: '+Inf' }, slot.labels),
        value: slot.count,
        exemplar: null,
        metricName: `${config.name}_bucket`,
      });
      values.push({ ...entry({}, slot.labels), value: slot.sum, metricName: `${config.name}_sum` });
      values.push({
        ...entry({}, slot.labels),
        value: slot.count,
        metricName: `${config.name}_count`,
      });
    }
    return {
      name: config.name,
      help: config.help,
      type: 'histogram' as const,
      values,
      aggregator: 'sum' as const,
    };
  };
  // The slots are the state: prom-client reads them through these two, and `reset` zeroes them.
  Object.assign(histogram, {
    get: () => Promise.resolve(exposition(true)),
    getForPromString: () => Promise.resolve(exposition(false)),
    reset: () => {
      for (const slot of slots) {
        slot.buckets.fill(0);
        slot.sum = 0;
        slot.count = 0;
      }
    },
  });
  const byKey = new Map<string, ObserveSeries>();
  return {
    histogram,
    series(labels) {
      const key = JSON.stringify(config.labelNames.map((name) => labels[name]));
      const known = byKey.get(key);
      if (known) return known;
      const slot: HistogramSlot = {
        labels: definedLabels(labels),
        buckets: new Array<number>(bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      slots.push(slot);
      const series: ObserveSeries = {
        observe(value) {
          if (!Number.isFinite(value)) return;
          let i = 0;
          while (i < bounds.length && value > (bounds[i] as number)) i++;
          slot.buckets[i] = (slot.buckets[i] ?? 0) + 1;
          slot.sum += value;
          slot.count += 1;
        },
      };
      byKey.set(key, series);
      return series;
    },
  };
}

function definedLabels(labels: Partial<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) if (value !== undefined) out[name] = value;
  return out;
}
