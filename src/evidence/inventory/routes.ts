/**
 * One row per route of the forward-auth manifest: what it authorizes, the action's requirements
 * from the policy's action catalogue, and the tests that cover it — the generated boundary cases
 * that go through the route or decide its action, and the hand-written cases that name its action.
 */
import type { RouteSpec } from '../../surfaces/forward-auth/route-table.js';
import type { RegoTestCase } from './rego-tests.js';
import type { TableCase } from './decision-tables.js';
import type { BoundarySuite, RouteRow, TokenRule } from './types.js';

interface ActionMeta {
  min_role: string | null;
  scope: string | null;
  tokens: TokenRule;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `min_role`, `scope` and `tokens` of an action in `data.orgwarden.catalogue.actions`. */
function actionMeta(data: Readonly<Record<string, unknown>>, action: string): ActionMeta {
  const orgwarden = data.orgwarden;
  const catalogue = isObject(orgwarden) ? orgwarden.catalogue : undefined;
  const actions = isObject(catalogue) ? catalogue.actions : undefined;
  const entry = isObject(actions) ? actions[action] : undefined;
  if (!isObject(entry)) return { min_role: null, scope: null, tokens: 'unknown' };
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    min_role: text(entry.min_role),
    scope: text(entry.scope),
    tokens: entry.tokens === true ? 'allowed' : entry.tokens === false ? 'session_only' : 'unknown',
  };
}

export interface RouteTests {
  suite: BoundarySuite | null;
  rego: readonly RegoTestCase[];
  tables: readonly TableCase[];
}

export function routeRows(
  routes: readonly RouteSpec[],
  data: Readonly<Record<string, unknown>>,
  tests: RouteTests,
): RouteRow[] {
  return routes.map((route) => {
    const generated = tests.suite && {
      forward_auth: tests.suite.cases
        .filter(
          (c) =>
            c.surface === 'forward_auth' &&
            c.route?.path === route.pattern &&
            route.methods.includes(c.route.method),
        )
        .map((c) => c.name),
      decide: tests.suite.cases
        .filter((c) => c.surface === 'decide' && c.action === route.action)
        .map((c) => c.name),
    };
    const rego = tests.rego.filter((c) => c.strings.has(route.action)).map((c) => c.name);
    const decisionTables = tests.tables.filter((c) => c.action === route.action).map((c) => c.name);
    const count =
      (generated ? generated.forward_auth.length + generated.decide.length : 0) +
      rego.length +
      decisionTables.length;
    return {
      methods: route.methods,
      path: route.pattern,
      action: route.action,
      org_from: route.org,
      ...actionMeta(data, route.action),
      org_scoped: route.orgRoute,
      tests: { generated, rego, decision_tables: decisionTables },
      covered: count > 0,
    };
  });
}
