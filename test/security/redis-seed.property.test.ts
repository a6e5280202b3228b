/**
 * Seeding a Redis prefix never changes a record that exists and never revives one deleted through
 * the write API, whatever the interleaving. Every Redis command of the seeders and of the writer
 * passes through fast-check's scheduler, which picks the order the commands reach Redis (seeded,
 * so a failure replays); seed locks expire at once, so seeders also overlap. A seed interrupted
 * after any number of records (a command timing out) is never served until whole.
 *
 * Against the real Redis at 127.0.0.1:6379, one fresh key prefix per case.
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteOrgWrite,
  putMemberWrite,
  putOrgWrite,
  removeMemberWrite,
  type DirectoryWrite,
} from '../../src/directory/mutations.js';
import type { RedisClient } from '../../src/redis/client.js';
import { redisKeys, type RedisKeys } from '../../src/directory/redis-keys.js';
import { createSeedGate } from '../../src/directory/redis-seed-gate.js';
import {
  confirmSeed,
  seedIfEmpty,
  SeedNotNeededError,
  type SeedReport,
} from '../../src/directory/redis-seed.js';
import { createRevisionFloors } from '../../src/directory/redis-revisions.js';
import { writeToRedis, type RedisWriteContext } from '../../src/directory/redis-write.js';
import { DirectoryValidationError, type OrgRecord } from '../../src/directory/types.js';
import { directoryValidation, parseOrgRecord } from '../../src/directory/validate.js';
import { deletePrefix, memoryLog, SHARED_REDIS_URL, uniquePrefix } from '../directory/helpers.js';
import {
  generatedDirectory,
  generatedWrite,
  type GeneratedOrg,
  type GeneratedWrite,
} from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';

const DEFAULT_ORG = 'default';
/** The keys a lost marker may take with it (LRU eviction, a partial restore, a careless DEL). */
const LOSABLE = ['seeded', 'org revisions', 'orgs', 'user indexes'] as const;
const SCHEDULED = new Set([
  'get',
  'mget',
  'set',
  'exists',
  'eval',
  'sadd',
  'srem',
  'incr',
  'del',
  'scan',
  'publish',
]);

let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
});

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(prefix);
  redis.disconnect();
});

/** The client as the scheduler sees it: each command waits for its turn before it is sent. */
function scheduledClient(s: fc.Scheduler, actor: string): RedisClient {
  return new Proxy(redis, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !SCHEDULED.has(prop) || typeof value !== 'function')
        return value;
      return async (...args: unknown[]) => {
        await s.schedule(Promise.resolve(), `${actor} ${prop} ${String(args[0])}`);
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  }) as RedisClient;
}

function writeContext(client: RedisClient, keys: RedisKeys): RedisWriteContext {
  return {
    client,
    keys,
    ensureReady() {
      // nothing to wait for: the properties run against a Redis that is already up
    },
    call: (_what, run) => run(),
    decode: (_org, raw) => parseOrgRecord(JSON.parse(raw), { defaultOrg: DEFAULT_ORG }),
    changed() {
      // no cache or listeners to tell in this test
    },
    floors: createRevisionFloors(),
    durability: { replicas: 0, timeoutMs: 250, commandTimeoutMs: 50 },
    now: () => 0,
  };
}

function toWrite(w: GeneratedWrite, current: OrgRecord | null): DirectoryWrite {
  switch (w.kind) {
    case 'remove_member':
      return removeMemberWrite(w.org, w.user, directoryValidation(DEFAULT_ORG));
    case 'delete_org':
      return deleteOrgWrite(w.org, directoryValidation(DEFAULT_ORG));
    case 'set_role':
      return putMemberWrite(w.org, w.user, w.role, directoryValidation(DEFAULT_ORG));
    case 'set_status':
      return putOrgWrite(
        { ...(current ?? { id: w.org, members: [], shares: [] }), status: w.status },
        directoryValidation(DEFAULT_ORG),
      );
  }
}

/** Applies the writes one after another through `client`, and to `model` (what Redis must end up holding). */
async function runWriter(
  client: RedisClient,
  keys: RedisKeys,
  writes: GeneratedWrite[],
  model: Map<string, OrgRecord>,
): Promise<void> {
  const ctx = writeContext(client, keys);
  for (const w of writes) {
    if (w.kind === 'set_status' && !model.has(w.org)) continue; // only change orgs that exist
    const change = toWrite(w, model.get(w.org) ?? null);
    let next: OrgRecord | null;
    try {
      next = change.apply(model.get(w.org) ?? null);
    } catch (err) {
      if (err instanceof DirectoryValidationError) continue; // refused: changes nothing anywhere
      throw err;
    }
    await writeToRedis(ctx, change);
    if (next === null) model.delete(w.org);
    else model.set(w.org, next);
  }
}

