/**
 * `GET /metrics` on the management app: the registry in Prometheus text format. Declared `public`
 * like the health endpoints (the caller token does not cover it); it holds no ids of users,
 * tokens or orgs (see observability/metrics.ts).
 *
 * With `server.workers` > 1 the answer is the aggregate of every worker (the source is the
 * primary's aggregation), whichever worker took the request: never one worker's share.
 */
import type { Registry } from 'prom-client';
import { ApiError } from '../errors.js';
import type { ManagementRoute } from '../route-table.js';

/** Where the metrics text comes from: this process's registry, or every worker's aggregate. */
export interface MetricsSource {
  scrape(): Promise<{ body: string; contentType: string }>;
}

export function registrySource(registry: Registry): MetricsSource {
  return {
    scrape: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
  };
}

export function metricsRoutes(source: MetricsSource): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: '/metrics',
      operation: 'metrics',
      auth: 'public',
      async handle(_req, res) {
        let scraped: { body: string; contentType: string };
        try {
          scraped = await source.scrape();
        } catch (err) {
          // a partial aggregate would read as counter resets: no answer rather than a wrong one
          throw new ApiError(
            'unavailable',
            `metrics could not be gathered from every worker: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
        res
          .status(200)
          .set({ 'content-type': scraped.contentType, 'cache-control': 'no-store' })
          .send(scraped.body);
      },
    },
  ];
}
