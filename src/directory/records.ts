/** Small helpers over validated org records, shared by the stores. */
import type { OrgRecord } from './types.js';

/**
 * Stores hand out the records they hold, frozen, instead of copying them on every read: a caller
 * that tries to edit one gets a TypeError instead of silently changing the directory.
 */
export function freezeRecord(record: OrgRecord): OrgRecord {
  for (const member of record.members) Object.freeze(member);
  for (const share of record.shares) {
    Object.freeze(share.resource);
    Object.freeze(share);
  }
  Object.freeze(record.members);
  Object.freeze(record.shares);
  return Object.freeze(record);
}

/** Records are built field by field by the validator, so equal records serialize identically. */
export function sameRecord(a: OrgRecord | null, b: OrgRecord | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What the default org looks like when the directory does not list it. */
export function syntheticDefaultOrg(id: string): OrgRecord {
  return freezeRecord({ id, status: 'active', members: [], shares: [] });
}
