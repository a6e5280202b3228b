/**
 * The boundary cases: the ways a request can sit at an org's edge. Each one builds, for one action,
 * the scenarios of every principal shape it concerns; the oracle then says what each must answer.
 * Cases marked `forwardAuthOnly` exist only where a gateway names the org in the path.
 */
import {
  HOME_ORG,
  OTHER_ORG,
  PENDING_DELETION_ORG,
  SHARED,
  SUSPENDED_ORG,
  TARGET_MEMBER,
  TARGET_NON_MEMBER,
  UNKNOWN_ORG,
  NON_MEMBER,
} from './fixture.js';
import {
  PRINCIPAL_SHAPES,
  principalFor,
  SESSION_AGE_S,
  type PrincipalShape,
} from './principals.js';
import type { Scenario } from './types.js';

interface BoundaryContext {
  readonly action: string;
  readonly scope: string;
  readonly defaultOrg: string;
}

export interface DraftCase {
  readonly principal: string;
  readonly variant?: string;
  readonly scenario: Scenario;
}

export interface BoundaryCaseSpec {
  readonly id: string;
  readonly description: string;
  /** Why the case cannot apply to the action, or null when it does. */
  notApplicable(action: string): string | null;
  drafts(ctx: BoundaryContext): DraftCase[];
}

/** A malformed org id (a path traversal), refused before the directory is asked. */
export const MALFORMED_ORG = 'acme/../globex';
const TARGETED = new Set([
  'org.members.remove',
  'org.members.update_role',
  'org.ownership.transfer',
]);

/** What each action needs in `context` to reach its specific checks with a proper target. */
export function actionContext(action: string, targetUser = TARGET_MEMBER): Record<string, string> {
  switch (action) {
    case 'org.members.update_role':
      return { target_user: targetUser, target_role: 'viewer' };
    case 'org.members.remove':
    case 'org.ownership.transfer':
      return { target_user: targetUser };
    case 'org.members.invite':
      return { target_role: 'viewer' };
    default:
      return {};
  }
}

function scenario(
  ctx: BoundaryContext,
  shape: PrincipalShape,
  home: string,
  named: Scenario['named'],
  extra: Partial<Scenario> = {},
): DraftCase {
  return {
    principal: shape,
    scenario: {
      mode: 'multi',
      principal: principalFor(shape, home, ctx.scope),
      action: ctx.action,
      named,
      context: actionContext(ctx.action),
      ...extra,
    },
  };
}

const every = (
  ctx: BoundaryContext,
  home: string,
  named: Scenario['named'],
  extra?: Partial<Scenario>,
) => PRINCIPAL_SHAPES.map((shape) => scenario(ctx, shape, home, named, extra));

const always = () => null;

const resourceCase = (
  id: string,
  description: string,
  resource: { type: string; id: string },
): BoundaryCaseSpec => ({
  id,
  description,
  notApplicable: always,
  drafts: (ctx) =>
    every(ctx, OTHER_ORG, { field: OTHER_ORG }, { resource: { ...resource, org: HOME_ORG } }),
});

