/**
 * The contract's tables, written down here from the contract (CONTRACT.md sections 3–4 and
 * docs/policies.md) and never read from a policy: the oracle that judges a policy must not be
 * derived from it. A policy whose catalogue differs from these defaults fails the cells that
 * difference changes, and the report names them; an action the contract does not define is judged
 * by the catalogue entry the policy carries (`catalogueAction`).
 */

const CONTRACT_ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export type ContractRole = (typeof CONTRACT_ROLES)[number];
export const ROLE_RANK: Readonly<Record<ContractRole, number>> = {
  viewer: 1,
  editor: 2,
  admin: 3,
  owner: 4,
};

export interface ContractAction {
  /** null: any authenticated principal. */
  readonly minRole: ContractRole | null;
  readonly scope: string;
  /** false: session only (`session_required` for API tokens). */
  readonly tokens: boolean;
  /** Org management: `feature_disabled` in single-tenant mode. */
  readonly orgManagement: boolean;
  /** Refused on the default org (`default_org_immutable`). */
  readonly defaultImmutable: boolean;
}

const action = (
  minRole: ContractRole | null,
  scope: string,
  tokens: boolean,
  orgManagement: boolean,
  defaultImmutable = false,
): ContractAction => ({ minRole, scope, tokens, orgManagement, defaultImmutable });

/** The action catalogue of the default policy pack, as the contract states it. */
export const CONTRACT_ACTIONS: Readonly<Record<string, ContractAction>> = {
  'orgs.list': action(null, 'settings:read', true, true),
  'orgs.create': action(null, 'settings:write', false, true),
  'org.read': action('viewer', 'settings:read', true, true),
  'org.members.list': action('viewer', 'settings:read', true, true),
  'org.shares.list': action('viewer', 'settings:read', true, true),
  'org.shares.incoming.list': action('viewer', 'settings:read', true, true),
  'org.update': action('admin', 'settings:write', false, true, true),
  'org.members.invite': action('admin', 'settings:write', false, true, true),
  'org.members.update_role': action('admin', 'settings:write', false, true, true),
  'org.members.remove': action('admin', 'settings:write', false, true, true),
  'org.invitations.revoke': action('admin', 'settings:write', false, true, true),
  'org.invitations.list': action('admin', 'settings:read', false, true),
  'org.shares.create': action('admin', 'settings:write', false, true),
  'org.shares.delete': action('admin', 'settings:write', false, true),
  'org.shares.incoming.accept': action('admin', 'settings:write', false, true),
  'org.shares.incoming.decline': action('admin', 'settings:write', false, true),
  'org.delete': action('owner', 'settings:write', false, true, true),
  'org.ownership.transfer': action('owner', 'settings:write', false, true, true),
  'org.billing.read': action('owner', 'settings:read', false, true),
  'resource.read': action('viewer', 'monitoring:read', true, false),
  'resource.write': action('editor', 'monitoring:write', true, false),
  'ai.chat': action('viewer', 'ai:chat', true, false),
  'ai.execute': action('editor', 'ai:execute', true, false),
  // docs/surfaces.md: receiving realtime events (the event filter's action).
  'events.receive': action('viewer', 'monitoring:read', false, false),
};

/** The scopes of the contract (section 3); `*` grants every scope. */
export const CONTRACT_SCOPES = [
  'settings:read',
  'settings:write',
  'monitoring:read',
  'monitoring:write',
  'ai:chat',
  'ai:execute',
] as const;

/** Reason → HTTP status, contract section 4. */
export const CONTRACT_STATUS: Readonly<Record<string, number>> = {
  allowed: 200,
  unauthenticated: 401,
  invalid_org: 400,
  feature_disabled: 501,
  org_suspended: 403,
  access_denied: 403,
  session_required: 403,
  missing_scope: 403,
  insufficient_role: 403,
  owner_required: 403,
  fresh_session_required: 401,
  default_org_immutable: 400,
  owner_role_immutable: 400,
  owner_transfer_requires_member: 400,
  target_not_member: 400,
  invalid_role: 400,
  cross_org: 403,
  unknown_action: 403,
  directory_unavailable: 503,
  directory_revision_not_reached: 503,
  keys_unavailable: 503,
  policy_error: 500,
};

/** Ownership transfer needs a session signed in at most this long ago (contract section 3). */
export const MAX_AUTH_AGE_S = 300;

/**
 * An action's rules: the contract's entry when the contract defines the action, else the entry
 * the policy's catalogue carries (a reviewer-added action), else null (not in the catalogue).
 */
export function catalogueAction(
  name: string,
  policyCatalogue: Readonly<Record<string, unknown>>,
): ContractAction | null {
  const contract = CONTRACT_ACTIONS[name];
  if (contract) return contract;
  const entry = policyCatalogue[name];
  if (typeof entry !== 'object' || entry === null) return null;
  const e = entry as Record<string, unknown>;
  const minRole = CONTRACT_ROLES.includes(e.min_role as ContractRole)
    ? (e.min_role as ContractRole)
    : null;
  return action(
    minRole,
    typeof e.scope === 'string' ? e.scope : '',
    e.tokens === true,
    e.org_management !== false,
    e.default_immutable === true,
  );
}
