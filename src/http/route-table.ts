/**
 * The declared route table: every HTTP route orgwarden answers — the decision routes on raw
 * `node:http` and the management routes on express — with its method, path, operation name and
 * auth level. The guards, the 405 answers, the route inventory and the request metric's
 * `operation` label are all read from this table; nothing registers a route beside it.
 *
 * Auth levels, each including the one before:
 * - `public`: answered without any credential, even when a caller token is configured.
 * - `caller`: needs the caller token (`server.caller_token_env`) when one is configured.
 * - `admin`: also needs an admin credential (`Authorization: Bearer`): none → 401, a wrong one →
 *   403; and the route's `role` (admin-roles.ts): a credential whose role does not cover it → 403.
 *   A `basic` admin route (the explorer page) also takes the token as an HTTP Basic password.
 *
 * Invariants (checked by `declareRoutes`, which throws naming the route, so the server does not
 * start with a table that breaks them):
 * - Every route has an auth level and an operation name; operation names are unique.
 * - Every `admin` route names the role it needs, and only `admin` routes name one: an admin route
 *   without a role is refused here, so it can never be served to any credential by default.
 * - A path is public for all of its methods or for none: the caller guard reads paths only.
 * - One route per method and path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { ADMIN_ROLES, isAdminRole, type AdminRole } from './admin-roles.js';
import { compilePath, type PathMatcher } from './route-match.js';

const AUTH_LEVELS = ['public', 'caller', 'admin'] as const;
export type AuthLevel = (typeof AUTH_LEVELS)[number];

/** `ANY` (decision routes only): every method, for a route that reads the method itself. */
const ROUTE_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'ANY'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** The `operation` of a request that matches no declared route (metrics). */
export const OTHER_OPERATION = 'other';

interface RouteHead {
  method: RouteMethod;
  /** Exact path; `:name` is one path parameter (management); a trailing `/*` a prefix (decision). */
  path: string;
  /** Stable snake_case name: the metric label and the inventory's name for the route. */
  operation: string;
  auth: AuthLevel;
  /** `admin` routes only, and required there: the role a credential needs (admin-roles.ts). */
  role?: AdminRole;
  /**
   * Admin management routes a browser opens (the explorer page) only: the token may also come as
   * the password of HTTP Basic, and a 401 challenges with Basic (admin-auth.ts).
   */
  basic?: true;
}

/** A route on the raw `node:http` hot path: no body parser, no router. */
export interface DecisionRoute extends RouteHead {
  surface: 'decision';
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

/** A route of the express management app. */
export interface ManagementRoute extends RouteHead {
  surface: 'management';
  handle(req: Request, res: Response): Promise<void> | void;
}

export type Route = DecisionRoute | ManagementRoute;

export interface RouteTable {
  readonly routes: readonly Route[];
  readonly decision: readonly DecisionRoute[];
  readonly management: readonly ManagementRoute[];
  /** Paths answered without the caller token. */
  readonly publicPaths: ReadonlySet<string>;
  /** Every declared operation name, in table order. */
  readonly operations: readonly string[];
  /** The operation of a request (its canonical path; null: refused before routing), or `other` when no route matches. */
  operationOf(method: string, path: string | null): string;
}

const OPERATION_NAME = /^[a-z][a-z0-9_]*$/;

export function declareRoutes(routes: readonly Route[]): RouteTable {
  routes.forEach(checkRoute);
  const seen = new Map<string, Route>();
  const operations = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new TypeError(`route ${key}: declared twice`);
    seen.set(key, route);
    if (operations.has(route.operation))
      throw new TypeError(`route ${key}: operation "${route.operation}" is already declared`);
    operations.add(route.operation);
  }
  const publicPaths = new Set(routes.filter((r) => r.auth === 'public').map((r) => r.path));
  for (const route of routes) {
    if (publicPaths.has(route.path) && route.auth !== 'public')
      throw new TypeError(
        `route ${route.method} ${route.path}: the path has a public route, so it cannot be "${route.auth}" (the caller guard reads paths)`,
      );
  }
  const matchers: { route: Route; matches: PathMatcher }[] = routes.map((route) => ({
    route,
    matches: compilePath(route.path),
  }));
  return {
    routes,
    decision: routes.filter((r): r is DecisionRoute => r.surface === 'decision'),
    management: routes.filter((r): r is ManagementRoute => r.surface === 'management'),
    publicPaths,
    operations: [...operations],
    operationOf(method, path) {
      if (path === null) return OTHER_OPERATION;
      const hit = matchers.find(
        ({ route, matches }) => methodMatches(route, method) && matches(path),
      );
      return hit ? hit.route.operation : OTHER_OPERATION;
    },
  };
}

/** Express answers HEAD with a GET route; a decision route answers the methods it declares. */
function methodMatches(route: Route, method: string): boolean {
  if (route.method === 'ANY' || route.method === method) return true;
  return route.surface === 'management' && route.method === 'GET' && method === 'HEAD';
}

/** Refuses a route that lacks what the table needs, naming it. Values are checked at run time too: a table may be built from untyped code. */
function checkRoute(route: Route): void {
  const untyped: Record<'method' | 'path', unknown> = route;
  const name = `route ${String(untyped.method)} ${String(untyped.path)}`;
  if (!(ROUTE_METHODS as readonly unknown[]).includes(route.method))
    throw new TypeError(`${name}: method must be one of ${ROUTE_METHODS.join(', ')}`);
  if (typeof route.path !== 'string' || !route.path.startsWith('/'))
    throw new TypeError(`${name}: path must start with /`);
  if (!(AUTH_LEVELS as readonly unknown[]).includes(route.auth))
    throw new TypeError(
      `${name}: no auth level; declare one of ${AUTH_LEVELS.join(', ')} (authentication is the default, opting out is explicit)`,
    );
  if (route.auth === 'admin' && !isAdminRole(route.role))
    throw new TypeError(
      `${name}: an admin route must declare the role it needs, one of ${ADMIN_ROLES.join(', ')}`,
    );
  if (route.auth !== 'admin' && route.role !== undefined)
    throw new TypeError(`${name}: only admin routes declare a role (auth is "${route.auth}")`);
  if (route.basic !== undefined && (route.auth !== 'admin' || route.surface !== 'management'))
    throw new TypeError(`${name}: only admin management routes take HTTP Basic`);
  if (
    typeof route.operation !== 'string' ||
    !OPERATION_NAME.test(route.operation) ||
    route.operation === OTHER_OPERATION
  )
    throw new TypeError(
      `${name}: no operation name; declare a snake_case name other than "${OTHER_OPERATION}"`,
    );
  if (typeof route.handle !== 'function') throw new TypeError(`${name}: no handler`);
  if (route.surface === 'management' && (route.method === 'ANY' || route.path.endsWith('/*')))
    throw new TypeError(`${name}: ANY and prefix paths are for decision routes only`);
  if (route.surface === 'decision' && route.path.includes('/:'))
    throw new TypeError(`${name}: decision routes take no path parameters`);
}
