/**
 * The directory: what the main API knows about orgs, members and shares, as the sidecar sees it.
 * Stores are interchangeable behind `DirectoryStore` (file, redis), chosen by config.
 */
import { OrgwardenError } from '../contract/errors.js';
import type { Role, StoredRole } from '../contract/roles.js';

// Roles and their legacy spellings (`member` = `viewer`) are the contract's (contract/roles.ts);
// stores keep the spelling they were given.

export const ORG_STATUSES = ['active', 'suspended', 'pending_deletion'] as const;
type OrgStatus = (typeof ORG_STATUSES)[number];

interface Member {
  user: string;
  role: StoredRole;
}

interface Share {
  id: string;
  resource: { type: string; id: string };
  target_org: string;
  access_role: Role;
  state: 'accepted' | 'pending';
}

export interface OrgRecord {
  id: string;
  status: OrgStatus;
  members: Member[];
  shares: Share[];
}

/** Thrown (or rejected with) whenever the store cannot answer; the authorizer denies with `directory_unavailable`. */
export class DirectoryUnavailableError extends OrgwardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('directory_unavailable', message, options);
  }
}

/** Bad input to a directory write: the caller answers 400 and nothing changed. */
export class DirectoryValidationError extends OrgwardenError {
  constructor(code: 'invalid_record' | 'default_org_immutable' | 'org_not_found', message: string) {
    super(code, message);
  }
}

/**
 * A read-your-writes minimum was not reached in time (`min_directory_revision`): the decision
 * denies `directory_revision_not_reached` (503, retry), never reads the older state. Anywhere
 * else it is what it also is, the directory unable to answer.
 */
export class DirectoryRevisionNotReachedError extends DirectoryUnavailableError {
  readonly minRevision: number;
  readonly revision: number;
  constructor(minRevision: number, revision: number) {
    super(`directory revision ${minRevision} not reached (at ${revision})`);
    this.minRevision = minRevision;
    this.revision = revision;
  }
}

/** A record with the revision it was read at (see `DirectoryStore.revision`). */
export interface RevisionedRecord {
  record: OrgRecord | null;
  revision: number;
}

export interface DirectoryReader {
  /**
   * The org record, or null when the org does not exist. The default org always exists: a store
   * returns the file's record for it, or `{id, status: 'active', members: [], shares: []}`.
   * Rejects with DirectoryUnavailableError when it cannot tell.
   */
  getOrg(id: string): Promise<OrgRecord | null>;
  /** Orgs the user is a member of (explicit memberships only), with the stored role. */
  listOrgsForUser(user: string): Promise<{ id: string; role: StoredRole }[]>;
  /**
   * `getOrg` with the revision the record was read at. Read your writes: with `minRevision`, no
   * copy older than it is served — Redis reads a cached copy below it again from Redis (which
   * holds every acknowledged write, so that read stands whatever its per-org revision); the file
   * store waits up to `directory.revision_wait_ms` for its counter to reach it — else it rejects
   * with DirectoryRevisionNotReachedError. Optional for readers built by hand (tests): the core
   * then records no revision and refuses every minimum.
   */
  getOrgAt?(id: string, minRevision?: number): Promise<RevisionedRecord>;
}

interface DirectoryWriter {
  putOrg(record: OrgRecord): Promise<{ revision: number }>;
  putMember(org: string, user: string, role: StoredRole): Promise<{ revision: number }>;
  removeMember(org: string, user: string): Promise<{ revision: number }>;
  deleteOrg(org: string): Promise<{ revision: number }>;
}

/** Where a shared (Redis) directory stands with its seed, for `/readyz` and the admin API. */
export interface SeedStatus {
  /**
   * `unavailable`: Redis does not answer; `held`: its data was lost; `awaiting_confirmation`: empty,
   * `directory.seed: confirm`; `seeding`: a seed is in progress or was interrupted (partial).
   */
  state: 'ready' | 'unavailable' | 'held' | 'awaiting_confirmation' | 'seeding';
  /** Why the directory is not served (null when ready). */
  reason: string | null;
}

/** What an operator's confirmed seed did (`orgwarden directory seed`, `POST /v1/admin/directory/seed`). */
export interface SeedConfirmation {
  source: 'file' | 'empty';
  /** Records written; `skipped` were not (already present, deleted through the write API, or the prefix held a directory). */
  written: number;
  skipped: number;
}

interface SeedControl {
  status(): SeedStatus;
  /** Seeds a prefix that holds no directory and lifts a hold; rejects with SeedNotNeededError when in service. */
  confirm(source: 'file' | 'empty'): Promise<SeedConfirmation>;
}

export interface DirectoryStore extends DirectoryReader, DirectoryWriter {
  readonly kind: 'file' | 'redis';
  getOrgAt(id: string, minRevision?: number): Promise<RevisionedRecord>;
  /** Seed state and the operator's confirmation (Redis store only: the file store is its own seed). */
  readonly seeding?: SeedControl;
  /**
   * The org's current revision: what a write of the org answers (`{"revision": N}`); it never
   * decreases for an org. Redis: kept per org (it survives the org's deletion), and a store that
   * finds an org behind a revision it has seen rejects with DirectoryUnavailableError. File: one
   * counter for the whole directory, counting the changes since the process started.
   */
  revision(org: string): Promise<number>;
  /** True when the backing store answers right now (used by /readyz). */
  ping(): Promise<boolean>;
  /**
   * Redis store only: whether its invalidation subscription is live now, so the in-process cache
   * is in use; while it is not, every lookup reads Redis (`orgwarden_directory_cache_bypassed`).
   */
  readonly invalidationsLive?: () => boolean;
  /** Subscribe to "org X changed" (invalidations); returns an unsubscribe function. */
  onChange(listener: (org: string) => void): () => void;
  close(): Promise<void>;
}
