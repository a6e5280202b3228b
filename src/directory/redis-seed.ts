/**
 * Writing the directory file into a Redis key prefix: the one place that ever writes a seed.
 *
 * Invariants (each kept by the code named):
 * - A seed never changes a record that exists, and never brings back an org deleted through the
 *   write API: each record is written by one script on its own slot that writes only when neither
 *   the record nor its tombstone exists (SEED_RECORD), and raises the org's revision with it.
 *   This holds under any interleaving with writes and with other seeders, including a seeder
 *   whose lock expired while it was paused.
 * - A seed writes nothing into a prefix that holds a directory: under the lock, the marker, the
 *   hold, the orgs index and a SCAN for per-org and per-user keys must all come up empty first
 *   (`holdsDirectory`). A lost `seeded` marker therefore never causes a seed.
 * - The `seeded` marker is written last, so replicas never serve a half-written seed. It records
 *   who seeded (`start`: a replica, automatically; `operator`: a confirmed seed; `restored`: the
 *   marker was lost and put back over an existing directory), which lets a replica that saw the
 *   directory tell a re-seed after data loss from the seed it already knew (redis-seed-gate.ts).
 * - The `SET NX PX` lock keeps replicas that start together from seeding at the same time; the
 *   others wait for the marker, and take over if the lock expires without one.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { OrgwardenError } from '../contract/errors.js';
import type { Clock } from './deps.js';
import type { RedisClient } from '../redis/client.js';
import type { RedisKeys } from './redis-keys.js';
import type { OrgRecord } from './types.js';

/** What an operator seeds from: this replica's `directory.file`, or nothing (the main API re-pushes). */
export type SeedSource = 'file' | 'empty';
export type SeededBy = 'start' | 'operator' | 'restored';

export interface SeedReport {
  /** `seeded`: this call wrote the prefix; `present`: it already held a directory (nothing written). */
  outcome: 'seeded' | 'present';
  /** Records written (each was absent, and not deleted through the write API). */
  written: number;
  /** Records of the seed not written because they, a tombstone, or a whole directory were present. */
  skipped: number;
}

export interface SeedOptions {
  now: Clock;
  /** How long a seeder may hold the lock before another replica takes over. */
  lockTtlMs?: number;
  pollMs?: number;
  /** Commands in flight at once while seeding (each must still finish within the command timeout). */
  batchSize?: number;
}

/** The prefix is seeded and in service: an operator's seed would change nothing. */
export class SeedNotNeededError extends OrgwardenError {
  constructor() {
    super(
      'seed_not_needed',
      'the redis prefix already holds a directory in service (seeded marker present, no hold); nothing was written',
    );
  }
}

/** Deletes the lock only if it is still ours (it may have expired and been taken by another replica). */
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Writes the record KEYS[1] only when neither it nor its tombstone KEYS[2] exists, and raises the
 * org's revision KEYS[3] with it (one slot, one step): a seeded record is never at revision 0.
 */
const SEED_RECORD = `if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[3])
return 1`;

/** The cheap facts about a prefix: three single-key reads. */
export interface PrefixState {
  marker: string | null;
  hold: string | null;
  /** The orgs index exists (only a directory writes it). */
  anchored: boolean;
}

export async function readPrefixState(client: RedisClient, keys: RedisKeys): Promise<PrefixState> {
  const [marker, hold] = await Promise.all([client.get(keys.seeded), client.get(keys.seedHold)]);
  if (marker !== null) return { marker, hold, anchored: true };
  return { marker, hold, anchored: (await client.exists(keys.orgs)) > 0 };
}

/** True when anything a directory writes exists under the prefix (SCAN on every master of a cluster). */
export async function holdsDirectory(client: RedisClient, keys: RedisKeys): Promise<boolean> {
  const state = await readPrefixState(client, keys);
  if (state.marker !== null || state.anchored) return true;
  const nodes = client.isCluster ? (client as Cluster).nodes('master') : [client];
  for (const node of nodes) {
    for (const pattern of keys.directoryPatterns) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (found.length > 0) return true;
        cursor = next;
      } while (cursor !== '0');
    }
  }
  return false;
}

