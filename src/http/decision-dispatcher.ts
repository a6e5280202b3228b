/**
 * Dispatches a request to a decision route of the table, straight from the socket (no router
 * middleware on the hot path). A declared path with another method is 405 with `Allow`; a route
 * declared `admin` passes the admin guard first; whatever a route throws is answered by the one
 * error renderer (`errors.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerError, ApiError, sendError } from './errors.js';
import { compilePath, pathOf } from './route-match.js';
import type { DecisionRoute } from './route-table.js';
import type { RequestGuard } from './server.js';

export interface DecisionDispatcherDeps {
  adminGuard: RequestGuard;
  /** Where errors the client does not read the detail of go (the log). */
  onError: (err: unknown) => void;
}

/** Returns false when the path is no decision route (the management app answers it). */
export type DecisionDispatcher = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createDecisionDispatcher(
  routes: readonly DecisionRoute[],
  deps: DecisionDispatcherDeps,
): DecisionDispatcher {
  const compiled = routes.map((route) => ({ route, matches: compilePath(route.path) }));
  return function dispatch(req, res) {
    const path = pathOf(req.url);
    const matching = compiled.filter((c) => c.matches(path)).map((c) => c.route);
    if (matching.length === 0) return false;
    const route = matching.find((r) => r.method === 'ANY' || r.method === req.method);
    if (!route) {
      req.resume();
      const allow = [...new Set(matching.map((r) => r.method))].join(', ');
      sendError(res, new ApiError('method_not_allowed', `use ${allow}`), { allow });
      return true;
    }
    if (route.auth === 'admin' && deps.adminGuard(req, res)) return true;
    route.handle(req, res, path).catch((err: unknown) => answerError(res, err, deps.onError));
    return true;
  };
}
