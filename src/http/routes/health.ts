/**
 * The probes, declared `public`: `GET /healthz` (the process answers) and `GET /readyz` (every
 * readiness check passes; 503 with the failing checks and, where a component can say, why).
 */
import type { ManagementRoute } from '../route-table.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
  /** Why the check fails, when the component can say (answered under `reasons`). */
  reason?(): string | null;
}

export function healthRoutes(readiness: readonly ReadinessCheck[]): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: '/healthz',
      operation: 'healthz',
      auth: 'public',
      handle(_req, res) {
        res.status(200).json({ status: 'ok' });
      },
    },
    {
      surface: 'management',
      method: 'GET',
      path: '/readyz',
      operation: 'readyz',
      auth: 'public',
      async handle(_req, res) {
        const entries = await Promise.all(
          readiness.map(async (r) => [r.name, await r.check().catch(() => false)] as const),
        );
        const checks = Object.fromEntries(entries);
        const ready = entries.every(([, ok]) => ok);
        const reasons = Object.fromEntries(
          readiness.flatMap((r) => {
            const reason = checks[r.name] ? null : (r.reason?.() ?? null);
            return reason === null ? [] : [[r.name, reason] as const];
          }),
        );
        res
          .status(ready ? 200 : 503)
          .json({ ready, checks, ...(Object.keys(reasons).length > 0 ? { reasons } : {}) });
      },
    },
  ];
}
