/**
 * The boundary suite's own world: a fixture directory, its own HS256 issuer, and tokens minted for
 * it. The suite never needs the deployment's keys or data: a certification run starts a throw-away
 * instance with the deployment's policy, route manifest and tenancy names, and this fixture as its
 * directory and issuer.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

export const FIXTURE_ISSUER = 'https://certify.orgwarden.invalid';
export const FIXTURE_AUDIENCE = 'orgwarden-certify';
/** The env var the throw-away instance reads the fixture's HS256 secret from. */
export const FIXTURE_SECRET_ENV = 'ORGWARDEN_CERTIFY_JWT_SECRET';

/** The org every request names in the happy path, and the org whose members play "another org". */
export const HOME_ORG = 'acme';
export const OTHER_ORG = 'globex';
export const SUSPENDED_ORG = 'frozen';
export const PENDING_DELETION_ORG = 'leaving';
/** Well-formed ids of orgs that do not exist, and malformed ones. */
export const UNKNOWN_ORG = 'ghost';

export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export type FixtureRole = (typeof ROLES)[number];

/** `<org>-<role>`: the member of that org with that role, e.g. `acme-admin`. */
export const memberOf = (org: string, role: FixtureRole): string => `${org}-${role}`;
/** A user who is a member of no org (but, like everyone, of the default org). */
export const NON_MEMBER = 'nobody';
/** A member of acme (editor) that owner/admin actions can target. */
export const TARGET_MEMBER = memberOf(HOME_ORG, 'editor');
/** A user of the other org, never of acme: a member-management target that is not a member. */
export const TARGET_NON_MEMBER = memberOf(OTHER_ORG, 'viewer');

/** Resources of acme shared to globex (one per share shape), and one shared to nobody. */
export const SHARED = {
  none: { type: 'node', id: 'n-private' },
  pending: { type: 'node', id: 'n-pending' },
  viewer: { type: 'node', id: 'n-view' },
  editor: { type: 'node', id: 'n-edit' },
  admin: { type: 'node', id: 'n-admin' },
} as const;

function members(org: string) {
  return ROLES.map((role) => ({ user: memberOf(org, role), role }));
}

/** The fixture directory (the directory file format of docs/directory.md). */
export function fixtureDirectory(defaultOrg: string) {
  return {
    orgs: [
      // The default org's stored roles: acme's owner and admin are its owner and admin too, so the
      // default org's protections (default_org_immutable) are reached past the role step.
      {
        id: defaultOrg,
        status: 'active',
        members: [
          { user: memberOf(HOME_ORG, 'owner'), role: 'owner' as const },
          { user: memberOf(HOME_ORG, 'admin'), role: 'admin' as const },
        ],
        shares: [],
      },
      {
        id: HOME_ORG,
        status: 'active',
        members: members(HOME_ORG),
        shares: [
          share('s-pending', SHARED.pending, 'viewer', 'pending'),
          share('s-view', SHARED.viewer, 'viewer', 'accepted'),
          share('s-edit', SHARED.editor, 'editor', 'accepted'),
          share('s-admin', SHARED.admin, 'admin', 'accepted'),
        ],
      },
      { id: OTHER_ORG, status: 'active', members: members(OTHER_ORG), shares: [] },
      { id: SUSPENDED_ORG, status: 'suspended', members: members(SUSPENDED_ORG), shares: [] },
      {
        id: PENDING_DELETION_ORG,
        status: 'pending_deletion',
        members: members(PENDING_DELETION_ORG),
        shares: [],
      },
    ],
  };
}

function share(
  id: string,
  resource: { type: string; id: string },
  access_role: FixtureRole,
  state: 'pending' | 'accepted',
) {
  return { id, resource, target_org: OTHER_ORG, access_role, state };
}

/** A fresh random secret for one run (≥ 32 bytes, as auth.hs256_secret_env requires). */
export function fixtureSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Mints a token of the fixture's issuer; `nowS` is the issuer's clock in seconds. */
export async function mintFixtureToken(
  secret: string,
  claims: Readonly<Record<string, unknown>>,
  nowS: number,
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(FIXTURE_ISSUER)
    .setAudience(FIXTURE_AUDIENCE)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + 3600)
    .sign(new TextEncoder().encode(secret));
}
