/**
 * Fetches the part of the directory one decision needs. Any failure to read the store makes the
 * slice `available: false` (the policy then denies `directory_unavailable`); a failure never turns
 * into "not a member" or "no such org", which would give a different, misleading answer.
 */
import type { Principal } from '../contract/principal.js';
import { ORG_ID_PATTERN } from '../contract/ids.js';
import type { DirectoryReader, OrgRecord } from '../directory/types.js';
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
  const fetch = (id: string | null): Promise<OrgRecord | null> =>
    id !== null && ORG_ID_PATTERN.test(id) ? directory.getOrg(id) : Promise.resolve(null);

  return async function readSlice(
    query: SliceQuery,
  ): Promise<{ slice: DirectorySlice; error?: string }> {
    const { principal, org, resource } = query;
    const resourceOrg = resource?.org != null && resource.org !== org ? resource.org : null;
    let record: OrgRecord | null;
    let owner: OrgRecord | null;
    try {
      // One read when the resource is the requested org's (the common case), both at once if not.
      [record, owner] =
        resourceOrg === null
          ? [await fetch(org), null]
          : await Promise.all([fetch(org), fetch(resourceOrg)]);
    } catch (err) {
      return {
        slice: UNAVAILABLE_SLICE,
        error: err instanceof Error ? err.message : 'directory read failed',
      };
    }
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