export const BOUNDARY_CASES: readonly BoundaryCaseSpec[] = [
  {
    id: 'own_org',
    description: 'a member (or a token bound to the org) names its own org',
    notApplicable: always,
    drafts: (ctx) => every(ctx, HOME_ORG, { field: HOME_ORG }),
  },
  {
    id: 'non_member',
    description: 'a user of no org, and a token bound to the default org, name an org',
    notApplicable: always,
    drafts: (ctx) => [
      {
        principal: 'session:none',
        scenario: {
          mode: 'multi',
          principal: { kind: 'session', id: NON_MEMBER, authAgeS: SESSION_AGE_S },
          action: ctx.action,
          named: { field: HOME_ORG },
          context: actionContext(ctx.action),
        },
      },
      scenario(ctx, 'token:unbound:scoped', HOME_ORG, { field: HOME_ORG }),
    ],
  },
  {
    id: 'member_of_other_org',
    description: 'a member of another org (each role) names this org',
    notApplicable: always,
    drafts: (ctx) =>
      PRINCIPAL_SHAPES.filter((s) => s.startsWith('session:')).map((shape) =>
        scenario(ctx, shape, OTHER_ORG, { field: HOME_ORG }),
      ),
  },
  {
    id: 'token_other_org',
    description: 'an API token bound to another org names this org',
    notApplicable: always,
    drafts: (ctx) =>
      (['token:one:scoped', 'token:one:unscoped'] as const).map((shape) =>
        scenario(ctx, shape, OTHER_ORG, { field: HOME_ORG }),
      ),
  },
  resourceCase('resource_no_share', 'a resource of another org, not shared', SHARED.none),
  resourceCase(
    'resource_pending_share',
    'a resource of another org, share pending',
    SHARED.pending,
  ),
  resourceCase('resource_share_viewer', 'an accepted share with access_role viewer', SHARED.viewer),
  resourceCase('resource_share_editor', 'an accepted share with access_role editor', SHARED.editor),
  resourceCase('resource_share_admin', 'an accepted share with access_role admin', SHARED.admin),
  resourceCase(
    'resource_share_other_resource',
    'a share of another resource (same id, other type)',
    {
      type: 'dashboard',
      id: SHARED.viewer.id,
    },
  ),
  {
    id: 'org_suspended',
    description: 'members of a suspended org name it',
    notApplicable: always,
    drafts: (ctx) => every(ctx, SUSPENDED_ORG, { field: SUSPENDED_ORG }),
  },
  {
    id: 'org_pending_deletion',
    description: 'members of an org pending deletion name it',
    notApplicable: always,
    drafts: (ctx) => every(ctx, PENDING_DELETION_ORG, { field: PENDING_DELETION_ORG }),
  },
  {
    id: 'org_malformed',
    description: 'the named org id is malformed',
    notApplicable: always,
    drafts: (ctx) => every(ctx, HOME_ORG, { field: MALFORMED_ORG }),
  },
  {
    id: 'org_unknown',
    description: 'the named org does not exist',
    notApplicable: always,
    drafts: (ctx) => every(ctx, HOME_ORG, { field: UNKNOWN_ORG }),
  },
  {
    id: 'org_default',
    description: 'the default org is named (members of acme hold no stored role there)',
    notApplicable: always,
    drafts: (ctx) => every(ctx, HOME_ORG, { field: ctx.defaultOrg }),
  },
  {
    id: 'org_by_header',
    description: 'the org is named by the org header',
    notApplicable: always,
    drafts: (ctx) => every(ctx, HOME_ORG, { header: HOME_ORG }),
  },
  {
    id: 'org_by_cookie',
    description: 'the org is named by the org cookie',
    notApplicable: always,
    drafts: (ctx) => every(ctx, HOME_ORG, { cookie: HOME_ORG }),
  },
  {
    id: 'org_by_token_binding',
    description: 'no org is named: the token binding (or the default org) decides',
    notApplicable: always,
    drafts: (ctx) => every(ctx, HOME_ORG, {}),
  },
  {
    id: 'org_sources_disagree',
    description: 'field, header and cookie name different orgs (field, then header, wins)',
    notApplicable: always,
    drafts: (ctx) => [
      ...every(ctx, HOME_ORG, { field: HOME_ORG, header: OTHER_ORG, cookie: SUSPENDED_ORG }).map(
        (d) => ({ ...d, variant: 'field_wins' }),
      ),
      ...every(ctx, HOME_ORG, { header: HOME_ORG, cookie: OTHER_ORG }).map((d) => ({
        ...d,
        variant: 'header_wins',
      })),
    ],
  },
  {
    id: 'target_in_other_org',
    description: 'the member acted on belongs to another org',
    notApplicable: (action) => (TARGETED.has(action) ? null : 'the action names no target user'),
    drafts: (ctx) =>
      every(
        ctx,
        HOME_ORG,
        { field: HOME_ORG },
        { context: actionContext(ctx.action, TARGET_NON_MEMBER) },
      ),
  },
  {
    id: 'single_tenant',
    description: 'multi-tenant off: a non-default org, and the default org, are named',
    notApplicable: always,
    drafts: (ctx) => [
      ...every(ctx, HOME_ORG, { field: HOME_ORG }, { mode: 'single' }).map((d) => ({
        ...d,
        variant: 'non_default',
      })),
      ...every(ctx, HOME_ORG, { field: ctx.defaultOrg }, { mode: 'single' }).map((d) => ({
        ...d,
        variant: 'default',
      })),
    ],
  },
];
