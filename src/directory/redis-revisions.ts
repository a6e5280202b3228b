/**
 * What one replica remembers of each org's revision: the highest it has seen, from invalidation
 * messages and from its own reads and writes. A record read back at a lower revision is the
 * directory going backwards (a failover that lost acknowledged writes, an old master serving
 * again, a restore), and is refused rather than served or cached (redis-store.ts).
 *
 * Memory is bounded: at most `maxOrgs` orgs are remembered, the least recently raised forgotten
 * first. A forgotten org is checked again from its next read or invalidation on (its floor starts
 * over at what Redis then holds), so the bound trades rewind detection for orgs idle the longest,
 * never correctness of what is served.
 */
import { DirectoryUnavailableError } from './types.js';

export interface RevisionFloors {
  /** The highest revision of `org` seen here (0: none remembered). */
  floor(org: string): number;
  /** Remembers `revision` for `org` when it is higher than the floor. */
  raise(org: string, revision: number): void;
  /** Forgets every org (the prefix now holds a directory an operator confirmed). */
  clear(): void;
  readonly size: number;
}

/** Orgs remembered per replica by default: about 100 bytes each, so a few megabytes at most. */
const DEFAULT_REMEMBERED_ORGS = 50_000;

export function createRevisionFloors(maxOrgs = DEFAULT_REMEMBERED_ORGS): RevisionFloors {
  const floors = new Map<string, number>();
  return {
    floor: (org) => floors.get(org) ?? 0,
    raise(org, revision) {
      const known = floors.get(org);
      if (known !== undefined && known >= revision) return;
      // Re-inserted, so the map's order is the order orgs were last raised in.
      floors.delete(org);
      floors.set(org, revision);
      if (floors.size > maxOrgs) {
        const oldest = floors.keys().next();
        if (!oldest.done) floors.delete(oldest.value);
      }
    },
    clear: () => floors.clear(),
    get size() {
      return floors.size;
    },
  };
}

/** The refusal of a record older than a revision already seen for its org. */
export class DirectoryRewoundError extends DirectoryUnavailableError {
  readonly org: string;
  readonly revision: number;
  readonly seen: number;
  constructor(org: string, revision: number, seen: number) {
    super(
      `directory rewound: org ${JSON.stringify(org)} is at revision ${revision}, revision ${seen} was seen`,
    );
    this.org = org;
    this.revision = revision;
    this.seen = seen;
  }
}

/** A stored revision: absent is 0 (a record from before revisions were kept per org). */
export function parseRevision(org: string, raw: string | null): number {
  if (raw === null) return 0;
  const revision = Number(raw);
  if (/^\d{1,15}$/.test(raw) && Number.isSafeInteger(revision)) return revision;
  throw new DirectoryUnavailableError(
    `directory unavailable: corrupt revision for org ${JSON.stringify(org)}`,
  );
}
