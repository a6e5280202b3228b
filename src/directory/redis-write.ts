/**
 * One directory write against Redis, safe against concurrent writes from other replicas, durable
 * enough to survive a failover before it is acknowledged, and never going backwards.
 *
 * Steps:
 * 1. Read the org's record and revision (one MGET, redis-read.ts) and apply the change.
 * 2. Add the org to the indexes the new record needs (the user index of each new member; the
 *    `orgs` set only when the org is created). A failure here fails the write, and nothing changed.
 * 3. One atomic script on the org's slot (WRITE_ORG) compares-and-sets the record, writes or
 *    removes the tombstone and raises the revision, all or nothing. If another replica wrote the
 *    org since step 1, nothing is written and the write starts over after a jittered pause
 *    (redis/conflict-retry.ts), so no update is lost.
 * 4. In the same pipeline, on the same connection, `WAIT <write_replicas> <write_timeout_ms>`: the
 *    slot's master answers once that many replicas have everything this connection wrote.
 * 5. Index upkeep that can only follow the record (pruning removed members) is best-effort: the
 *    indexes are supersets that readers filter against the records, so a failure is logged and the
 *    write stands.
 * 6. `{org, revision, scope: "org"}` is published (on every node of a cluster, publishEverywhere),
 *    then the answer: the org's revision, or 503 when fewer replicas than `write_replicas`
 *    acknowledged in time (the write is applied on the master and published; a retry is safe).
 *
 * Retries are idempotent and complete: a write that finds the record already as wanted (a retry
 * of a write whose answer was lost or was a 503) still runs the script, which rewrites the org's
 * revision unchanged, so the WAIT behind it covers the earlier write on that master too; it then
 * publishes and answers the current revision.
 *
 * A revision never goes backwards: the script sets it past both the stored one and the highest this
 * replica has seen for the org (its floor). A write over an org read back older than its floor (a
 * failover lost a write that was never acknowledged) is logged, and carries the org past the floor.
 */
import { Command, type Cluster, type Pipeline } from 'ioredis';
import type { Logger } from '../contract/logger.js';
import { CONFLICT, CONFLICT_ATTEMPTS, retryOnConflict } from '../redis/conflict-retry.js';
import type { DirectoryWrite } from './mutations.js';
import { sameRecord } from './records.js';
import { readOrg, type OrgReader } from './redis-read.js';
import type { RevisionFloors } from './redis-revisions.js';
import { DirectoryUnavailableError, type OrgRecord } from './types.js';

/** How durable a write must be before it is acknowledged (`redis.write_replicas`, `redis.write_timeout_ms`). */
interface WriteDurability {
  replicas: number;
  timeoutMs: number;
  /** `redis.command_timeout_ms`: the client gives a WAIT that long beyond its own timeout. */
  commandTimeoutMs: number;
}

export interface RedisWriteContext extends OrgReader {
  /** Throws DirectoryUnavailableError unless the store may use Redis now. */
  ensureReady(): void;
  /** The org's record has changed in Redis (drop it from this replica's cache, tell listeners). */
  changed(org: string): void;
  /** The highest revision of each org this replica has seen; a write raises it. */
  floors: RevisionFloors;
  durability: WriteDurability;
  /** Milliseconds since the epoch (the tombstone records when the org was deleted). */
  now(): number;
  log?: Logger;
}

/**
 * KEYS: the record, the tombstone, the revision (one slot). ARGV: the record expected (empty: none),
 * the record wanted (empty: deleted), the tombstone's value, the writer's floor.
 * Returns {0} when the record is not the one expected (nothing written), else {1, revision, changed}.
 * Already as wanted (and not behind the floor): the revision is rewritten unchanged, so the write is
 * replicated like any other and a WAIT after it covers whatever wrote the record before.
 */
const WRITE_ORG = `
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return {0} end
local stored = tonumber(redis.call('GET', KEYS[3]) or '0')
local floor = tonumber(ARGV[4])
if ARGV[1] == ARGV[2] and stored >= floor then
  if stored > 0 then redis.call('SET', KEYS[3], stored) end
  return {1, stored, 0}
end
local revision = math.max(stored, floor) + 1
redis.call('SET', KEYS[3], revision)
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('DEL', KEYS[2])
end
return {1, revision, 1}`;

interface Committed {
  revision: number;
  /** False when the record already was as wanted. */
  changed: boolean;
  /** Replicas that acknowledged (WAIT's answer), or why WAIT failed; null when none are required. */
  acked: number | Error | null;
}

export async function writeToRedis(
  ctx: RedisWriteContext,
  change: DirectoryWrite,
): Promise<{ revision: number }> {
  const { org } = change;
  const written = await retryOnConflict(async () => {
    ctx.ensureReady();
    const stored = await readOrg(ctx, org);
    const next = change.apply(stored.record);
    const floor = ctx.floors.floor(org);
    if (stored.revision < floor)
      ctx.log?.warn(
        'directory write over a rewound org: the write carries it past the revision seen',
        {
          org,
          revision: stored.revision,
          seen: floor,
        },
      );
    const same = sameRecord(stored.record, next);
    const before = usersOf(stored.record);
    const after = usersOf(next);
    const added = same ? [] : after.filter((u) => !before.includes(u));
    const removed = same ? [] : before.filter((u) => !after.includes(u));
    const created = stored.record === null && next !== null;
    // Before the record: a member the record names is always in their index (fail closed).
    await addToIndexes(ctx, org, added, created);
    const wanted = same ? (stored.raw ?? '') : next ? JSON.stringify(next) : '';
    const committed = await commit(ctx, org, stored.raw ?? '', wanted, floor);
    if (committed === null) return CONFLICT;
    const { revision } = committed;
    ctx.floors.raise(org, revision);
    if (committed.changed)
      await afterCommit(ctx, org, { added, removed, created, deleted: next === null });
    await ctx.call('PUBLISH', () =>
      publishEverywhere(ctx, JSON.stringify({ org, revision, scope: 'org' })),
    );
    requireDurable(ctx, org, committed.acked);
    return { revision };
  });
  if (written !== CONFLICT) return written;
  throw new DirectoryUnavailableError(
    `directory unavailable: org ${JSON.stringify(org)} kept changing during the write (${CONFLICT_ATTEMPTS} attempts); nothing changed, a retry is safe`,
  );
}

