/**
 * The HTTP request metric: requests answered, by declared operation and status class, and their
 * duration, by operation only. The label sets are closed: the operations of the route table plus
 * `other` (a path no route declares, a target refused before routing), and `2xx` … `5xx`. Every
 * series exists at zero from the start. Described in docs/metrics.md.
 */
import type { Registry } from 'prom-client';
import {
  localCounter,
  localHistogram,
  type CountSeries,
  type ObserveSeries,
} from '../observability/local-series.js';
import { OTHER_OPERATION } from './route-table.js';

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

/** Request duration buckets in seconds: 100 µs … 10 s (a batch or a fan-out takes longer than one decision). */
const HTTP_DURATION_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

export interface HttpRequestMetrics {
  /** Count one answered request of `operation` (an undeclared one counts as `other`). */
  observe(operation: string, status: number, seconds: number): void;
}

export function createHttpRequestMetrics(
  registry: Registry,
  operations: readonly string[],
): HttpRequestMetrics {
  const registers = [registry];
  const known = new Set([...operations, OTHER_OPERATION]);
  // Counted on every answer: plain-number series (observability/local-series.ts), bound once per
  // operation and status class, read at scrape time.
  const requests = localCounter({
    name: 'orgwarden_http_requests_total',
    help: 'HTTP requests answered, by declared operation (other: no declared route) and status class (2xx, 3xx, 4xx, 5xx).',
    labelNames: ['operation', 'status_class'] as const,
    registers,
  });
  const duration = localHistogram({
    name: 'orgwarden_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by declared operation (other: no declared route).',
    labelNames: ['operation'] as const,
    buckets: HTTP_DURATION_BUCKETS_S,
    registers,
  });
  const bound = new Map<string, BoundSeries>();
  for (const operation of known)
    bound.set(operation, {
      operation,
      byClass: STATUS_CLASSES.map((status_class) => requests.series({ operation, status_class })),
      duration: duration.series({ operation }),
    });
  const other = bound.get(OTHER_OPERATION) as BoundSeries;
  return {
    observe(operation, status, seconds) {
      const series = bound.get(operation) ?? other;
      const counter = series.byClass[Math.floor(status / 100) - 2];
      if (counter) counter.inc();
      else
        requests.series({ operation: series.operation, status_class: statusClass(status) }).inc();
      series.duration.observe(seconds);
    },
  };
}

interface BoundSeries {
  operation: string;
  /** Indexed by the status class: 2xx at 0 … 5xx at 3 (STATUS_CLASSES). */
  byClass: CountSeries[];
  duration: ObserveSeries;
}

function statusClass(status: number): string {
  const cls = `${Math.floor(status / 100)}xx`;
  return (STATUS_CLASSES as readonly string[]).includes(cls) ? cls : 'other';
}
