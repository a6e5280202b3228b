/**
 * One directory write against Redis, safe against concurrent writes from other replicas.
 *
 * - The org's record is replaced by compare-and-set (a Lua script on the one key, so it works in
 *   Redis Cluster too): if another replica wrote the org since we read it, we read again and
 *   re-apply the change, so no update is lost.
 * - The user and org indexes cannot be updated in the same atomic step (their keys live in other
 *   slots), so they are kept supersets of the truth: entries are added before the record is
 *   written and again after it (a concurrent removal may have pruned them in between), and removed
 *   only after it, followed by a re-check that restores any a concurrent write made true again.
 *   Readers filter index entries against the records, so a stale entry grants nothing.
 * - The invalidation is published last, on every node of a cluster (see publishEverywhere).
 */
import type { Cluster } from 'ioredis';
import type { Logger } from '../contract/logger.js';
import type { DirectoryWrite } from './mutations.js';
import { sameRecord } from './records.js';
import type { RedisClient } from '../redis/client.js';
import type { RedisKeys } from './redis-keys.js';
import { DirectoryUnavailableError, type OrgRecord } from './types.js';

export interface RedisWriteContext {
  client: RedisClient;
  keys: RedisKeys;
  /** Throws DirectoryUnavailableError unless the store may use Redis now. */
  ensureReady(): void;
  /** Runs one Redis call; any failure becomes DirectoryUnavailableError. */
  call: <T>(what: string, run: () => Promise<T>) => Promise<T>;
  /** Parses a stored record; a corrupt one is DirectoryUnavailableError. */
  decode(org: string, raw: string): OrgRecord;
  /** The org's record has changed in Redis (drop it from this replica's cache, tell listeners). */
  changed(org: string): void;
  /** Milliseconds since the epoch (the tombstone records when the org was deleted). */
  now(): number;
  log?: Logger;
}

/**
 * Sets KEYS[1] (the record) to ARGV[2] only if it still holds ARGV[1]. Deleting (ARGV[2] empty)
 * leaves a tombstone in KEYS[2], in the same step, so no seed can bring the org back (see
 * redis-seed.ts); writing a record removes it. Both keys carry the org's hash tag (one slot).
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('DEL', KEYS[2])
end
return 1`;
const MAX_ATTEMPTS = 5;

export async function writeToRedis(
  ctx: RedisWriteContext,
  change: DirectoryWrite,
): Promise<{ revision: number }> {
  const { client, keys, call } = ctx;
  const { org } = change;
  const key = keys.org(org);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    ctx.ensureReady();
    const raw = await call('GET', () => client.get(key));
    const current = raw === null ? null : ctx.decode(org, raw);
    const next = change.apply(current);
    if (sameRecord(current, next)) return { revision: await readRevision(ctx) };

    const added = usersOf(next).filter((u) => !usersOf(current).includes(u));
    const removed = usersOf(current).filter((u) => !usersOf(next).includes(u));
    await addToIndexes(ctx, org, added, next !== null);
    const deletedAt = new Date(ctx.now()).toISOString();
    const applied = await call('EVAL', () =>
      client.eval(
        COMPARE_AND_SET,
        2,
        key,
        keys.tombstone(org),
        raw ?? '',
        next ? JSON.stringify(next) : '',
        deletedAt,
      ),
    );
    if (applied !== 1) continue;
    // From here on the record has changed, even if a later step fails: this replica must not
    // serve the old one from its cache.
    ctx.changed(org);
    await addToIndexes(ctx, org, added, next !== null);
    await pruneIndexes(ctx, org, removed, next === null);
    const revision = await call('INCR', () => client.incr(keys.revision));
    await call('PUBLISH', () => publishEverywhere(ctx, JSON.stringify({ org, revision })));
    return { revision };
  }
  throw new DirectoryUnavailableError(
    `directory unavailable: org ${JSON.stringify(org)} kept changing during the write`,
  );
}

/**
 * On a single Redis, one PUBLISH. On a cluster, PUBLISH on every node the client knows, so each
 * replica's subscriber (connected to one of them) hears it from its own node. Relying on the
 * cluster bus to forward one PUBLISH to the other nodes is not enough: the bus delivers late,
 * measured at tens of milliseconds typically and once over a second, which would stretch the
 * propagation bound to that. Subscribers then hear one message several times; an invalidation is
 * idempotent.
 *
 * A node that cannot take the PUBLISH (typically: it is down, so its subscribers have lost their
 * connection and cleared their caches anyway) does not fail the write as long as one node took
 * it; the bus still forwards that copy to any node we could not reach. It is logged.
 */
async function publishEverywhere(ctx: RedisWriteContext, message: string): Promise<void> {
  const { client, keys } = ctx;
  if (!client.isCluster) {
    await client.publish(keys.invalidations, message);
    return;
  }
  const nodes = (client as Cluster).nodes('all');
  if (nodes.length === 0) throw new Error('no cluster node is known');
  const results = await Promise.allSettled(
    nodes.map((node) => node.publish(keys.invalidations, message)),
  );
  const failed = nodes.flatMap((node, i) => {
    const result = results[i]; // allSettled keeps the order: one result per node
    return result?.status === 'rejected'
      ? [
          {
            node: `${String(node.options.host)}:${String(node.options.port)}`,
            error: String(result.reason),
          },
        ]
      : [];
  });
  if (failed.length === nodes.length) throw (results[0] as PromiseRejectedResult).reason;
  if (failed.length > 0)
    ctx.log?.warn('invalidation not published on every cluster node', { failed });
}

export async function readRevision(
  ctx: Pick<RedisWriteContext, 'client' | 'keys' | 'call'>,
): Promise<number> {
  const raw = await ctx.call('GET', () => ctx.client.get(ctx.keys.revision));
  return raw === null ? 0 : Number(raw);
}

async function addToIndexes(
  ctx: RedisWriteContext,
  org: string,
  users: string[],
  exists: boolean,
): Promise<void> {
  const { client, keys } = ctx;
  await ctx.call('SADD', () =>
    Promise.all([
      ...users.map((u) => client.sadd(keys.user(u), org)),
      exists ? client.sadd(keys.orgs, org) : null,
    ]),
  );
}

async function pruneIndexes(
  ctx: RedisWriteContext,
  org: string,
  users: string[],
  deleted: boolean,
): Promise<void> {
  if (users.length === 0 && !deleted) return;
  const { client, keys } = ctx;
  await ctx.call('SREM', () =>
    Promise.all([
      ...users.map((u) => client.srem(keys.user(u), org)),
      deleted ? client.srem(keys.orgs, org) : null,
    ]),
  );
  const raw = await ctx.call('GET', () => client.get(keys.org(org)));
  const latest = raw === null ? null : ctx.decode(org, raw);
  const back = usersOf(latest).filter((u) => users.includes(u));
  if (back.length > 0 || (deleted && latest)) await addToIndexes(ctx, org, back, latest !== null);
}

function usersOf(record: OrgRecord | null): string[] {
  return record ? record.members.map((m) => m.user) : [];
}
