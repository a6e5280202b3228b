/**
 * A seed interrupted half-way (a command timing out after part of the directory was written) is
 * never served and never taken for a directory whose marker was lost: the prefix is not ready
 * until a seed of the same kind resumes it, and the resume writes only what is still absent, so a
 * write made meanwhile is kept and a deleted org stays deleted. Against the shared Redis at
 * 127.0.0.1:6379, one fresh key prefix per test.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../src/redis/client.js';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { loadDirectoryFile } from '../../src/directory/load-file.js';
import { deleteOrgWrite, putOrgWrite, type DirectoryWrite } from '../../src/directory/mutations.js';
import { redisKeys, type RedisKeys } from '../../src/directory/redis-keys.js';
import { createRevisionFloors } from '../../src/directory/redis-revisions.js';
import { markerAuthor, markerId, seedIfEmpty } from '../../src/directory/redis-seed.js';
import type { SeedMode } from '../../src/directory/redis-seed-gate.js';
import { writeToRedis } from '../../src/directory/redis-write.js';
import { DirectoryUnavailableError, type DirectoryStore } from '../../src/directory/types.js';
import { directoryValidation, parseOrgRecord } from '../../src/directory/validate.js';
import {
  deletePrefix,
  memoryLog,
  redisConfig,
  SHARED_REDIS_URL,
  tempDir,
  uniquePrefix,
  waitUntil,
  type TempDir,
} from './helpers.js';

const ORGS = 40;
const ids = Array.from({ length: ORGS }, (_, i) => `org-${String(i).padStart(2, '0')}`);
const DIRECTORY = `orgs:\n${ids
  .map(
    (id) =>
      `  - id: ${id}\n    status: active\n    members:\n      - { user: ${id}-owner, role: owner }\n      - { user: shared, role: viewer }\n`,
  )
  .join('')}  - id: default\n    members: []\n`;
/** The file's orgs (the listed ones and `default`). */
const FILE_ORGS = ORGS + 1;

let tmp: TempDir;
let file: string;
let admin: Redis;
const prefixes: string[] = [];
const stores: DirectoryStore[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY);
  admin = new Redis(SHARED_REDIS_URL);
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  for (const prefix of prefixes) await deletePrefix(prefix);
  admin.disconnect();
  await tmp.remove();
});

/**
 * A Redis connection whose record writes fail while `broken`: the first `executed` more of them
 * reach Redis and then fail as a timed-out command does (written, but the caller never hears it),
 * the rest fail without being sent.
 */
interface Breakable {
  wrap(client: RedisClient): RedisClient;
  breakAfter(executed: number): void;
  repair(): void;
}

function breakable(): Breakable {
  let broken = false;
  let executed = 0;
  return {
    breakAfter(n) {
      broken = true;
      executed = n;
    },
    repair() {
      broken = false;
    },
    wrap(client) {
      return new Proxy(client, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target) as unknown;
          if (typeof value !== 'function') return value;
          if (prop !== 'eval') return (value as (...a: unknown[]) => unknown).bind(target);
          return async (...args: unknown[]) => {
            const seedRecord = String(args[0]).includes("redis.call('INCR', KEYS[3])");
            if (!broken || !seedRecord)
              return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            if (executed <= 0) throw new Error('Command timed out');
            executed -= 1;
            await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            throw new Error('Command timed out');
          };
        },
      });
    },
  };
}

async function open(
  prefix: string,
  seed: SeedMode,
  log = memoryLog(),
  link?: Breakable,
): Promise<DirectoryStore> {
  const config = redisConfig(prefix, { command_timeout_ms: 1000 });
  const store = await createRedisStore(
    {
      file,
      defaultOrg: 'default',
      redis: config,
      cache_ttl_ms: 60_000,
      cache_max_entries: 100,
      seed,
    },
    {
      log,
      connect: (role) => {
        const client = createRedisClient(config, role, log);
        return link && role === 'commands' ? link.wrap(client) : client;
      },
    },
  );
  stores.push(store);
  return store;
}

function freshPrefix(): { prefix: string; keys: RedisKeys } {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return { prefix, keys: redisKeys(prefix) };
}

/** The ids of the orgs whose records are in the prefix. */
async function storedOrgs(keys: RedisKeys): Promise<string[]> {
  const found = await admin.keys(`${keys.prefix}{org:*}`);
  return found
    .filter((k) => k.endsWith('}'))
    .map((k) => k.slice(`${keys.prefix}{org:`.length, -1))
    .sort();
}

