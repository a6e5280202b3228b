/**
 * The boundary cases through a gateway: for every route of the manifest and each of its methods,
 * the org named where the route takes it from (path, header, cookie, or nowhere), and what the
 * gateway must be answered (docs/gateways.md): 200, 401, 403, or 404 for an org route that is
 * invisible.
 */
import type { RouteSpec } from '../../surfaces/forward-auth/route-table.js';
import { MALFORMED_ORG } from './boundaries.js';
import type { DraftCase } from './boundaries.js';
import {
  HOME_ORG,
  OTHER_ORG,
  PENDING_DELETION_ORG,
  SHARED,
  SUSPENDED_ORG,
  TARGET_MEMBER,
  UNKNOWN_ORG,
} from './fixture.js';
import { PRINCIPAL_SHAPES, principalFor, type PrincipalShape } from './principals.js';
import type { Expected, Scenario } from './types.js';

/** The value each kind of path parameter takes; `{org}` takes the org the case names. */
const PARAM_VALUES: Readonly<Record<string, string>> = {
  user: TARGET_MEMBER,
  share: 's-view',
  type: SHARED.viewer.type,
  id: SHARED.viewer.id,
};

function paramValue(name: string, org: string): string {
  return name === 'org' ? org : (PARAM_VALUES[name] ?? `${name}-1`);
}

/** The request path of `route` for a case naming `org` in the path. */
export function routePath(route: RouteSpec, org: string): string {
  return (
    '/' +
    route.segments
      .map((s) => encodeURIComponent(s.kind === 'literal' ? s.value : paramValue(s.name, org)))
      .join('/')
  );
}

function template(value: { param: string } | { literal: string }, org: string): string {
  return 'param' in value ? paramValue(value.param, org) : value.literal;
}

/** One forward-auth draft: `org` is named where the route reads it (`via` for header routes). */
function draft(
  route: RouteSpec,
  shape: PrincipalShape,
  home: string,
  org: string | null,
  scope: string,
  via: 'header' | 'cookie' = 'header',
): DraftCase {
  const onPath = route.org[0] === 'path';
  const named: Scenario['named'] =
    org === null ? {} : onPath ? { path: org } : route.org.includes(via) ? { [via]: org } : {};
  const orgForParams = org ?? home;
  const resource = route.resource
    ? {
        type: template(route.resource.type, orgForParams),
        id: route.resource.id ? template(route.resource.id, orgForParams) : '',
      }
    : undefined;
  const context = Object.fromEntries(
    Object.entries(route.context).map(([k, v]) => [k, template(v, orgForParams)]),
  );
  return {
    principal: shape,
    scenario: {
      mode: 'multi',
      principal: principalFor(shape, home, scope),
      action: route.action,
      named,
      context,
      ...(resource ? { resource } : {}),
    },
  };
}

export interface ForwardAuthDraft extends DraftCase {
  readonly boundary: string;
}

/** Every forward-auth draft of one route (method chosen by the caller). */
export function forwardAuthDrafts(route: RouteSpec, scope: string): ForwardAuthDraft[] {
  const shapes = PRINCIPAL_SHAPES;
  const sessions = shapes.filter((s) => s.startsWith('session:'));
  const at = (boundary: string, drafts: DraftCase[]): ForwardAuthDraft[] =>
    drafts.map((d) => ({ ...d, boundary }));
  const all = (home: string, org: string | null, via?: 'header' | 'cookie') =>
    shapes.map((s) => draft(route, s, home, org, scope, via));
  if (route.org.length === 0)
    return [
      ...at('org_by_token_binding', all(HOME_ORG, null)),
      ...at('single_tenant', all(HOME_ORG, null).map(single)),
    ];
  const onPath = route.org[0] === 'path';
  const drafts: ForwardAuthDraft[] = [
    ...at(onPath ? 'org_by_path' : 'org_by_header', all(HOME_ORG, HOME_ORG)),
    ...at(
      'member_of_other_org',
      sessions.map((s) => draft(route, s, OTHER_ORG, HOME_ORG, scope)),
    ),
    ...at('token_other_org', [draft(route, 'token:one:scoped', OTHER_ORG, HOME_ORG, scope)]),
    ...at('org_suspended', all(SUSPENDED_ORG, SUSPENDED_ORG)),
    ...at('org_pending_deletion', all(PENDING_DELETION_ORG, PENDING_DELETION_ORG)),
    ...at('org_unknown', all(HOME_ORG, UNKNOWN_ORG)),
    ...at('single_tenant', all(HOME_ORG, HOME_ORG).map(single)),
  ];
  if (onPath) {
    // A path route with an org header naming another org: ambiguous, refused before any decision.
    const mismatch = draft(route, 'session:owner', HOME_ORG, HOME_ORG, scope);
    drafts.push({
      ...mismatch,
      boundary: 'org_path_header_disagree',
      scenario: { ...mismatch.scenario, named: { path: HOME_ORG, header: OTHER_ORG } },
    });
  } else {
    drafts.push(
      ...at('org_by_cookie', route.org.includes('cookie') ? all(HOME_ORG, HOME_ORG, 'cookie') : []),
      ...at('org_malformed', all(HOME_ORG, MALFORMED_ORG)),
      ...at(
        'org_sources_disagree',
        all(HOME_ORG, HOME_ORG).map((d) => ({
          ...d,
          scenario: { ...d.scenario, named: { header: HOME_ORG, cookie: OTHER_ORG } },
        })),
      ),
    );
  }
  return drafts;
}

function single(d: DraftCase): DraftCase {
  return { ...d, variant: 'non_default', scenario: { ...d.scenario, mode: 'single' } };
}

/**
 * The gateway's answer for the oracle's decision (docs/gateways.md, "Answers"). Refusals before a
 * decision (an org path with a header naming another org) are decided here.
 */
export function forwardAuthExpected(route: RouteSpec, s: Scenario, decision: Expected): Expected {
  const refused = (error: string): Expected => ({ allow: false, reason: error, status: 403 });
  if (s.named.path !== undefined && s.named.header !== undefined && s.named.header !== s.named.path)
    return refused('org_mismatch');
  if (decision.allow) return { allow: true, reason: 'allowed', status: 200 };
  const reason = decision.reason;
  const notFound = { allow: false, reason: 'not_found', status: 404 };
  if (reason === 'unauthenticated' || reason === 'fresh_session_required')
    return { allow: false, reason, status: 401 };
  if (reason === 'feature_disabled' && route.orgRoute) return notFound;
  if (reason === 'invalid_org' && s.named.path !== undefined) return notFound;
  if (reason === 'directory_unavailable' || reason === 'keys_unavailable')
    return { allow: false, reason, status: 503 };
  if (reason === 'policy_error') return { allow: false, reason, status: 500 };
  return { allow: false, reason, status: 403 };
}
