/**
 * Step 6: our own checks on a claims set whose signature, issuer, audience and lifetime jose has
 * already verified, then the `Principal` built from it. Each check is a small function; they run
 * in the order listed in `toPrincipal`.
 *
 * A claim of the wrong type is `claim_invalid`. A string that is not a canonical id gets a code
 * of its own (`sub_malformed`, `org_id_malformed`), because the id grammar is shared with every
 * other entry point (src/contract/ids.ts): a spelling refused in a request body must not become a
 * principal through a token.
 */
import { describeIdProblem, orgIdProblem, userIdProblem } from '../contract/ids.js';
import { fail, type AuthFailure } from './failure.js';
import type { Principal, PrincipalKind } from '../contract/principal.js';

export type Claims = Record<string, unknown>;

/** What the claim checks need to know besides the claims themselves. */
export interface ClaimContext {
  nowSeconds: number;
  toleranceSeconds: number;
  /** The tenancy's default org: its case variants are not org ids. */
  defaultOrg: string;
}

/**
 * `iat` later than now + tolerance. jose v6 only checks this when `maxTokenAge` is set, so we
 * check it always.
 */
export function checkIssuedAt(
  claims: Claims,
  nowSeconds: number,
  toleranceSeconds: number,
): AuthFailure | null {
  const { iat } = claims;
  if (iat === undefined) return null;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    return fail('claim_invalid', "claim 'iat' must be a number");
  }
  if (iat > nowSeconds + toleranceSeconds) {
    return fail('token_issued_in_future', "token was issued in the future (claim 'iat')");
  }
  return null;
}

/** `sub` must be a canonical user (or token) id: the principal's id is compared exactly everywhere. */
function readSubject(claims: Claims): AuthFailure | string {
  const { sub } = claims;
  const problem = userIdProblem(sub);
  if (problem === 'not_a_string') return fail('claim_invalid', "claim 'sub' must be a string");
  if (problem !== null) return fail('sub_malformed', describeIdProblem("claim 'sub'", problem));
  return sub as string;
}

function readKind(claims: Claims): AuthFailure | PrincipalKind {
  const { kind } = claims;
  if (kind === undefined || kind === 'session') return 'session';
  if (kind === 'api_token') return 'api_token';
  return fail('claim_invalid', "claim 'kind' must be 'session' or 'api_token'");
}

function readScopes(claims: Claims): AuthFailure | string[] {
  const { scope } = claims;
  if (scope === undefined) return [];
  if (typeof scope !== 'string' || !scope.isWellFormed()) {
    return fail('claim_invalid', "claim 'scope' must be a string of well-formed Unicode");
  }
  return scope.split(' ').filter(Boolean);
}

/**
 * The token's org binding: `org_ids`, else `[org_id]`, else null (the policy reads null as the
 * default org). Both present must agree, so no reader can pick a different binding. Every id must
 * be an acceptable org id (not dot-only, not a prototype name, not a case variant of the default
 * org), so a binding can never name an org that no other entry point would accept.
 */
function readOrgBinding(claims: Claims, defaultOrg: string): AuthFailure | string[] | null {
  const { org_id: orgId, org_ids: orgIds } = claims;
  if (orgId !== undefined) {
    const problem = orgIdProblem(orgId, defaultOrg);
    if (problem === 'not_a_string') return fail('claim_invalid', "claim 'org_id' must be a string");
    if (problem !== null)
      return fail('org_id_malformed', describeIdProblem("claim 'org_id'", problem));
  }
  if (orgIds === undefined) {
    return orgId === undefined ? null : [orgId as string];
  }
  if (
    !Array.isArray(orgIds) ||
    orgIds.length === 0 ||
    !orgIds.every((id) => typeof id === 'string')
  ) {
    return fail('claim_invalid', "claim 'org_ids' must be a non-empty array of strings");
  }
  const ids = orgIds;
  for (const id of ids) {
    const problem = orgIdProblem(id, defaultOrg);
    if (problem !== null)
      return fail('org_id_malformed', describeIdProblem("every entry of claim 'org_ids'", problem));
  }
  if (orgId !== undefined && !ids.includes(orgId as string)) {
    return fail('claim_invalid', "claim 'org_id' is not among 'org_ids'");
  }
  return [...ids];
}

/**
 * `auth_time` is when the user signed in; a sign-in later than now (beyond the clock tolerance)
 * did not happen, and would make a session look fresh for longer than it is.
 */
function readAuthTime(
  claims: Claims,
  nowSeconds: number,
  toleranceSeconds: number,
): AuthFailure | number | null {
  const { auth_time: authTime } = claims;
  if (authTime === undefined) return null;
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) {
    return fail('claim_invalid', "claim 'auth_time' must be a number");
  }
  if (authTime > nowSeconds + toleranceSeconds) {
    return fail('auth_time_in_future', "sign-in time is in the future (claim 'auth_time')");
  }
  return authTime;
}

/**
 * Every claim is validated whatever the kind, so a malformed claim is never silently ignored;
 * only then does the kind decide which of them the principal carries.
 */
export function toPrincipal(
  claims: Claims,
  context: ClaimContext,
): AuthFailure | { ok: true; principal: Principal } {
  const id = readSubject(claims);
  if (typeof id !== 'string') return id;
  const kind = readKind(claims);
  if (typeof kind !== 'string') return kind;
  const scopes = readScopes(claims);
  if (!Array.isArray(scopes)) return scopes;
  const boundOrgs = readOrgBinding(claims, context.defaultOrg);
  if (boundOrgs !== null && !Array.isArray(boundOrgs)) return boundOrgs;
  const authTime = readAuthTime(claims, context.nowSeconds, context.toleranceSeconds);
  if (authTime !== null && typeof authTime !== 'number') return authTime;

  const principal: Principal =
    kind === 'api_token'
      ? { id, kind, scopes, bound_orgs: boundOrgs, auth_time: null }
      : { id, kind, scopes: [], bound_orgs: null, auth_time: authTime };
  return { ok: true, principal };
}
