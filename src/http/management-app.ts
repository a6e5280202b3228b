/**
 * The management surface on express: the routes the table declares `management` (health,
 * readiness, metrics, policy status, features, directory writes, admin). Every route answers JSON
 * errors through the one renderer; a declared path with another method is 405 with `Allow`; an
 * unknown path is a JSON 404.
 *
 * Invariants:
 * - Routes are registered from the table only; a route declared `admin` gets the admin guard in
 *   front of its handler, for the role the route declares, so it runs before any body is read. (The caller guard runs earlier, in
 *   the server, for every path that is not public.)
 * - Routing is case-sensitive and strict (a trailing slash is another path), on the app and on
 *   its router: `/V1/admin/tenancy` is not `/v1/admin/tenancy`, the same reading the caller-token
 *   guard and the decision dispatcher have.
 */
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { OrgwardenError } from '../contract/errors.js';
import { answerError, ApiError, sendError } from './errors.js';
import type { ManagementRoute } from './route-table.js';
import type { AdminGuardFactory } from './admin-auth.js';
import type { AdminRole } from './admin-roles.js';
import type { RequestGuard } from './server.js';

export interface ManagementDeps {
  routes: readonly ManagementRoute[];
  /** The guard of an admin route, built from the role it declares. */
  adminGuard: AdminGuardFactory;
  /** Where errors the client does not read the detail of go (the log). */
  onError: (err: unknown) => void;
}

const EXPRESS_METHOD = { GET: 'get', PUT: 'put', POST: 'post', DELETE: 'delete' } as const;

export function createManagementApp(deps: ManagementDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Before the first route: express builds its router from these settings when it is first used.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  const router = express.Router({ caseSensitive: true, strict: true });
  const guarded =
    (guard: RequestGuard): RequestHandler =>
    (req, res, next) => {
      if (!guard(req, res)) next();
    };
  for (const route of deps.routes) {
    if (route.method === 'ANY') continue; // refused by declareRoutes; never a management route
    const handle: RequestHandler = async (req, res) => route.handle(req, res);
    const chain =
      route.auth === 'admin'
        ? [guarded(deps.adminGuard(adminRole(route), { basic: route.basic === true })), handle]
        : [handle];
    router[EXPRESS_METHOD[route.method]](route.path, ...chain);
  }
  for (const [path, methods] of methodsByPath(deps.routes)) {
    const allow = methods.join(', ');
    router.all(path, (req, res) => {
      req.resume();
      sendError(
        res,
        new ApiError(
          'method_not_allowed',
          `${req.method} is not allowed on ${path} (allowed: ${allow})`,
        ),
        { allow },
      );
    });
  }
  app.use(router);

  app.use((req: Request, res: Response) => {
    sendError(res, new ApiError('not_found', `no route for ${req.method} ${req.path}`));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    answerError(
      res,
      isBadPathEncoding(err)
        ? new ApiError('invalid_request', 'path: malformed percent-encoding')
        : err,
      deps.onError,
    );
  });
  return app;
}

/** The role an admin route declares; declareRoutes refuses one without, so this never throws there. */
function adminRole(route: ManagementRoute): AdminRole {
  if (route.role === undefined)
    throw new TypeError(`route ${route.method} ${route.path}: an admin route without a role`);
  return route.role;
}

function methodsByPath(routes: readonly ManagementRoute[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const route of routes) out.set(route.path, [...(out.get(route.path) ?? []), route.method]);
  return out;
}

/** Express refuses a path parameter it cannot percent-decode with a 400 error of its own. */
function isBadPathEncoding(err: unknown): boolean {
  if (err instanceof OrgwardenError) return false;
  return (
    err instanceof URIError ||
    (typeof err === 'object' && err !== null && (err as { status?: unknown }).status === 400)
  );
}