async function storedRecords(
  keys: RedisKeys,
  ids: Iterable<string>,
): Promise<Map<string, OrgRecord>> {
  const out = new Map<string, OrgRecord>();
  for (const id of new Set(ids)) {
    const raw = await redis.get(keys.org(id));
    if (raw !== null) out.set(id, JSON.parse(raw) as OrgRecord);
  }
  return out;
}

async function loseKeys(keys: RedisKeys, lost: readonly (typeof LOSABLE)[number][]): Promise<void> {
  for (const what of lost) {
    if (what === 'seeded') await redis.del(keys.seeded);
    if (what === 'org revisions') {
      const revisions = await redis.keys(`${keys.prefix}{org:*}:revision`);
      if (revisions.length > 0) await redis.del(...revisions);
    }
    if (what === 'orgs') await redis.del(keys.orgs);
    if (what === 'user indexes') {
      const users = await redis.keys(`${keys.prefix}user:*`);
      if (users.length > 0) await redis.del(...users);
    }
  }
}

/** A seeder as a replica (automatic) or an operator (confirmed) runs it; a seeded prefix refuses the operator. */
function seeder(
  client: RedisClient,
  keys: RedisKeys,
  records: readonly OrgRecord[],
  operator: boolean,
): Promise<SeedReport | 'refused'> {
  const options = { now: () => 0, lockTtlMs: 1, pollMs: 1 };
  if (!operator) return seedIfEmpty(client, keys, records, options);
  return confirmSeed(client, keys, records, { ...options, source: 'file' }).catch(
    (err: unknown) => {
      if (err instanceof SeedNotNeededError) return 'refused' as const;
      throw err;
    },
  );
}

/** A client whose record writes (EVAL) wait until `release()`; `reached` resolves at the first one. */
function stalledAtFirstRecord(): { client: RedisClient; reached: Promise<void>; release(): void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const client = new Proxy(redis, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'eval' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        reach();
        await released;
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  }) as RedisClient;
  return { client, reached, release };
}

/**
 * A client whose record writes (SEED_RECORD's EVAL) fail as a timed-out command does once
 * `executed` of them have run: the next one still reaches Redis, then fails; later ones fail
 * unsent. Every other command passes.
 */
function interruptedAfter(executed: number): RedisClient {
  let left = executed;
  return new Proxy(redis, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'eval' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const run = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (!String(args[0]).includes("redis.call('INCR', KEYS[3])")) return run();
        left -= 1;
        if (left >= 0) return run();
        if (left === -1) await run();
        throw new Error('Command timed out');
      };
    },
  }) as RedisClient;
}

const asRecords = (orgs: GeneratedOrg[]): OrgRecord[] =>
  orgs.map((o) => parseOrgRecord(o, { defaultOrg: DEFAULT_ORG }));

