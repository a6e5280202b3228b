/**
 * The management surface on express: health, readiness, policy status, and whatever routes the
 * composition root registers (directory writes, admin, metrics, features). Every route answers
 * JSON errors from the one catalogue; an unknown path is a JSON 404.
 *
 * Routing is case-sensitive and strict (a trailing slash is another path), on the app and on the
 * router the route modules register on: `/V1/admin/tenancy` is not `/v1/admin/tenancy`, the same
 * reading the caller-token guard and the decision dispatcher have.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ApiError, sendError } from './errors.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
  /** Why the check fails, when the component can say (answered under `reasons`). */
  reason?(): string | null;
}

export type RouteModule = (router: Router) => void;

export interface ManagementDeps {
  readiness: ReadinessCheck[];
  routes: RouteModule[];
  onError: (err: unknown) => void;
}

export function createManagementApp(deps: ManagementDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Before the first route: express builds its router from these settings when it is first used.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const entries = await Promise.all(
      deps.readiness.map(async (r) => [r.name, await r.check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, ok]) => ok);
    const reasons = Object.fromEntries(
      deps.readiness.flatMap((r) => {
        const reason = checks[r.name] ? null : (r.reason?.() ?? null);
        return reason === null ? [] : [[r.name, reason] as const];
      }),
    );
    res.status(ready ? 200 : 503).json({ ready, checks, ...(Object.keys(reasons).length > 0 ? { reasons } : {}) });
  });

  const router = express.Router({ caseSensitive: true, strict: true });
  for (const register of deps.routes) register(router);
  app.use(router);

  app.use((req: Request, res: Response) => {
    sendError(res, new ApiError('not_found', `no route for ${req.method} ${req.path}`));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiError) return sendError(res, err);
    deps.onError(err);
    if (!res.headersSent) sendError(res, new ApiError('internal', 'internal error'));
  });
  return app;
}
