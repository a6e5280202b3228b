/**
 * Writing the directory file into a Redis key prefix: the one place that ever writes a seed.
 *
 * Invariants (each kept by the code named):
 * - A seed never changes a record that exists, and never brings back an org deleted through the
 *   write API: each record is written by one script on its own slot that writes only when neither
 *   the record nor its tombstone exists (SEED_RECORD), and raises the org's revision with it.
 *   This holds under any interleaving with writes and with other seeders, including a seeder
 *   whose lock expired while it was paused, and makes resuming a seed idempotent.
 * - A seed writes nothing into a prefix that holds a directory: under the lock, the marker, the
 *   hold, the orgs index and a SCAN for per-org and per-user keys must all come up empty first
 *   (`holdsDirectory`), unless a seed that did not finish is being resumed. A lost `seeded`
 *   marker therefore never causes a seed.
 * - A seed that did not finish is never taken for a directory: the `seeding` key is set before
 *   the first record and deleted only after the `seeded` marker, which is written last and
 *   carries the seed's id. Records with a `seeding` key and no marker are a seed in progress or
 *   interrupted: no replica serves them, and the next seed of the same kind (an automatic one
 *   resumes an automatic one; an operator's confirmation resumes either) finishes it under the
 *   lock, writing only the records still absent.
 * - The marker records who seeded (`start`: a replica, automatically; `operator`: a confirmed
 *   seed; `restored`: the marker was lost and put back over an existing directory), which lets a
 *   replica that saw the directory tell a re-seed after data loss from the seed it already knew
 *   (redis-seed-gate.ts).
 * - The `SET NX PX` lock keeps replicas that start together from seeding at the same time; the
 *   others wait for the marker, and take over (resuming) if the lock expires without one.
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

/**
 * The records a seed writes, or how to read them: an automatic seed reads the directory file only
 * once it holds the lock and has found the prefix empty, so a replica joining a seeded prefix never
 * parses a file it does not need.
 */
export type SeedRecords = readonly OrgRecord[] | (() => Promise<readonly OrgRecord[]>);

export interface SeedReport {
  /**
   * `seeded`: this call seeded the prefix; `resumed`: it finished a seed that had not finished;
   * `present`: the prefix already held a directory, or a seed only an operator may finish (nothing written).
   */
  outcome: 'seeded' | 'resumed' | 'present';
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
  /**
   * Records in flight at once while seeding: their commands are written to the connection back to
   * back and the replies read together (a pipeline), each still within the command timeout.
   */
  batchSize?: number;
  /** Called after each batch with the records of the seed done so far (written or found present). */
  onProgress?: (done: number, total: number) => void;
}

/** Records in flight at once unless told otherwise: enough to keep one connection busy. */
const DEFAULT_BATCH = 256;

/** The prefix is seeded and in service: an operator's seed would change nothing. */
export class SeedNotNeededError extends OrgwardenError {
  constructor() {
    super(
      'seed_not_needed',
      'the redis prefix already holds a directory in service (seeded marker present, no hold); nothing was written',
    );
  }
}

/**
 * Deletes KEYS[1] only if it still holds ARGV[1]: the lock only if it is still ours (it may have
 * expired and been taken by another replica), the `seeding` key only if it is still this seed's.
 */
