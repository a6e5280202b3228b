/**
 * Where the directory lives in Redis, under the configured `key_prefix`:
 *
 *   <prefix>{org:<id>}          string  the org's record as JSON (one value per org)
 *   <prefix>{org:<id>}:deleted  string  tombstone: the org was deleted through the write API, so a
 *                                       seed must not bring it back (see redis-seed.ts)
 *   <prefix>{org:<id>}:revision string  the org's revision: raised by every write of the org and by
 *                                       its seed, in the same script as the record; kept after a
 *                                       deletion, so a re-created org never starts over
 *   <prefix>orgs                set     ids of the orgs that exist (written only when an org is
 *                                       created or deleted, never by a member write)
 *   <prefix>user:<user>         set     ids of the orgs the user is (or recently was) a member of
 *   <prefix>seeded              string  present once the prefix holds a directory (JSON: who seeded it, when)
 *   <prefix>seeding             string  a seed is writing the prefix (JSON: its id, who, when, record count):
 *                                       set before its first record, deleted after its marker, so
 *                                       records without a marker but with this key are a seed in
 *                                       progress or interrupted, never a directory (redis-seed.ts)
 *   <prefix>seed-lock           string  SET NX PX lock, so replicas starting together seed once
 *   <prefix>seed-hold           string  the directory was lost: nothing seeds and no replica serves
 *                                       until an operator confirms a seed
 *   <prefix>invalidate          channel pub/sub: {"org": <id>, "revision": <n>, "scope": "org"}
 *                                       after each write (n: the org's revision)
 *
 * `{org:<id>}` is a hash tag: in Redis Cluster every key of one org lands in the same slot, so an
 * org's record, tombstone and revision are read together (MGET) and written in one atomic script. Any per-org key
 * added later must keep the tag. Every other command touches exactly one key, so nothing else
 * depends on two keys sharing a slot. Org ids cannot contain braces (see ORG_ID_PATTERN), so the
 * tag is always well formed.
 */
export interface RedisKeys {
  readonly prefix: string;
  org(id: string): string;
  tombstone(id: string): string;
  revision(id: string): string;
  user(user: string): string;
  readonly orgs: string;
  readonly seeded: string;
  readonly seeding: string;
  readonly seedLock: string;
  readonly seedHold: string;
  readonly invalidations: string;
  /** SCAN patterns matching every per-org and per-user key (records, tombstones, revisions, user indexes). */
  readonly directoryPatterns: readonly string[];
}

export function redisKeys(prefix: string): RedisKeys {
  // The prefix grammar (config) has no glob characters, so it is its own SCAN pattern.
  return {
    prefix,
    org: (id) => `${prefix}{org:${id}}`,
    tombstone: (id) => `${prefix}{org:${id}}:deleted`,
    revision: (id) => `${prefix}{org:${id}}:revision`,
    user: (user) => `${prefix}user:${user}`,
    orgs: `${prefix}orgs`,
    seeded: `${prefix}seeded`,
    seeding: `${prefix}seeding`,
    seedLock: `${prefix}seed-lock`,
    seedHold: `${prefix}seed-hold`,
    invalidations: `${prefix}invalidate`,
    directoryPatterns: [`${prefix}{org:*`, `${prefix}user:*`],
  };
}
