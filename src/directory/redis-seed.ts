/**
 * Seeding an empty key prefix from the directory file, once, however many replicas start together.
 *
 * The `seeded` marker is written last, so a prefix is either seeded completely or not at all (a
 * seeder that dies halfway leaves no marker and the next replica seeds again; every step is an
 * overwrite, so that is safe). The `SET NX PX` lock keeps replicas that start together from seeding
 * at the same time; the others wait for the marker, and take over if the lock expires without one.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './deps.js';
import type { RedisClient } from './redis-client.js';
import type { RedisKeys } from './redis-keys.js';
import type { OrgRecord } from './types.js';

export interface SeedOptions {
  now: Clock;
  /** How long a seeder may hold the lock before another replica takes over. */
  lockTtlMs?: number;
  pollMs?: number;
  /** Commands in flight at once while seeding (each must still finish within the command timeout). */
  batchSize?: number;
}

/** Deletes the lock only if it is still ours (it may have expired and been taken by another replica). */
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Resolves once the prefix is seeded: `seeded` if this call did it, `present` if it already was. */
export async function ensureSeeded(
  client: RedisClient,
  keys: RedisKeys,
  records: readonly OrgRecord[],
  options: SeedOptions,
): Promise<'seeded' | 'present'> {
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const pollMs = options.pollMs ?? 25;
  for (;;) {
    if ((await client.exists(keys.seeded)) === 1) return 'present';
    const token = randomBytes(12).toString('hex');
    if ((await client.set(keys.seedLock, token, 'PX', lockTtlMs, 'NX')) !== 'OK') {
      await sleep(pollMs);
      continue;
    }
    try {
      // Another replica may have finished between our check and our lock.
      if ((await client.exists(keys.seeded)) === 1) return 'present';
      await writeSeed(client, keys, records, options.batchSize ?? 64);
      await client.incr(keys.revision);
      await client.set(keys.seeded, new Date(options.now()).toISOString());
      return 'seeded';
    } finally {
      await client.eval(RELEASE_LOCK, 1, keys.seedLock, token).catch(() => undefined);
    }
  }
}

async function writeSeed(client: RedisClient, keys: RedisKeys, records: readonly OrgRecord[], batchSize: number): Promise<void> {
  const commands: Array<() => Promise<unknown>> = [];
  for (const record of records) {
    commands.push(() => client.set(keys.org(record.id), JSON.stringify(record)));
    commands.push(() => client.sadd(keys.orgs, record.id));
    for (const member of record.members) commands.push(() => client.sadd(keys.user(member.user), record.id));
  }
  for (let i = 0; i < commands.length; i += batchSize) {
    await Promise.all(commands.slice(i, i + batchSize).map((run) => run()));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
