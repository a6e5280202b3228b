/**
 * The oracle: the decision the contract requires for a scenario, from the contract's rules in the
 * contract's order (CONTRACT.md section 4, docs/policies.md "Order of checks"), over the fixture
 * directory. It is written from the contract alone — never from the Rego — so that a policy defect
 * shows up as a disagreement between the two.
 *
 * It asserts what the contract fixes: allow, reason, status, `spoof` and `effective_org`, and the
 * `detail` only where the contract names it (`access_denied`, `feature_disabled`, `invalid_org`).
 */
import type { Expected, PrincipalSpec, Scenario } from './types.js';
import {
  catalogueAction,
  CONTRACT_STATUS,
  MAX_AUTH_AGE_S,
  ROLE_RANK,
  type ContractAction,
  type ContractRole,
} from './contract-rules.js';

export interface OracleOrg {
  readonly status: string;
  readonly members: ReadonlyMap<string, ContractRole>;
  readonly shares: readonly {
    readonly resource: { readonly type: string; readonly id: string };
    readonly target_org: string;
    readonly access_role: ContractRole;
    readonly state: string;
  }[];
}

export interface OracleWorld {
  readonly defaultOrg: string;
  readonly orgs: ReadonlyMap<string, OracleOrg>;
  /** The policy's `catalogue.actions`: consulted only for actions the contract does not define. */
  readonly policyActions: Readonly<Record<string, unknown>>;
}

const ORG_ID = /^[A-Za-z0-9._-]{1,64}$/;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
/** Actions about the principal rather than one org (contract: org resolution). */
const PRINCIPAL_ACTIONS = new Set(['orgs.list', 'orgs.create']);
const EVENT_ACTION = 'events.receive';

function acceptableOrgId(id: string, defaultOrg: string): boolean {
  if (!ORG_ID.test(id) || /^\.+$/.test(id) || RESERVED.has(id)) return false;
  return id === defaultOrg || id.toLowerCase() !== defaultOrg.toLowerCase();
}

function deny(reason: string, extra: Omit<Expected, 'allow' | 'reason' | 'status'> = {}): Expected {
  return {
    allow: false,
    reason,
    status: CONTRACT_STATUS[reason] ?? 500,
    spoof: false,
    effective_org: null,
    ...extra,
  };
}

interface Requested {
  id: string;
  /** The client named it (field, header, cookie, path): only then is a refusal a spoof. */
  named: boolean;
}

/** Requested org = field, else header, else cookie (else path); else the token's single binding; else the default org. */
function requestedOrg(
  s: Scenario,
  p: PrincipalSpec,
  world: OracleWorld,
): Requested | 'org_required' {
  const named = s.named.path ?? s.named.field ?? s.named.header ?? s.named.cookie;
  if (named !== undefined) return { id: named, named: true };
  const bound = p.kind === 'api_token' ? (p.orgIds ?? []) : [];
  if (bound.length === 1 && bound[0] !== undefined) return { id: bound[0], named: false };
  if (bound.length > 1) {
    const first = bound[0];
    return PRINCIPAL_ACTIONS.has(s.action) && first !== undefined
      ? { id: first, named: false }
      : 'org_required';
  }
  return { id: world.defaultOrg, named: false };
}

/** The role of a session in an org, from the directory (the default org: stored, else viewer). */
function sessionRole(user: string, org: string, world: OracleWorld): ContractRole | null {
  const stored = world.orgs.get(org)?.members.get(user) ?? null;
  return stored ?? (org === world.defaultOrg ? 'viewer' : null);
}

