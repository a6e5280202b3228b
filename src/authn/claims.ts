/**
 * Step 6: our own checks on a claims set whose signature, issuer, audience and lifetime jose has
 * already verified, then the `Principal` built from it. Each check is a small function; they run
 * in the order listed in `toPrincipal`.
 */
import { fail, type AuthFailure } from './failure.js';
import type { Principal, PrincipalKind } from './types.js';

/** The contract's org id syntax (CONTRACT §2). */
const ORG_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_SUBJECT_LENGTH = 256;

export type Claims = Record<string, unknown>;

/**
 * `iat` later than now + tolerance. jose v6 only checks this when `maxTokenAge` is set, so we
 * check it always.
 */
export function checkIssuedAt(claims: Claims, nowSeconds: number, toleranceSeconds: number): AuthFailure | null {
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

export function readSubject(claims: Claims): AuthFailure | string {
  const { sub } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    return fail('claim_invalid', `claim 'sub' must be a non-empty string of at most ${MAX_SUBJECT_LENGTH} characters`);
  }
  return sub;
}

export function readKind(claims: Claims): AuthFailure | PrincipalKind {
  const { kind } = claims;
  if (kind === undefined || kind === 'session') return 'session';
  if (kind === 'api_token') return 'api_token';
  return fail('claim_invalid', "claim 'kind' must be 'session' or 'api_token'");
}

export function readScopes(claims: Claims): AuthFailure | string[] {
  const { scope } = claims;
  if (scope === undefined) return [];
  if (typeof scope !== 'string') {
    return fail('claim_invalid', "claim 'scope' must be a string");
  }
  return scope.split(' ').filter(Boolean);
}

/**
 * The token's org binding: `org_ids`, else `[org_id]`, else null (the policy reads null as the
 * default org). Both present must agree, so no reader can pick a different binding.
 */
export function readOrgBinding(claims: Claims): AuthFailure | string[] | null {
  const { org_id: orgId, org_ids: orgIds } = claims;
  if (orgId !== undefined && !isOrgId(orgId)) {
    return fail('claim_invalid', "claim 'org_id' must be an org id");
  }
  if (orgIds === undefined) {
    return orgId === undefined ? null : [orgId as string];
  }
  if (!Array.isArray(orgIds) || orgIds.length === 0 || !orgIds.every(isOrgId)) {
    return fail('claim_invalid', "claim 'org_ids' must be a non-empty array of org ids");
  }
  if (orgId !== undefined && !orgIds.includes(orgId)) {
    return fail('claim_invalid', "claim 'org_id' is not among 'org_ids'");
  }
  return [...orgIds];
}

export function readAuthTime(claims: Claims): AuthFailure | number | null {
  const { auth_time: authTime } = claims;
  if (authTime === undefined) return null;
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) {
    return fail('claim_invalid', "claim 'auth_time' must be a number");
  }
  return authTime;
}

/**
 * Every claim is validated whatever the kind, so a malformed claim is never silently ignored;
 * only then does the kind decide which of them the principal carries.
 */
export function toPrincipal(claims: Claims): AuthFailure | { ok: true; principal: Principal } {
  const id = readSubject(claims);
  if (typeof id !== 'string') return id;
  const kind = readKind(claims);
  if (typeof kind !== 'string') return kind;
  const scopes = readScopes(claims);
  if (!Array.isArray(scopes)) return scopes;
  const boundOrgs = readOrgBinding(claims);
  if (boundOrgs !== null && !Array.isArray(boundOrgs)) return boundOrgs;
  const authTime = readAuthTime(claims);
  if (authTime !== null && typeof authTime !== 'number') return authTime;

  const principal: Principal =
    kind === 'api_token'
      ? { id, kind, scopes, bound_orgs: boundOrgs, auth_time: null }
      : { id, kind, scopes: [], bound_orgs: null, auth_time: authTime };
  return { ok: true, principal };
}

function isOrgId(value: unknown): value is string {
  return typeof value === 'string' && ORG_ID.test(value);
}
