/**
 * The principal shapes of the boundary suite: a session of each role, API tokens bound to one
 * org, to several and to none, with and without the action's scope, and nobody at all. A shape is
 * placed in an org ("home"): a session is the member of that org with the shape's role, a token is
 * bound to it.
 */
import { CONTRACT_SCOPES } from './contract-rules.js';
import { memberOf, OTHER_ORG, ROLES, type FixtureRole } from './fixture.js';
import type { PrincipalSpec } from './types.js';

const SESSION_SHAPES = ROLES.map((role) => `session:${role}` as const);
const TOKEN_SHAPES = [
  'token:one:scoped',
  'token:one:unscoped',
  'token:many:scoped',
  'token:unbound:scoped',
] as const;
export const PRINCIPAL_SHAPES = [...SESSION_SHAPES, ...TOKEN_SHAPES, 'unauthenticated'] as const;
export type PrincipalShape = (typeof PRINCIPAL_SHAPES)[number];

/** Seconds since sign-in of every session: fresh enough for an ownership transfer. */
export const SESSION_AGE_S = 10;

/** A scope the action does not need (so the token lacks the action's scope). */
function otherScope(scope: string): string {
  return CONTRACT_SCOPES.find((s) => s !== scope) ?? 'settings:read';
}

/**
 * The principal of `shape` at home in `home`, for an action needing `scope`. "many" tokens are
 * bound to home and one more org (the other org, or the home org's counterpart when home is it).
 */
export function principalFor(
  shape: PrincipalShape,
  home: string,
  scope: string,
): PrincipalSpec | null {
  if (shape === 'unauthenticated') return null;
  if (shape.startsWith('session:')) {
    const role = shape.slice('session:'.length) as FixtureRole;
    return { kind: 'session', id: memberOf(home, role), authAgeS: SESSION_AGE_S };
  }
  const [, binding, scoped] = shape.split(':');
  const scopes = [scoped === 'scoped' ? scope : otherScope(scope)];
  const second = home === OTHER_ORG ? 'acme' : OTHER_ORG;
  const orgIds = binding === 'one' ? [home] : binding === 'many' ? [home, second] : [];
  return { kind: 'api_token', id: `tok-${binding ?? ''}-${home}`, scopes, orgIds };
}

/** The JWT claims of a principal (contract section 3); `nowS` is the issuer's clock. */
export function claimsOf(p: PrincipalSpec, nowS: number): Record<string, unknown> {
  if (p.kind === 'session')
    return { sub: p.id, kind: 'session', auth_time: nowS - (p.authAgeS ?? SESSION_AGE_S) };
  const orgIds = p.orgIds ?? [];
  return {
    sub: p.id,
    kind: 'api_token',
    scope: (p.scopes ?? []).join(' '),
    ...(orgIds.length === 1 ? { org_id: orgIds[0] } : orgIds.length > 1 ? { org_ids: orgIds } : {}),
  };
}