export function expectedDecision(s: Scenario, world: OracleWorld): Expected {
  const p = s.principal;
  if (p === null) return deny('unauthenticated');
  const rules = catalogueAction(s.action, world.policyActions);
  if (rules === null) return deny('unknown_action');

  const requested = requestedOrg(s, p, world);
  if (requested === 'org_required') return deny('invalid_org', { detail: 'org_required' });
  const org = requested.id;
  const { defaultOrg } = world;

  if (s.mode === 'single') {
    if (org !== defaultOrg) return deny('feature_disabled', { detail: 'org_not_default' });
    if (rules.orgManagement) return deny('feature_disabled', { detail: 'org_management' });
    if (s.resource?.org !== undefined && s.resource.org !== defaultOrg)
      return deny('feature_disabled', { detail: 'resource_org_not_default' });
  } else if (!acceptableOrgId(org, defaultOrg)) {
    return deny('invalid_org', { detail: 'malformed_org_id' });
  }
  const record = world.orgs.get(org);
  if (org !== defaultOrg && record === undefined)
    return deny('invalid_org', { detail: 'unknown_org' });
  if (org !== defaultOrg && record?.status !== 'active') return deny('org_suspended');

  // Binding and membership: from here on the org is proven, so it is the effective org.
  let role: ContractRole | null = null;
  if (p.kind === 'api_token') {
    const bound = p.orgIds && p.orgIds.length > 0 ? p.orgIds : [defaultOrg];
    if (!bound.includes(org))
      return deny('access_denied', { detail: 'token_org_mismatch', spoof: requested.named });
  } else {
    role = sessionRole(p.id, org, world);
    if (role === null)
      return deny('access_denied', { detail: 'not_member', spoof: requested.named });
  }
  const proven = { effective_org: org };

  if (p.kind === 'api_token') {
    if (!rules.tokens) return deny('session_required', proven);
    const scopes = p.scopes ?? [];
    if (!scopes.includes(rules.scope) && !scopes.includes('*'))
      return deny('missing_scope', proven);
  }
  const transfer = isTransfer(s);
  if (role !== null) {
    if (transfer && role !== 'owner') return deny('owner_required', proven);
    if (rules.minRole !== null && ROLE_RANK[role] < ROLE_RANK[rules.minRole])
      return deny('insufficient_role', proven);
  }
  if (!resourcePasses(s, org, rules, world)) return deny('cross_org', proven);
  const specific = actionSpecifics(s, p, org, rules, transfer, world);
  if (specific !== null) return deny(specific, proven);
  return { allow: true, reason: 'allowed', status: 200, spoof: false, effective_org: org };
}

function isTransfer(s: Scenario): boolean {
  if (s.action === 'org.ownership.transfer') return true;
  const grantsOwner = s.context?.target_role === 'owner';
  return (
    grantsOwner && (s.action === 'org.members.update_role' || s.action === 'org.members.invite')
  );
}

/** A resource of another org passes only through an accepted share that reaches the action's role. */
function resourcePasses(
  s: Scenario,
  org: string,
  rules: ContractAction,
  world: OracleWorld,
): boolean {
  const resource = s.resource;
  if (resource?.org === undefined || resource.org === org) return true;
  if (s.action === EVENT_ACTION) return false; // shares never carry events
  const owner = world.orgs.get(resource.org);
  if (resource.org !== world.defaultOrg && owner?.status !== 'active') return false;
  const needed = ROLE_RANK[rules.minRole ?? 'viewer'];
  return (owner?.shares ?? []).some(
    (share) =>
      share.state === 'accepted' &&
      share.target_org === org &&
      share.resource.type === resource.type &&
      share.resource.id === resource.id &&
      ROLE_RANK[share.access_role] >= needed,
  );
}

function actionSpecifics(
  s: Scenario,
  p: PrincipalSpec,
  org: string,
  rules: ContractAction,
  transfer: boolean,
  world: OracleWorld,
): string | null {
  if (org === world.defaultOrg && rules.defaultImmutable) return 'default_org_immutable';
  const targetRole = s.context?.target_role;
  if (s.action === 'org.members.update_role' || s.action === 'org.members.invite') {
    if (targetRole === undefined && s.action === 'org.members.update_role') return 'invalid_role';
    if (targetRole !== undefined && !(targetRole in ROLE_RANK) && targetRole !== 'member')
      return 'invalid_role';
  }
  const target = s.context?.target_user;
  const targetRoleInOrg =
    target === undefined ? null : (world.orgs.get(org)?.members.get(target) ?? null);
  if (transfer) {
    const age = p.authAgeS;
    if (age === undefined || age < 0 || age > MAX_AUTH_AGE_S) return 'fresh_session_required';
    if (s.action === 'org.members.invite' || targetRoleInOrg === null)
      return 'owner_transfer_requires_member';
  }
  if (s.action === 'org.members.remove' || s.action === 'org.members.update_role') {
    if (targetRoleInOrg === null) return 'target_not_member';
    if (
      targetRoleInOrg === 'owner' &&
      !(s.action === 'org.members.update_role' && targetRole === 'owner')
    )
      return 'owner_role_immutable';
  }
  return null;
}
