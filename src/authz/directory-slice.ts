/**
 * Fetches the part of the directory one decision needs. Any failure to read the store makes the
 * slice `available: false` (the policy then denies `directory_unavailable`); a failure never turns
 * into "not a member" or "no such org", which would give a different, misleading answer.
 */
import type { Principal } from '../contract/principal.js';
import { ORG_ID_PATTERN } from '../contract/ids.js';
import {
  DirectoryRevisionNotReachedError,
  type DirectoryReader,
  type OrgRecord,
  type RevisionedRecord,
} from '../directory/types.js';
import type { ResourceRef } from '../contract/decision-request.js';
import type { DirectorySlice } from '../contract/policy-io.js';

export const UNAVAILABLE_SLICE: DirectorySlice = Object.freeze({
  available: false,
  org: { exists: false, status: null },
  member_role: null,
  target_role: null,
  resource_org: null,
  resource_shares: [],
});

export interface SliceQuery {
  principal: Principal;
  org: string;
  resource: ResourceRef | null;
  targetUser: string | undefined;
  /** Read your writes: the request's `min_directory_revision`. */
  minRevision?: number | undefined;
}

export interface SliceRead {
  slice: DirectorySlice;
  /** The requested org's revision as read (null: not read, or a reader that does not tell). */
  revision: number | null;
  /** The minimum revision was not reached in time (the decision denies, never evaluates). */
  notReached?: true;
  error?: string;
}

export function createSliceReader(directory: DirectoryReader) {
  /** Member lookups by user, built once per record object (records are replaced, never mutated). */
  const roleIndex = new WeakMap<OrgRecord, Map<string, string>>();
  const roleOf = (record: OrgRecord | null, user: string | undefined): string | null => {
    if (!record || user === undefined) return null;
    let index = roleIndex.get(record);
    if (!index) {
      index = new Map(record.members.map((m) => [m.user, m.role]));
      roleIndex.set(record, index);
    }
    return index.get(user) ?? null;
  };
  const none: RevisionedRecord = { record: null, revision: 0 };
  const fetch = async (id: string | null, min: number | undefined): Promise<RevisionedRecord> => {
    if (id === null || !ORG_ID_PATTERN.test(id)) return none;
    if (directory.getOrgAt) return directory.getOrgAt(id, min);
    // A reader that cannot tell revisions cannot prove any minimum.
    if (min !== undefined) throw new DirectoryRevisionNotReachedError(min, 0);
    return { record: await directory.getOrg(id), revision: Number.NaN };
  };

  return async function readSlice(query: SliceQuery): Promise<SliceRead> {
    const { principal, org, resource, minRevision } = query;
    const resourceOrg = resource?.org != null && resource.org !== org ? resource.org : null;
    let read: RevisionedRecord;
    let owner: OrgRecord | null;
    try {
      // One read when the resource is the requested org's (the common case), both at once if not.
      let ownerRead: RevisionedRecord | null = null;
      [read, ownerRead] =
        resourceOrg === null
          ? [await fetch(org, minRevision), null]
          : await Promise.all([fetch(org, minRevision), fetch(resourceOrg, minRevision)]);
      owner = ownerRead?.record ?? null;
    } catch (err) {
      const failed: SliceRead = { slice: UNAVAILABLE_SLICE, revision: null };
      if (err instanceof DirectoryRevisionNotReachedError) failed.notReached = true;
      failed.error = err instanceof Error ? err.message : 'directory read failed';
      return failed;
    }
    const record = read.record;
    const shares =
      owner && resource
        ? owner.shares
            .filter(
              (s) =>
                s.target_org === org &&
                s.resource.type === resource.type &&
                s.resource.id === resource.id,
            )
            .map((s) => ({
              id: s.id,
              target_org: s.target_org,
              access_role: s.access_role,
              state: s.state,
            }))
        : [];
    return {
      revision: Number.isNaN(read.revision) ? null : read.revision,
      slice: {
        available: true,
        org: { exists: record !== null, status: record?.status ?? null },
        member_role: principal.kind === 'session' ? roleOf(record, principal.id) : null,
        target_role: roleOf(record, query.targetUser),
        resource_org:
          resourceOrg === null ? null : { exists: owner !== null, status: owner?.status ?? null },
        resource_shares: shares,
      },
    };
  };
}
