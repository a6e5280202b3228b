/**
 * Dispatches a request to a decision route of the table, straight from the socket (no router
 * middleware on the hot path). A declared path with another method is 405 with `Allow`; a route
 * declared `admin` passes the admin guard first; whatever a route throws is answered by the one
 * error renderer (`errors.ts`).
 *
 * The dispatcher returns the operation it answered for (the request metric's label, the same
 * `operationOf` of the route table would name), so the table is not searched a second time when
 * the answer is counted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerError, ApiError, sendError } from './errors.js';
import { compilePath, pathOf } from './route-match.js';
import { OTHER_OPERATION, type DecisionRoute } from './route-table.js';
import type { AdminGuardFactory } from './admin-auth.js';
import type { RequestGuard } from './server.js';

export interface DecisionDispatcherDeps {
  /** The guard of an admin route, built from the role it declares. */
  adminGuard: AdminGuardFactory;
  /** Where errors the client does not read the detail of go (the log). */
  onError: (err: unknown) => void;
}

/**
 * The operation of the decision route that answers (`other` for a 405), or null when the path is
 * no decision route (the management app answers it).
 */
export type DecisionDispatcher = (req: IncomingMessage, res: ServerResponse) => string | null;

export function createDecisionDispatcher(
  routes: readonly DecisionRoute[],
  deps: DecisionDispatcherDeps,
): DecisionDispatcher {
  const compiled = routes.map((route) => ({
    route,
    matches: compilePath(route.path),
    guard: guardOf(route, deps.adminGuard),
  }));
  return function dispatch(req, res) {
    const path = pathOf(req.url);
    let route: DecisionRoute | undefined;
    let guard: RequestGuard | null = null;
    let matched = false;
    for (const c of compiled) {
      if (!c.matches(path)) continue;
      matched = true;
      if (c.route.method === 'ANY' || c.route.method === req.method) {
        route = c.route;
        guard = c.guard;
        break;
      }
    }
    if (!matched) return null;
    if (!route) {
      req.resume();
      const methods = compiled.filter((c) => c.matches(path)).map((c) => c.route.method);
      const allow = [...new Set(methods)].join(', ');
      sendError(res, new ApiError('method_not_allowed', `use ${allow}`), { allow });
      return OTHER_OPERATION;
    }
    if (guard?.(req, res)) return route.operation;
    route.handle(req, res, path).catch((err: unknown) => answerError(res, err, deps.onError));
    return route.operation;
  };
}

/** An admin route's guard for the role it declares (declareRoutes refuses one without); null otherwise. */
function guardOf(route: DecisionRoute, adminGuard: AdminGuardFactory): RequestGuard | null {
  if (route.auth !== 'admin') return null;
  if (route.role === undefined)
    throw new TypeError(`route ${route.method} ${route.path}: an admin route without a role`);
  return adminGuard(route.role);
}