/** A write as a replica serving the prefix makes it (the write API's own script). */
async function writeDirectly(keys: RedisKeys, change: DirectoryWrite): Promise<void> {
  await writeToRedis(
    {
      client: admin,
      keys,
      ensureReady() {
        // the writer here is a replica already serving the prefix
      },
      call: (_what, run) => run(),
      decode: (_org, raw) => parseOrgRecord(JSON.parse(raw), { defaultOrg: 'default' }),
      changed() {
        // no cache to tell
      },
      floors: createRevisionFloors(),
      durability: { replicas: 0, timeoutMs: 250, commandTimeoutMs: 1000 },
      now: Date.now,
    },
    change,
  );
}

const stateOf = (store: DirectoryStore) => store.seeding!.status();
const logged = (log: ReturnType<typeof memoryLog>, text: string) =>
  log.lines.filter((l) => l.message.includes(text));

describe('redis seed: an automatic seed interrupted half-way', () => {
  it('is not served, is never taken for a directory, and is resumed without undoing a write or reviving a deleted org', async () => {
    const { prefix, keys } = freshPrefix();
    const link = breakable();
    link.breakAfter(12); // the seed writes 12 records, then its commands time out
    const log = memoryLog();
    const a = await open(prefix, 'if_empty', log, link);

    expect(stateOf(a)).toEqual({
      state: 'seeding',
      reason: expect.stringMatching(/^seed in progress or interrupted: /) as unknown,
    });
    await expect(a.getOrg('org-00')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(a.getOrg('org-00')).rejects.toThrow(/seed in progress or interrupted/);
    expect(await a.ping()).toBe(false);
    const partial = await storedOrgs(keys);
    expect(partial.length).toBeGreaterThanOrEqual(12);
    expect(partial.length).toBeLessThan(FILE_ORGS);
    expect(await admin.get(keys.seeded)).toBeNull();
    const seeding = await admin.get(keys.seeding);
    expect(JSON.parse(seeding!)).toMatchObject({ by: 'start', records: FILE_ORGS });

    // A replica with directory.seed: confirm sees the same partial prefix: it neither serves it
    // nor puts a marker over it as if the marker alone had been lost.
    const bLog = memoryLog();
    const b = await open(prefix, 'confirm', bLog);
    expect(stateOf(b)).toEqual({
      state: 'seeding',
      reason: expect.stringMatching(/automatic seed .* directory\.seed is confirm/) as unknown,
    });
    expect(logged(bLog, 'seed skipped')).toEqual([]);
    expect(await admin.get(keys.seeded)).toBeNull();

    // Meanwhile writes change a written org, create one not yet written, and delete a written one.
    const validation = directoryValidation('default');
    const unwritten = ids.filter((id) => !partial.includes(id));
    const [keptWritten, deletedWritten] = partial.filter((id) => id !== 'default');
    const [keptUnwritten] = unwritten;
    const changed = (id: string) => ({
      id,
      status: 'suspended' as const,
      members: [{ user: 'newcomer', role: 'owner' as const }],
      shares: [],
    });
    await writeDirectly(keys, putOrgWrite(changed(keptWritten!), validation));
    await writeDirectly(keys, putOrgWrite(changed(keptUnwritten!), validation));
    await writeDirectly(keys, deleteOrgWrite(deletedWritten!, validation));

    link.repair();
    await waitUntil(() => stateOf(a).state === 'ready', 5000);

    const expected = [...ids, 'default'].filter((id) => id !== deletedWritten).sort();
    expect(await storedOrgs(keys)).toEqual(expected);
    for (const id of [keptWritten!, keptUnwritten!])
      expect(await a.getOrg(id)).toEqual(changed(id));
    expect(await a.getOrg(deletedWritten!)).toBeNull();
    // Every seeded org is indexed, including those whose seed stopped before indexing them.
    const shared = (await a.listOrgsForUser('shared')).map((o) => o.id);
    expect(shared).toEqual(
      ids.filter((id) => ![keptWritten, keptUnwritten, deletedWritten].includes(id)),
    );
    const marker = (await admin.get(keys.seeded))!;
    expect(markerAuthor(marker)).toBe('start');
    expect(markerId(marker)).toBe((JSON.parse(seeding!) as { id: string }).id);
    expect(await admin.exists(keys.seeding)).toBe(0);
    expect(logged(log, 'seed resumed')).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: { written: FILE_ORGS - partial.length - 1, skipped: partial.length + 1 },
      }),
    ]);
    expect(logged(log, 'seed skipped')).toEqual([]);
    await waitUntil(() => stateOf(b).state === 'ready', 3000);
  });

  it('is held, not restored, by a replica that had seen the directory before it was lost', async () => {
    const { prefix, keys } = freshPrefix();
    const a = await open(prefix, 'if_empty');
    expect(stateOf(a).state).toBe('ready');

    await deletePrefix(prefix); // the data is lost; a replica that could not know starts seeding
    const link = breakable();
    link.breakAfter(5);
    const records = await loadDirectoryFile(file, 'default');
    await expect(seedIfEmpty(link.wrap(admin), keys, records, { now: Date.now })).rejects.toThrow(
      /timed out/,
    );
    expect(await admin.exists(keys.seeding)).toBe(1);

    await waitUntil(() => stateOf(a).state === 'held', 3000);
    expect(stateOf(a).reason).toMatch(/being seeded again automatically/);
    expect(await admin.get(keys.seeded)).toBeNull();
  });

  it('left over after its marker was written is cleared, and a lost marker over it is put back', async () => {
    const { prefix, keys } = freshPrefix();
    const log = memoryLog();
    const a = await open(prefix, 'if_empty', log);
    const marker = (await admin.get(keys.seeded))!;
    // The seeder stopped between writing its marker and deleting its `seeding` key, and the
    // marker was then evicted: the directory is whole, and this replica knows that seed.
    await admin.set(keys.seeding, JSON.stringify({ id: markerId(marker), by: 'start' }));
    await admin.del(keys.seeded);

    await waitUntil(async () => (await admin.get(keys.seeded)) === marker, 3000);
    await waitUntil(async () => (await admin.exists(keys.seeding)) === 0, 3000);
    expect(stateOf(a).state).toBe('ready');
    expect(await storedOrgs(keys)).toHaveLength(FILE_ORGS);
  });
});

