/**
 * Pull mode (`directory.http`): a decorator around a store that fetches the orgs the store does
 * not hold from the main API (main-api.ts) and caches them in this process for `ttl_s`.
 *
 * Rules:
 * - The store comes first. An org the store holds (seeded, or pushed through the write API) is
 *   answered from the store only; the main API is asked only when the store says "no such org".
 *   A store that cannot answer is DirectoryUnavailableError — the main API is not a fallback.
 * - A fetched record and a fetched "no such org" (404) are both cached for `ttl_s`; a failure is
 *   not cached, so the next lookup asks again. Concurrent lookups of one org share one request.
 * - Staleness: a record that lives only in the main API is as fresh as `ttl_s` on every replica
 *   (each replica has its own cache). Writes through the write API go to the store; any write
 *   naming an org, and any change the store reports (from this replica or another), drops the
 *   cached copy here, so the store's answer is the next one.
 * - Only ids that can name an org (src/contract/ids.ts, given the default org) are looked up, and
 *   only canonical user ids are asked about: a dot-only id never walks the main API's paths.
 * - `listOrgsForUser` merges the store's memberships with the orgs the main API lists for the
 *   user; the main API's list only names candidates, the role always comes from the org's record
 *   (store first), so a list and a decision never disagree about one record.
 */
import { createTtlCache, type TtlCache } from './cache.js';
import { directoryStderrLogger, type Clock } from './deps.js';
import type { Logger } from '../contract/logger.js';
import { type CacheStats } from '../contract/metric-labels.js';
import { createMainApi, type MainApi } from './main-api.js';
import { freezeRecord } from './records.js';
import {
  DirectoryUnavailableError,
  type DirectoryStore,
  type OrgRecord,
  type RevisionedRecord,
} from './types.js';
import { type StoredRole } from '../contract/roles.js';
import { isAcceptableOrgId, isCanonicalUserId } from '../contract/ids.js';

export interface HttpReadThroughOptions {
  url: string;
  ttl_s: number;
  timeout_ms: number;
  defaultOrg: string;
  /** Entries per cache (orgs, and users' org lists). */
  maxEntries: number;
  /** Bearer token for the main API, when it wants one. */
  token?: string;
}

export interface HttpReadThroughDeps {
  fetch?: typeof fetch;
  now?: Clock;
  log?: Logger;
  stats?: CacheStats;
  /** The main API client; default: built from the options with `fetch`. */
  mainApi?: MainApi;
}

