/**
 * Every route the HTTP server answers, read from the declared route table (`route-table.ts`),
 * which is also what registers them: a route cannot be answered without being listed here.
 */
import type { AdminRole } from './admin-roles.js';
import type { AuthLevel, RouteMethod, RouteTable } from './route-table.js';

export interface RegisteredRoute {
  /** Upper case; `ANY` for a decision route on every method. */
  method: RouteMethod;
  /** As declared: `/v1/directory/orgs/:org`, `/v1/forward-auth/*`. */
  path: string;
  operation: string;
  auth: AuthLevel;
  /** The role an admin route needs; null for the others. */
  role: AdminRole | null;
  surface: 'decision' | 'management';
}

export function routeInventory(table: RouteTable): RegisteredRoute[] {
  return table.routes.map(({ method, path, operation, auth, role, surface }) => ({
    method,
    path,
    operation,
    auth,
    role: role ?? null,
    surface,
  }));
}
