/**
 * The four directory writes, as validated arguments plus a pure function of the current record.
 * Both stores run them, so the rules live in one place: the default org is immutable, an org has
 * at most one owner, member writes need an existing org, and deletes are idempotent (deleting what
 * is not there changes nothing).
 */
import { DefaultOrgImmutableError, InvalidDirectoryError, OrgNotFoundError } from './errors.js';
import type { OrgRecord } from './types.js';
import type { DirectoryValidation } from './validate.js';

export interface DirectoryWrite {
  org: string;
  /** The record after the write (null: the org does not exist). Throws DirectoryValidationError. */
  apply(current: OrgRecord | null): OrgRecord | null;
}

export function putOrgWrite(record: unknown, validation: DirectoryValidation): DirectoryWrite {
  if (
    typeof record === 'object' &&
    record !== null &&
    (record as { id?: unknown }).id === validation.defaultOrg
  ) {
    throw new DefaultOrgImmutableError(validation.defaultOrg);
  }
  const parsed = validation.parseOrgRecord(record);
  return { org: parsed.id, apply: () => parsed };
}

export function putMemberWrite(
  org: unknown,
  user: unknown,
  role: unknown,
  validation: DirectoryValidation,
): DirectoryWrite {
  guardDefault(org, validation.defaultOrg);
  const args = validation.parseMemberWrite(org, user, role);
  return {
    org: args.org,
    apply(current) {
      if (!current) throw new OrgNotFoundError(args.org);
      const owner = current.members.find((m) => m.role === 'owner' && m.user !== args.user);
      if (args.role === 'owner' && owner) {
        throw new InvalidDirectoryError('member write', [
          `role: org ${JSON.stringify(args.org)} already has an owner (${JSON.stringify(owner.user)}); ` +
            'an org has at most one owner, so transfer ownership with a whole-record write',
        ]);
      }
      const member = { user: args.user, role: args.role };
      const index = current.members.findIndex((m) => m.user === args.user);
      const members =
        index < 0
          ? [...current.members, member]
          : current.members.map((m, i) => (i === index ? member : m));
      return { ...current, members };
    },
  };
}

export function removeMemberWrite(
  org: unknown,
  user: unknown,
  validation: DirectoryValidation,
): DirectoryWrite {
  guardDefault(org, validation.defaultOrg);
  const args = validation.parseMemberRef(org, user);
  return {
    org: args.org,
    apply: (current) =>
      current && { ...current, members: current.members.filter((m) => m.user !== args.user) },
  };
}

export function deleteOrgWrite(org: unknown, validation: DirectoryValidation): DirectoryWrite {
  guardDefault(org, validation.defaultOrg);
  return { org: validation.parseOrgId(org), apply: () => null };
}

function guardDefault(org: unknown, defaultOrg: string): void {
  if (org === defaultOrg) throw new DefaultOrgImmutableError(defaultOrg);
}