export function withHttpReadThrough(
  inner: DirectoryStore,
  options: HttpReadThroughOptions,
  deps: HttpReadThroughDeps = {},
): DirectoryStore {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? directoryStderrLogger;
  const mainApi =
    deps.mainApi ??
    createMainApi(
      {
        url: options.url,
        timeoutMs: options.timeout_ms,
        defaultOrg: options.defaultOrg,
        ...(options.token ? { token: options.token } : {}),
      },
      deps.fetch ?? globalThis.fetch,
    );
  const ttlMs = options.ttl_s * 1000;
  const orgs = createTtlCache<OrgRecord | null>({ ttlMs, maxEntries: options.maxEntries, now });
  const userOrgs = createTtlCache<readonly string[]>({
    ttlMs,
    maxEntries: options.maxEntries,
    now,
  });
  const inFlightOrgs = new Map<string, Promise<OrgRecord | null>>();
  const inFlightUsers = new Map<string, Promise<readonly string[]>>();
  const closing = new AbortController();
  let closed = false;

  const stat: CacheStats = (layer, outcome) => {
    try {
      deps.stats?.(layer, outcome);
    } catch {
      // metrics must never fail a read
    }
  };

  const unsubscribe = inner.onChange((org) => orgs.delete(org));

  function ensureOpen(): void {
    if (closed) throw new DirectoryUnavailableError('directory store is closed');
  }

  /** One request per key at a time; the result is cached only if nothing invalidated the key meanwhile. */
  function shared<V>(
    key: string,
    cache: TtlCache<V>,
    inFlight: Map<string, Promise<V>>,
    load: () => Promise<V>,
  ): Promise<V> {
    const hit = cache.get(key);
    stat('http', hit ? 'hit' : 'miss');
    if (hit) return Promise.resolve(hit.value);
    let pending = inFlight.get(key);
    if (!pending) {
      const ticket = cache.ticket();
      pending = load().then(
        (value) => {
          inFlight.delete(key);
          if (!closed) cache.set(key, value, ticket);
          return value;
        },
        (err: unknown) => {
          inFlight.delete(key);
          log.warn('main API read failed', {
            key,
            error: err instanceof Error ? err.message : String(err),
          });
          throw err;
        },
      );
      inFlight.set(key, pending);
    }
    return pending;
  }

  const pulledOrg = (id: string) =>
    shared(id, orgs, inFlightOrgs, async () => {
      const record = await mainApi.fetchOrg(id, closing.signal);
      return record && freezeRecord(record);
    });

  const pulledUserOrgs = (user: string) =>
    shared(user, userOrgs, inFlightUsers, () => mainApi.fetchUserOrgs(user, closing.signal));

  async function getOrg(id: string): Promise<OrgRecord | null> {
    ensureOpen();
    // An id that cannot name an org (dot-only, a prototype name, a look-alike of the default org,
    // outside the grammar) exists nowhere: it is never looked up, in the store or the main API.
    if (!isAcceptableOrgId(id, options.defaultOrg)) return null;
    // The default org always exists in the store.
    const stored = await inner.getOrg(id);
    if (stored !== null) return stored;
    return pulledOrg(id);
  }

  /** The store's record and revision; an org only the main API holds has the store's revision 0. */
  async function getOrgAt(id: string, minRevision?: number): Promise<RevisionedRecord> {
    ensureOpen();
    if (!isAcceptableOrgId(id, options.defaultOrg)) return { record: null, revision: 0 };
    const stored = await inner.getOrgAt(id, minRevision);
    if (stored.record !== null) return stored;
    return { record: await pulledOrg(id), revision: stored.revision };
  }

  async function listOrgsForUser(user: string): Promise<{ id: string; role: StoredRole }[]> {
    ensureOpen();
    const [local, candidates] = await Promise.all([
      inner.listOrgsForUser(user),
      isCanonicalUserId(user) ? pulledUserOrgs(user) : Promise.resolve([]),
    ]);
    const known = new Set(local.map((m) => m.id));
    const extra = await Promise.all(
      candidates
        .filter((id) => !known.has(id))
        .sort()
        .map(async (id) => {
          const member = (await getOrg(id))?.members.find((m) => m.user === user);
          return member ? [{ id, role: member.role }] : [];
        }),
    );
    return [...local, ...extra.flat()];
  }

  /** A write goes to the store; whatever this replica fetched for that org is no longer the answer. */
  async function written(
    org: unknown,
    write: Promise<{ revision: number }>,
  ): Promise<{ revision: number }> {
    try {
      return await write;
    } finally {
      if (typeof org === 'string') orgs.delete(org);
    }
  }

  return {
    kind: inner.kind,
    getOrg,
    getOrgAt,
    listOrgsForUser,
    putOrg: (record) => written((record as { id?: unknown } | null)?.id, inner.putOrg(record)),
    putMember: (org, user, role) => written(org, inner.putMember(org, user, role)),
    removeMember: (org, user) => written(org, inner.removeMember(org, user)),
    deleteOrg: (org) => written(org, inner.deleteOrg(org)),
    revision: (org) => inner.revision(org),
    // Readiness is the store's: a main API outage only affects orgs the store does not hold.
    ping: () => inner.ping(),
    onChange: (listener) => inner.onChange(listener),
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      closing.abort();
      orgs.clear();
      userOrgs.clear();
      await inner.close();
    },
  };
}
