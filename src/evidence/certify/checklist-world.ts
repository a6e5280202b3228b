/**
 * What the checklists (steps 4–6) share: the instance client, the fixture's names, the manifest's
 * routes and the catalogue's actions, and how a route pattern becomes a concrete request path.
 */
import { catalogueFromPolicyData } from '../../contract/policy-catalogue.js';
import type { RouteSpec } from '../../surfaces/forward-auth/route-table.js';
import { HOME_ORG, SHARED, TARGET_MEMBER } from '../boundary/fixture.js';
import type { InstanceClient } from './instance-client.js';

export interface ChecklistWorld {
  readonly client: InstanceClient;
  /** The fixture issuer's secret (the instance trusts it). */
  readonly secret: string;
  readonly routes: readonly RouteSpec[];
  readonly data: Readonly<Record<string, unknown>>;
  readonly tenancy: { default_org: string; org_header: string; org_cookie: string };
  /** Seconds since epoch, for minting tokens. */
  readonly nowS: () => number;
  /** Milliseconds, monotonic enough to time the drill. */
  readonly clockMs: () => number;
}

/** Values for the manifest's path parameters: fixture ids that exist, so no answer is a 404 for a missing id. */
const PARAM_VALUES: Readonly<Record<string, string>> = {
  org: HOME_ORG,
  user: TARGET_MEMBER,
  share: 's-view',
  type: SHARED.viewer.type,
  id: SHARED.viewer.id,
};

/** The route's path with its parameters filled in (`{org}` → `org`). */
export function concretePath(route: RouteSpec, org: string = HOME_ORG): string {
  return (
    '/' +
    route.segments
      .map((s) =>
        s.kind === 'literal' ? s.value : s.name === 'org' ? org : (PARAM_VALUES[s.name] ?? 'x'),
      )
      .join('/')
  );
}

/** Actions of the catalogue with `org_management` (anything but an explicit false, as forward-auth reads it). */
export function orgManagementActions(data: Readonly<Record<string, unknown>>): string[] {
  const catalogue = catalogueFromPolicyData(data);
  return catalogue ? [...catalogue].filter(([, a]) => a.org_management).map(([name]) => name) : [];
}

/** Every (method, route) of the manifest whose action is org management. */
export function orgRoutes(
  routes: readonly RouteSpec[],
  data: Readonly<Record<string, unknown>>,
): { method: string; route: RouteSpec }[] {
  const orgActions = new Set(orgManagementActions(data));
  return routes
    .filter((r) => orgActions.has(r.action))
    .flatMap((route) => route.methods.map((method) => ({ method, route })));
}