/** Who wrote a marker (`unknown` for markers of older versions, which were bare timestamps). */
export function markerAuthor(marker: string): SeededBy | 'unknown' {
  try {
    const by = (JSON.parse(marker) as { by?: unknown }).by;
    return by === 'start' || by === 'operator' || by === 'restored' ? by : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function newMarker(by: SeededBy, now: Clock, source?: SeedSource): string {
  return JSON.stringify({
    id: randomBytes(8).toString('hex'),
    at: new Date(now()).toISOString(),
    by,
    ...(source ? { source } : {}),
  });
}

/**
 * A replica's automatic seed of a prefix that holds nothing (`directory.seed: if_empty`). Resolves
 * `present` without writing when the prefix holds a directory or is held, including when another
 * replica seeded it meanwhile.
 */
export async function seedIfEmpty(
  client: RedisClient,
  keys: RedisKeys,
  records: readonly OrgRecord[],
  options: SeedOptions,
): Promise<SeedReport> {
  const present: SeedReport = { outcome: 'present', written: 0, skipped: records.length };
  const settled = async () => {
    const state = await readPrefixState(client, keys);
    return state.marker !== null || state.hold !== null;
  };
  return withSeedLock(client, keys, options, { settled, present }, async () => {
    if ((await client.exists(keys.seedHold)) === 1 || (await holdsDirectory(client, keys)))
      return present;
    const report = await writeRecords(client, keys, records, options.batchSize ?? 64);
    await client.set(keys.seeded, newMarker('start', options.now, 'file'));
    return report;
  });
}

/**
 * An operator's confirmed seed: writes `records` into a prefix that holds no directory (a prefix
 * that does, e.g. restored from a backup, gets nothing written), marks it seeded by the operator
 * and lifts the hold. Rejects with SeedNotNeededError when the prefix is seeded and not held.
 */
export async function confirmSeed(
  client: RedisClient,
  keys: RedisKeys,
  records: readonly OrgRecord[],
  options: SeedOptions & { source: SeedSource },
): Promise<SeedReport> {
  const never = {
    settled: () => Promise.resolve(false),
    present: { outcome: 'present' as const, written: 0, skipped: records.length },
  };
  return withSeedLock(client, keys, options, never, async () => {
    const state = await readPrefixState(client, keys);
    if (state.marker !== null && state.hold === null) throw new SeedNotNeededError();
    const report = (await holdsDirectory(client, keys))
      ? { outcome: 'present' as const, written: 0, skipped: records.length }
      : await writeRecords(client, keys, records, options.batchSize ?? 64);
    await client.set(keys.seeded, newMarker('operator', options.now, options.source));
    await client.del(keys.seedHold);
    return report;
  });
}

/**
 * Runs `seed` under the lock. While another holder has it, polls until `until.settled` says there
 * is nothing left to do (then resolves `until.present`) or the lock is free.
 */
async function withSeedLock(
  client: RedisClient,
  keys: RedisKeys,
  options: SeedOptions,
  until: { settled: () => Promise<boolean>; present: SeedReport },
  seed: () => Promise<SeedReport>,
): Promise<SeedReport> {
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const pollMs = options.pollMs ?? 25;
  for (;;) {
    if (await until.settled()) return until.present;
    const token = randomBytes(12).toString('hex');
    if ((await client.set(keys.seedLock, token, 'PX', lockTtlMs, 'NX')) !== 'OK') {
      await sleep(pollMs);
      continue;
    }
    try {
      return await seed();
    } finally {
      await client.eval(RELEASE_LOCK, 1, keys.seedLock, token).catch(() => undefined);
    }
  }
}

/** Each record by SEED_RECORD; the indexes only for the records written (they are supersets anyway). */
async function writeRecords(
  client: RedisClient,
  keys: RedisKeys,
  records: readonly OrgRecord[],
  batchSize: number,
): Promise<SeedReport> {
  let written = 0;
  for (let i = 0; i < records.length; i += batchSize) {
    await Promise.all(
      records.slice(i, i + batchSize).map(async (record) => {
        const wrote = await client.eval(
          SEED_RECORD,
          3,
          keys.org(record.id),
          keys.tombstone(record.id),
          keys.revision(record.id),
          JSON.stringify(record),
        );
        if (wrote !== 1) return;
        written += 1;
        await Promise.all([
          client.sadd(keys.orgs, record.id),
          ...record.members.map((m) => client.sadd(keys.user(m.user), record.id)),
        ]);
      }),
    );
  }
  return { outcome: 'seeded', written, skipped: records.length - written };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
