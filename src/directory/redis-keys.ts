/**
 * Where the directory lives in Redis, under the configured `key_prefix`:
 *
 *   <prefix>{org:<id>}     string  the org's record as JSON (one value per org)
 *   <prefix>orgs           set     ids of the orgs that exist
 *   <prefix>user:<user>    set     ids of the orgs the user is (or recently was) a member of
 *   <prefix>revision       string  counter, INCR'd by every write
 *   <prefix>seeded         string  present once the prefix has been seeded from the file
 *   <prefix>seed-lock      string  SET NX PX lock, so replicas starting together seed once
 *   <prefix>invalidate     channel pub/sub: {"org": <id>, "revision": <n>} after each write
 *
 * `{org:<id>}` is a hash tag: in Redis Cluster every key of one org lands in the same slot, so an
 * org's record can be compare-and-set atomically. Any per-org key added later must keep the tag.
 * Every command the stores send touches exactly one key, so nothing depends on two keys sharing a
 * slot. Org ids cannot contain braces (see ORG_ID_PATTERN), so the tag is always well formed.
 */
export interface RedisKeys {
  org(id: string): string;
  user(user: string): string;
  readonly orgs: string;
  readonly revision: string;
  readonly seeded: string;
  readonly seedLock: string;
  readonly invalidations: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    org: (id) => `${prefix}{org:${id}}`,
    user: (user) => `${prefix}user:${user}`,
    orgs: `${prefix}orgs`,
    revision: `${prefix}revision`,
    seeded: `${prefix}seeded`,
    seedLock: `${prefix}seed-lock`,
    invalidations: `${prefix}invalidate`,
  };
}
