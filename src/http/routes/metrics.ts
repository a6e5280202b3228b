/**
 * `GET /metrics` on the management app: the registry in Prometheus text format. Like the health
 * endpoints it is one of the caller-token guard's public paths (`PUBLIC_PATHS`); it holds
 * no ids of users, tokens or orgs (see metrics.ts).
 */
import type { Router } from 'express';
import type { Registry } from 'prom-client';

export function metricsRoutes(registry: Registry) {
  return (router: Router) => {
    router.get('/metrics', async (_req, res) => {
      const body = await registry.metrics();
      res.status(200).set({ 'content-type': registry.contentType, 'cache-control': 'no-store' }).send(body);
    });
  };
}
