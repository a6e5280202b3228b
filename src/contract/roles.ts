/**
 * The roles a member can hold in an org, ranked, and the legacy spellings a store may still hold.
 * Generated from the policy's catalogue data (`roles`, `role_aliases`).
 */
import { ROLE_ALIASES, ROLE_RANK } from './vocabulary.generated.js';

export { ROLE_ALIASES, ROLE_RANK };

export type Role = keyof typeof ROLE_RANK;
/** A spelling a store keeps as it was given (`member`), meaning the role it aliases. */
type RoleAlias = keyof typeof ROLE_ALIASES;
export type StoredRole = Role | RoleAlias;

/** Lowest rank first. */
export const ROLES = (Object.keys(ROLE_RANK) as Role[]).sort((a, b) => ROLE_RANK[a] - ROLE_RANK[b]);
export const STORED_ROLES: readonly StoredRole[] = [
  ...ROLES,
  ...(Object.keys(ROLE_ALIASES) as RoleAlias[]),
];

/** The role a stored spelling means. */
export function normaliseRole(stored: StoredRole): Role {
  return Object.hasOwn(ROLE_ALIASES, stored) ? ROLE_ALIASES[stored as RoleAlias] : (stored as Role);
}
