/**
 * `GET /metrics` on the management app: the registry in Prometheus text format. Declared `public`
 * like the health endpoints (the caller token does not cover it); it holds no ids of users,
 * tokens or orgs (see observability/metrics.ts).
 */
import type { Registry } from 'prom-client';
import type { ManagementRoute } from '../route-table.js';

export function metricsRoutes(registry: Registry): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: '/metrics',
      operation: 'metrics',
      auth: 'public',
      async handle(_req, res) {
        const body = await registry.metrics();
        res
          .status(200)
          .set({ 'content-type': registry.contentType, 'cache-control': 'no-store' })
          .send(body);
      },
    },
  ];
}