/** WRITE_ORG and WAIT in one pipeline: ioredis sends it to the slot's master over one connection. */
async function commit(
  ctx: RedisWriteContext,
  org: string,
  expected: string,
  wanted: string,
  floor: number,
): Promise<Committed | null> {
  const { client, keys, durability } = ctx;
  const script = [
    WRITE_ORG,
    3,
    keys.org(org),
    keys.tombstone(org),
    keys.revision(org),
    expected,
    wanted,
    new Date(ctx.now()).toISOString(),
    String(floor),
  ] as const;
  let reply: { script: unknown; wait?: [Error | null, unknown] | undefined };
  try {
    reply = await ctx.call('EVAL', async () => {
      if (durability.replicas === 0) return { script: await client.eval(...script) };
      // Pipeline is what pipeline() builds; its declared type hides sendCommand, needed for WAIT.
      const pipeline = client.pipeline() as unknown as Pipeline;
      pipeline.eval(...script);
      pipeline.sendCommand(waitCommand(durability));
      const [[error, result] = [new Error('no reply'), null], wait] = (await pipeline.exec()) ?? [];
      if (error) throw error;
      return { script: result, wait };
    });
  } catch (err) {
    // The script may have run: this replica must not serve the old record from its cache.
    ctx.changed(org);
    throw err;
  }
  const [applied, revision, changed] = reply.script as number[];
  if (applied !== 1) return null;
  // From here on the record has changed, even if a later step fails.
  if (changed === 1) ctx.changed(org);
  const { wait } = reply;
  const acked = wait === undefined ? null : (wait[0] ?? Number(wait[1]));
  return { revision: Number(revision), changed: changed === 1, acked };
}

/** Redis checks WAIT timeouts on its cron (every 100 ms at the default `hz` 10), so WAIT answers up to that late. */
const WAIT_LATENESS_MS = 200;

/**
 * `WAIT replicas timeout`. The client's command timeout (`command_timeout_ms`, made for reads)
 * would cut a longer WAIT short, so this command carries its own, long enough for Redis to answer
 * with the count: ioredis arms a command's timer once, and the one set here first is the one that
 * counts.
 */
function waitCommand({ replicas, timeoutMs, commandTimeoutMs }: WriteDurability): Command {
  const command = new Command('wait', [String(replicas), String(timeoutMs)]);
  command.setTimeout(timeoutMs + commandTimeoutMs + WAIT_LATENESS_MS);
  return command;
}

function requireDurable(ctx: RedisWriteContext, org: string, acked: number | Error | null): void {
  const { replicas, timeoutMs } = ctx.durability;
  if (acked === null || (typeof acked === 'number' && acked >= replicas)) return;
  const { keys } = ctx;
  const where = `org ${JSON.stringify(org)} (keys ${keys.org(org)}, ${keys.tombstone(org)}, ${keys.revision(org)})`;
  const what =
    typeof acked === 'number'
      ? `reached ${acked} of ${replicas} required replicas within ${timeoutMs} ms`
      : `could not be confirmed on ${replicas} replicas: ${acked.message}`;
  ctx.log?.error('directory write not acknowledged: too few replicas have it', {
    org,
    required: replicas,
    acked: typeof acked === 'number' ? acked : null,
    error: typeof acked === 'number' ? null : acked.message,
  });
  throw new DirectoryUnavailableError(
    `directory write not durable: ${where} ${what}; it is applied on the primary and published, and a retry is safe`,
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

async function addToIndexes(
  ctx: RedisWriteContext,
  org: string,
  users: string[],
  created: boolean,
): Promise<void> {
  if (users.length === 0 && !created) return;
  const { client, keys } = ctx;
  await ctx.call('SADD', () =>
    Promise.all([
      ...users.map((u) => client.sadd(keys.user(u), org)),
      created ? client.sadd(keys.orgs, org) : null,
    ]),
  );
}

interface IndexChange {
  added: string[];
  removed: string[];
  created: boolean;
  deleted: boolean;
}

/**
 * The index upkeep that follows the record. The additions again (a concurrent write's pruning may
 * have removed them between step 2 and the record), then the removals. Best-effort: the record is
 * written, so a failure here is logged and never turns the write into a failed answer; an index
 * left listing an org too many grants nothing (readers check each entry against the record).
 */
async function afterCommit(
  ctx: RedisWriteContext,
  org: string,
  change: IndexChange,
): Promise<void> {
  try {
    await addToIndexes(ctx, org, change.added, change.created);
    await pruneIndexes(ctx, org, change.removed, change.deleted);
  } catch (err) {
    ctx.log?.warn('directory index upkeep failed after the write; the write stands', {
      org,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Removes entries the record no longer backs, then restores any a concurrent write made true again. */
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
  await addToIndexes(ctx, org, back, deleted && latest !== null);
}

function usersOf(record: OrgRecord | null): string[] {
  return record ? record.members.map((m) => m.user) : [];
}