const DELETE_IF_UNCHANGED = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Extends the lock KEYS[1] by ARGV[2] ms only if it still holds ARGV[1] (this seeder's token). */
const RENEW_IF_UNCHANGED = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** Sets the `seeding` key KEYS[1] to ARGV[1] unless a seed already began; returns the seed in effect. */
const BEGIN_SEED = `local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]`;

/**
 * Writes the record KEYS[1] only when neither it nor its tombstone KEYS[2] exists, and raises the
 * org's revision KEYS[3] with it (one slot, one step): a seeded record is never at revision 0.
 * Returns 1 when written, 0 when the record was there, -1 when the org was deleted.
 */
const SEED_RECORD = `if redis.call('EXISTS', KEYS[2]) > 0 then return -1 end
if redis.call('EXISTS', KEYS[1]) > 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[3])
return 1`;

/** The cheap facts about a prefix: four single-key reads at most. */
export interface PrefixState {
  marker: string | null;
  hold: string | null;
  /** The `seeding` key: a seed began and, unless a marker exists, has not finished. */
  seeding: string | null;
  /** The orgs index exists (only a directory writes it). */
  anchored: boolean;
}

export async function readPrefixState(client: RedisClient, keys: RedisKeys): Promise<PrefixState> {
  const [marker, hold, seeding] = await Promise.all([
    client.get(keys.seeded),
    client.get(keys.seedHold),
    client.get(keys.seeding),
  ]);
  if (marker !== null) return { marker, hold, seeding, anchored: true };
  return { marker, hold, seeding, anchored: (await client.exists(keys.orgs)) > 0 };
}

/** A seed that began writing the prefix, as its `seeding` key tells (`unknown`: unreadable). */
export interface SeedInProgress {
  id: string | null;
  by: SeededBy | 'unknown';
  at: string | null;
  records: number | null;
}

export function parseSeeding(raw: string): SeedInProgress {
  const fields = parseObject(raw);
  const records = fields.records;
  return {
    id: typeof fields.id === 'string' ? fields.id : null,
    by: seededBy(fields.by),
    at: typeof fields.at === 'string' ? fields.at : null,
    records: typeof records === 'number' && Number.isSafeInteger(records) ? records : null,
  };
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
  return seededBy(parseObject(marker).by);
}

/** The id of a marker: the id of the seed that wrote it (null for markers of older versions). */
export function markerId(marker: string): string | null {
  const id = parseObject(marker).id;
  return typeof id === 'string' ? id : null;
}

export function newMarker(by: SeededBy, now: Clock, source?: SeedSource, id?: string): string {
  return JSON.stringify({
    id: id ?? newSeedId(),
    at: new Date(now()).toISOString(),
    by,
    ...(source ? { source } : {}),
  });
}

const newSeedId = () => randomBytes(8).toString('hex');

function seededBy(by: unknown): SeededBy | 'unknown' {
  return by === 'start' || by === 'operator' || by === 'restored' ? by : 'unknown';
}

function parseObject(raw: string): Record<string, unknown> {
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A seed begun (or found begun) under the lock: `raw` is its `seeding` key, `resumed` when it was there already. */
interface BegunSeed {
  raw: string;
  seed: SeedInProgress;
  resumed: boolean;
}

async function beginSeed(
  client: RedisClient,
  keys: RedisKeys,
  by: SeededBy,
  records: number,
  now: Clock,
): Promise<BegunSeed> {
  const mine = JSON.stringify({ id: newSeedId(), by, at: new Date(now()).toISOString(), records });
  const raw = String(await client.eval(BEGIN_SEED, 1, keys.seeding, mine));
  return { raw, seed: parseSeeding(raw), resumed: raw !== mine };
}

/** After the marker: the prefix holds a whole directory, so the seed is no longer in progress. */
async function finishSeed(client: RedisClient, keys: RedisKeys, begun: BegunSeed): Promise<void> {
  await client.eval(DELETE_IF_UNCHANGED, 1, keys.seeding, begun.raw);
}

/** The `seeding` key is the leftover of the seed that wrote `marker` (its writer stopped between the two). */
function finishedBy(marker: string | null, seeding: string): boolean {
  const id = parseSeeding(seeding).id;
  return marker !== null && id !== null && id === markerId(marker);
}

/** Deletes a `seeding` key left over by the seed that wrote `marker`; any other is left alone. */
export async function clearFinishedSeed(
  client: RedisClient,
  keys: RedisKeys,
  marker: string,
  seeding: string,
): Promise<void> {
  if (finishedBy(marker, seeding)) await client.eval(DELETE_IF_UNCHANGED, 1, keys.seeding, seeding);
}

/**
 * A replica's automatic seed of a prefix that holds nothing (`directory.seed: if_empty`). Resolves
 * `present` without writing when the prefix holds a directory or is held, including when another
 * replica seeded it meanwhile.
 */
export async function seedIfEmpty(
  client: RedisClient,
  keys: RedisKeys,
  seed: SeedRecords,
  options: SeedOptions,
): Promise<SeedReport> {
  // Not read yet when the records come from a loader: nothing was skipped that was read.
  const present: SeedReport = {
    outcome: 'present',
    written: 0,
    skipped: typeof seed === 'function' ? 0 : seed.length,
  };
  const settled = async () => {
    const state = await readPrefixState(client, keys);
    return state.marker !== null || state.hold !== null;
  };
  return withSeedLock(client, keys, options, { settled, present }, async (renew) => {
    const state = await readPrefixState(client, keys);
    if (state.hold !== null || state.marker !== null) return present;
    if (state.seeding === null && (await holdsDirectory(client, keys))) return present;
    const records = typeof seed === 'function' ? await seed() : seed;
    const begun = await beginSeed(client, keys, 'start', records.length, options.now);
    if (begun.seed.by !== 'start') return present; // only an operator finishes an operator's seed
    const report = await writeRecords(client, keys, records, options, renew);
    // NX: a seeder whose lock expired may have finished first; its marker stands.
    await client.set(keys.seeded, newMarker('start', options.now, 'file', idOf(begun)), 'NX');
    await finishSeed(client, keys, begun);
    return begun.resumed ? { ...report, outcome: 'resumed' } : report;
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
  return withSeedLock(client, keys, options, never, async (renew) => {
    const state = await readPrefixState(client, keys);
    if (state.marker !== null && state.hold === null) throw new SeedNotNeededError();
    // A `seeding` key left over by the seed that wrote the marker is no seed in progress.
    const unfinished = state.seeding !== null && !finishedBy(state.marker, state.seeding);
    if (!unfinished && (await holdsDirectory(client, keys))) {
      if (state.marker !== null && state.seeding !== null)
        await clearFinishedSeed(client, keys, state.marker, state.seeding);
      await client.set(keys.seeded, newMarker('operator', options.now, options.source));
      await client.del(keys.seedHold);
      return never.present;
    }
    // An empty prefix, or a seed (anyone's) that did not finish: the operator finishes it.
    const begun = await beginSeed(client, keys, 'operator', records.length, options.now);
    const report = await writeRecords(client, keys, records, options, renew);
    await client.set(keys.seeded, newMarker('operator', options.now, options.source, idOf(begun)));
    await client.del(keys.seedHold);
    await finishSeed(client, keys, begun);
    return begun.resumed ? { ...report, outcome: 'resumed' } : report;
  });
}

/** The marker of a seed carries the seed's id, so a replica can tell its leftover `seeding` key. */
const idOf = (begun: BegunSeed): string => begun.seed.id ?? newSeedId();

/**
 * Runs `seed` under the lock. While another holder has it, polls until `until.settled` says there
 * is nothing left to do (then resolves `until.present`) or the lock is free. `seed` calls `renew`
 * as it goes: a long seed (a million memberships) keeps its lock while it makes progress, and a
 * seeder that lost it (paused past the TTL) does not take it back.
 */
async function withSeedLock(
  client: RedisClient,
  keys: RedisKeys,
  options: SeedOptions,
  until: { settled: () => Promise<boolean>; present: SeedReport },
  seed: (renew: () => Promise<void>) => Promise<SeedReport>,
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
    let renewed = options.now();
    const renew = async () => {
      if (options.now() - renewed < lockTtlMs / 3) return;
      renewed = options.now();
      await client.eval(RENEW_IF_UNCHANGED, 1, keys.seedLock, token, lockTtlMs);
    };
    try {
      return await seed(renew);
    } finally {
      await client.eval(DELETE_IF_UNCHANGED, 1, keys.seedLock, token).catch(() => undefined);
    }
  }
}

/**
 * Each record by SEED_RECORD; the indexes for every record that is there, written now or by the
 * seed being resumed (which may have stopped before indexing it). They are supersets anyway: a
 * user index naming an org the user has left since is filtered out by reading the record.
 */
async function writeRecords(
  client: RedisClient,
  keys: RedisKeys,
  records: readonly OrgRecord[],
  options: SeedOptions,
  renew: () => Promise<void>,
): Promise<SeedReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  // Counted as each record is written, so a batch tried again does not count it twice (or lose it).
  const tally = { written: 0 };
  for (let i = 0; i < records.length; i += batchSize) {
    if (i > 0) {
      options.onProgress?.(i, records.length);
      await renew();
    }
    const batch = records.slice(i, i + batchSize);
    // Every command of a batch may be repeated (a record is written only if absent, an index
    // entry added twice is one): a batch that failed (a command timed out on a busy Redis) is
    // tried again before the seed gives up, so one slow moment does not restart a long seed.
    for (let attempt = 1; ; attempt++) {
      try {
        await writeBatch(client, keys, batch, tally);
        break;
      } catch (err) {
        if (attempt >= BATCH_ATTEMPTS) throw err;
        await sleep(BATCH_RETRY_MS * attempt);
      }
    }
  }
  options.onProgress?.(records.length, records.length);
  return { outcome: 'seeded', written: tally.written, skipped: records.length - tally.written };
}

const BATCH_ATTEMPTS = 3;
const BATCH_RETRY_MS = 100;

/** One batch of records and their index entries, counting in `tally` each record written. */
async function writeBatch(
  client: RedisClient,
  keys: RedisKeys,
  batch: readonly OrgRecord[],
  tally: { written: number },
): Promise<void> {
  await Promise.all(
    batch.map(async (record) => {
      const wrote = await client.eval(
        SEED_RECORD,
        3,
        keys.org(record.id),
        keys.tombstone(record.id),
        keys.revision(record.id),
        JSON.stringify(record),
      );
      if (wrote === -1) return;
      if (wrote === 1) tally.written += 1;
      await Promise.all([
        client.sadd(keys.orgs, record.id),
        ...record.members.map((m) => client.sadd(keys.user(m.user), record.id)),
      ]);
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