describe('redis seed: record writes that time out for a moment', () => {
  it('are tried again: the seed finishes without starting over, each record written once and indexed', async () => {
    const { keys } = freshPrefix();
    const link = breakable();
    const records = await loadDirectoryFile(file, 'default');
    link.breakAfter(3); // three records reach Redis but their replies are lost, then none get through
    setTimeout(() => link.repair(), 50); // before the seed's last retry (after 100 + 200 ms)
    const report = await seedIfEmpty(link.wrap(admin), keys, records, {
      now: Date.now,
      batchSize: 8,
    });
    expect(report.outcome).toBe('seeded');
    expect(report.written + report.skipped).toBe(FILE_ORGS);
    expect(report.written).toBeGreaterThanOrEqual(FILE_ORGS - 3);
    expect(await admin.get(keys.seeded)).not.toBeNull();
    expect(await admin.exists(keys.seeding)).toBe(0);
    expect((await storedOrgs(keys)).length).toBe(FILE_ORGS);
    for (const id of [...ids, 'default']) expect(await admin.get(keys.revision(id))).toBe('1'); // written once, not twice
    expect(await admin.smembers(keys.user('shared'))).toHaveLength(ORGS);
  });
});

describe("redis seed: an operator's confirmed seed interrupted half-way", () => {
  it('is finished only by the operator confirming again, never by an automatic seed', async () => {
    const { prefix, keys } = freshPrefix();
    const link = breakable();
    const c = await open(prefix, 'confirm', memoryLog(), link);
    expect(stateOf(c).state).toBe('awaiting_confirmation');

    link.breakAfter(7);
    await expect(c.seeding!.confirm('file')).rejects.toThrow(/redis seed failed/);
    const partial = await storedOrgs(keys);
    expect(partial.length).toBeGreaterThanOrEqual(7);
    expect(partial.length).toBeLessThan(FILE_ORGS);
    await waitUntil(() => stateOf(c).state === 'seeding', 3000);
    expect(stateOf(c).reason).toMatch(/an operator's seed .* to finish it/);

    // A replica with directory.seed: if_empty does not finish an operator's seed on its own.
    const dLog = memoryLog();
    const d = await open(prefix, 'if_empty', dLog);
    expect(stateOf(d).state).toBe('seeding');
    expect(await storedOrgs(keys)).toEqual(partial);
    expect(logged(dLog, 'seeded into redis')).toEqual([]);
    expect(logged(dLog, 'seed skipped')).toEqual([]);

    link.repair();
    expect(await c.seeding!.confirm('file')).toEqual({
      source: 'file',
      written: FILE_ORGS - partial.length,
      skipped: partial.length,
    });
    expect(stateOf(c).state).toBe('ready');
    expect(await storedOrgs(keys)).toHaveLength(FILE_ORGS);
    expect(markerAuthor((await admin.get(keys.seeded))!)).toBe('operator');
    expect(await admin.exists(keys.seeding)).toBe(0);
    await waitUntil(() => stateOf(d).state === 'ready', 3000);
  });
});