describe('seeding a Redis prefix', () => {
  it('never changes a record that exists, whatever was lost and however seeders and writes interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        generatedDirectory,
        generatedDirectory,
        fc.array(generatedWrite, { maxLength: 6 }),
        fc.array(generatedWrite, { maxLength: 6 }),
        fc.subarray([...LOSABLE]),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
        async (s, live, seedFile, before, during, lost, seeders) => {
          const prefix = uniquePrefix();
          prefixes.push(prefix);
          const keys = redisKeys(prefix);
          try {
            // The live directory: seeded once, then revoked from, then some of its keys lost.
            const model = new Map(asRecords(live).map((r) => [r.id, r]));
            await seedIfEmpty(redis, keys, [...model.values()], { now: () => 0 });
            await runWriter(redis, keys, before, model);
            await loseKeys(keys, lost); // records (or tombstones of deleted ones) always remain

            const seedRecords = asRecords(seedFile);
            const results = await s.waitFor(
              Promise.all([
                ...seeders.map((operator, i) =>
                  seeder(scheduledClient(s, `seeder${i}`), keys, seedRecords, operator),
                ),
                runWriter(scheduledClient(s, 'writer'), keys, during, model),
              ]),
            );

            const stored = await storedRecords(
              keys,
              [...live, ...seedFile].map((o) => o.id),
            );
            expect(stored).toEqual(model);
            for (const result of results.slice(0, seeders.length)) {
              if (result !== 'refused') expect((result as SeedReport).written).toBe(0);
            }
          } finally {
            await deletePrefix(prefix);
          }
        },
      ),
      fuzzParams(25, 2000),
    );
  });

  it('on an empty prefix, writes each record once, and a seeder paused past its emptiness check undoes no write made meanwhile', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        generatedDirectory,
        fc.array(generatedWrite, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        async (s, seedFile, writes, count) => {
          const prefix = uniquePrefix();
          prefixes.push(prefix);
          const keys = redisKeys(prefix);
          try {
            const records = asRecords(seedFile);
            const model = new Map(records.map((r) => [r.id, r]));
            const options = { now: () => 0, lockTtlMs: 1, pollMs: 1 };
            // A seeder that found the prefix empty, then stalls (GC, SIGSTOP) past its lock's expiry.
            const stalled = stalledAtFirstRecord();
            const late = seedIfEmpty(stalled.client, keys, records, options);
            await stalled.reached;
            await new Promise((resolve) => setTimeout(resolve, 5));
            // A replica writes only once the prefix is marked seeded (it is not ready before).
            const writer = async () => {
              const client = scheduledClient(s, 'writer');
              while ((await client.get(keys.seeded)) === null)
                await new Promise((resolve) => setTimeout(resolve, 1));
              await runWriter(client, keys, writes, model);
            };
            const results = await s.waitFor(
              Promise.all([
                ...Array.from({ length: count }, (_, i) =>
                  seedIfEmpty(scheduledClient(s, `seeder${i}`), keys, records, options),
                ),
                writer(),
              ]),
            );
            stalled.release();
            const reports = [...(results.slice(0, count) as SeedReport[]), await late];
            expect(reports.reduce((sum, r) => sum + r.written, 0)).toBe(records.length);
            expect(
              await storedRecords(
                keys,
                records.map((r) => r.id),
              ),
            ).toEqual(model);
          } finally {
            await deletePrefix(prefix);
          }
        },
      ),
      fuzzParams(25, 2000),
    );
  });
  it('a seed interrupted after any record is never served as a directory, and a later check resumes it without undoing a write', async () => {
    await fc.assert(
      fc.asyncProperty(
        generatedDirectory,
        fc.array(
          fc.record({
            executed: fc.nat({ max: 8 }),
            writes: fc.array(generatedWrite, { maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        async (seedFile, interruptions) => {
          const prefix = uniquePrefix();
          prefixes.push(prefix);
          const keys = redisKeys(prefix);
          const records = asRecords(seedFile);
          const ids = records.map((r) => r.id);
          // A replica starting (it never saw the prefix), with the seed file as its directory.
          const replica = (client: RedisClient) =>
            createSeedGate(client, keys, {
              mode: 'if_empty',
              records,
              now: () => 0,
              log: memoryLog(),
            });
          /** What each org must end up as: the seed's record, unless a write changed it. */
          const expected = new Map(records.map((r) => [r.id, r]));
          try {
            for (const { executed, writes } of interruptions) {
              // A check that rejects is not served from (the store keeps its last state).
              const state = await replica(interruptedAfter(executed))
                .check()
                .catch(() => null);
              if (state?.ready) {
                // Served only once whole: every record is there, or was deleted by a write.
                for (const id of ids)
                  expect(await redis.exists(keys.org(id), keys.tombstone(id))).toBeGreaterThan(0);
              } else if (state !== null) {
                expect(state.state).toBe('seeding');
              }
              // Writes to orgs the partial directory holds (a write needs the org to exist).
              const model = await storedRecords(keys, ids);
              const applied = writes.filter((w) => model.has(w.org));
              await runWriter(redis, keys, applied, model);
              for (const { org } of applied) {
                const now = model.get(org);
                if (now) expected.set(org, now);
                else expected.delete(org);
              }
            }
            expect(await replica(redis).check()).toMatchObject({ ready: true });
            expect(await storedRecords(keys, ids)).toEqual(expected);
            expect(await redis.exists(keys.seeding)).toBe(0);
          } finally {
            await deletePrefix(prefix);
          }
        },
      ),
      fuzzParams(25, 2000),
    );
  });
});
