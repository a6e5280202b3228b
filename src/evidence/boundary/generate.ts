/**
 * Generates the org-boundary suite: every action of the catalogue (the contract's and the
 * policy's) against every boundary case and principal shape, through the decision core, plus every
 * route of the manifest through forward-auth, each with the outcome the oracle requires.
 */
import type { RouteSpec } from '../../surfaces/forward-auth/route-table.js';
import { BOUNDARY_CASES, actionContext, type DraftCase } from './boundaries.js';
import { catalogueAction, CONTRACT_ACTIONS } from './contract-rules.js';
import { fixtureDirectory, HOME_ORG } from './fixture.js';
import { forwardAuthDrafts, forwardAuthExpected, routePath } from './forward-auth-cases.js';
import { expectedDecision, type OracleOrg, type OracleWorld } from './oracle.js';
import { principalFor } from './principals.js';
import type { BoundaryCase, BoundaryCell } from './types.js';

export interface TenancyNames {
  readonly default_org: string;
  readonly org_header: string;
  readonly org_cookie: string;
}

export interface BoundarySuiteInput {
  /** The policy's data document (`data`), whose `orgwarden.catalogue.actions` lists its actions. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The forward-auth manifest's routes (none: no forward-auth cases). */
  readonly routes: readonly RouteSpec[];
  readonly tenancy: TenancyNames;
}

export interface BoundarySuite {
  readonly cases: readonly BoundaryCase[];
  readonly cells: readonly BoundaryCell[];
  /** Every boundary case id with what it means, in report order. */
  readonly boundaries: readonly { id: string; description: string }[];
  readonly tenancy: TenancyNames;
}

/** Boundary cases only a gateway can produce (the org in the path). */
const FORWARD_AUTH_BOUNDARIES = [
  { id: 'org_by_path', description: 'the org is named by the path of a gateway route' },
  {
    id: 'org_path_header_disagree',
    description: 'a gateway route names one org in the path and another in the org header',
  },
];
const KILL_SWITCH = {
  id: 'kill_switch',
  description: 'the kill switch is flipped off mid-sequence, then on again',
};

function policyActions(data: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const catalogue = (data.orgwarden as { catalogue?: { actions?: unknown } } | undefined)
    ?.catalogue;
  const actions = catalogue?.actions;
  return typeof actions === 'object' && actions !== null
    ? (actions as Record<string, unknown>)
    : {};
}

export function oracleWorld(
  data: Readonly<Record<string, unknown>>,
  defaultOrg: string,
): OracleWorld {
  const orgs = new Map<string, OracleOrg>();
  for (const org of fixtureDirectory(defaultOrg).orgs)
    orgs.set(org.id, {
      status: org.status,
      members: new Map(org.members.map((m) => [m.user, m.role])),
      shares: org.shares,
    });
  return { defaultOrg, orgs, policyActions: policyActions(data) };
}

export function generateBoundarySuite(input: BoundarySuiteInput): BoundarySuite {
  const world = oracleWorld(input.data, input.tenancy.default_org);
  const actions = [
    ...new Set([...Object.keys(CONTRACT_ACTIONS), ...Object.keys(world.policyActions)]),
  ];
  const cases: BoundaryCase[] = [];
  const names = new Set<string>();
  const add = (c: BoundaryCase) => {
    if (names.has(c.name)) throw new Error(`boundary suite: two cases named ${c.name}`);
    names.add(c.name);
    cases.push(c);
  };
  const name = (action: string, boundary: string, d: DraftCase, extra?: string) =>
    [action, boundary, d.principal, d.variant, extra].filter(Boolean).join(' × ');

  for (const action of actions) {
    const scope = catalogueAction(action, world.policyActions)?.scope ?? '';
    const ctx = { action, scope, defaultOrg: input.tenancy.default_org };
    for (const boundary of BOUNDARY_CASES) {
      if (boundary.notApplicable(action) !== null) continue;
      for (const d of boundary.drafts(ctx))
        add({
          name: name(action, boundary.id, d),
          action,
          boundary: boundary.id,
          principal: d.principal,
          surface: 'decide',
          scenario: d.scenario,
          expected: expectedDecision(d.scenario, world),
        });
    }
    for (const shape of ['session:owner', 'token:one:scoped'] as const) {
      const steps = (['multi', 'single', 'multi'] as const).map((mode) => ({
        mode,
        principal: principalFor(shape, HOME_ORG, scope),
        action,
        named: { field: HOME_ORG },
        context: actionContext(action),
      }));
      steps.forEach((scenario, step) =>
        add({
          name: name(
            action,
            KILL_SWITCH.id,
            { principal: shape, scenario },
            `step ${step + 1} ${scenario.mode}`,
          ),
          action,
          boundary: KILL_SWITCH.id,
          principal: shape,
          surface: 'decide',
          scenario,
          sequence: { id: `${action} × ${shape}`, step },
          expected: expectedDecision(scenario, world),
        }),
      );
    }
  }

  for (const route of input.routes)
    for (const method of route.methods)
      for (const d of forwardAuthDrafts(
        route,
        catalogueAction(route.action, world.policyActions)?.scope ?? '',
      )) {
        const target = {
          method,
          path: route.pattern,
          uri: routePath(route, d.scenario.named.path ?? HOME_ORG),
        };
        add({
          name: name(route.action, d.boundary, d, `${method} ${route.pattern}`),
          action: route.action,
          boundary: d.boundary,
          principal: d.principal,
          surface: 'forward_auth',
          route: target,
          scenario: d.scenario,
          expected: forwardAuthExpected(route, d.scenario, expectedDecision(d.scenario, world)),
        });
      }

  const boundaries = [
    ...BOUNDARY_CASES.map(({ id, description }) => ({ id, description })),
    KILL_SWITCH,
    ...FORWARD_AUTH_BOUNDARIES,
  ];
  return {
    cases,
    cells: cellsOf(actions, boundaries, input.routes),
    boundaries,
    tenancy: input.tenancy,
  };
}

/** The grid: a cell applies unless the boundary case cannot apply to the action. */
function cellsOf(
  actions: readonly string[],
  boundaries: readonly { id: string }[],
  routes: readonly RouteSpec[],
): BoundaryCell[] {
  const pathActions = new Set(routes.filter((r) => r.org[0] === 'path').map((r) => r.action));
  return actions.flatMap((action) =>
    boundaries.map(({ id }): BoundaryCell => {
      const spec = BOUNDARY_CASES.find((b) => b.id === id);
      const why =
        spec?.notApplicable(action) ??
        (FORWARD_AUTH_BOUNDARIES.some((b) => b.id === id) && !pathActions.has(action)
          ? "no manifest route takes this action's org from the path"
          : null);
      return why === null
        ? { action, boundary: id, applicable: true }
        : { action, boundary: id, applicable: false, why };
    }),
  );
}
