/**
 * Every route the HTTP server answers, read from where the routes really live — the decision
 * dispatcher's list and the express router's own stack — never from a list kept by hand, so a
 * route added anywhere shows up here (and in the tests that walk every route).
 */
import type express from 'express';
import type { DecisionRoute } from './decision-routes.js';

export interface RegisteredRoute {
  /** Upper case; `ALL` for express `router.all`, `ANY` for a decision route on every method. */
  method: string;
  /** As registered: `/v1/directory/orgs/:org`, `/v1/forward-auth/*`. */
  path: string;
  surface: 'decision' | 'management';
}

export function decisionRouteInventory(routes: readonly DecisionRoute[]): RegisteredRoute[] {
  return routes.map((r) => ({ method: r.method, path: r.path, surface: 'decision' }));
}

/** What a layer of the express router stack carries that this needs. */
interface StackLayer {
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: unknown;
}

/** The routes of an express app, routers mounted at the root included (in registration order). */
export function managementRouteInventory(app: express.Express): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  const walk = (stack: readonly StackLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on) out.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path: String(layer.route.path), surface: 'management' });
        }
        continue;
      }
      const nested = (layer.handle as { stack?: unknown } | undefined)?.stack;
      if (Array.isArray(nested)) walk(nested as StackLayer[]);
    }
  };
  walk(app.router.stack as readonly StackLayer[]);
  return out;
}
