/**
 * `GET /metrics` on the management app: the registry in Prometheus text format. Like the health
 * endpoints it sits outside `/v1/`, so the optional caller-token guard does not cover it; it holds
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
