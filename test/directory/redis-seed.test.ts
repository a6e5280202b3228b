/**
 * Seeding the Redis store: a lost marker never causes a seed over live records, a prefix whose data
 * was lost is held on every replica until an operator confirms, the first start follows
 * `directory.seed`, and replicas seeding together write each record once. Runs against a private
 * redis-server on a free port (keys are deleted and the database flushed; never the shared 6379).
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { loadDirectoryFile } from '../../src/directory/load-file.js';
import { redisKeys } from '../../src/directory/redis-keys.js';
import { seedIfEmpty, SeedNotNeededError } from '../../src/directory/redis-seed.js';
import {
  DirectoryUnavailableError,
  type DirectoryStore,
  type OrgRecord,
} from '../../src/directory/types.js';
import type { SeedMode } from '../../src/directory/redis-seed-gate.js';
import {
  DIRECTORY_YAML,
  memoryLog,
  redisConfig,
  startScratchRedis,
  tempDir,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
  type TempDir,
} from './helpers.js';

/** The seed of DIRECTORY_YAML holds four orgs (acme, globex, initech, default). */
const FILE_ORGS = 4;

let tmp: TempDir;
let file: string;
let server: ScratchRedis;
let admin: Redis;
const stores: DirectoryStore[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
  server = await startScratchRedis();
  admin = new Redis(server.url);
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  admin.disconnect();
  await server.kill();
  await tmp.remove();
});

interface OpenOptions {
  prefix: string;
  seed?: SeedMode;
  log?: ReturnType<typeof memoryLog>;
}

async function open(options: OpenOptions): Promise<DirectoryStore> {
  const store = await createRedisStore(
    {
      file,
      defaultOrg: 'default',
      // A command timeout far above Redis's latency: a loaded machine must not look like an outage here.
      redis: redisConfig(options.prefix, { url: server.url, command_timeout_ms: 1000 }),
      cache_ttl_ms: 60_000,
      cache_max_entries: 100,
      ...(options.seed ? { seed: options.seed } : {}),
    },
    { log: options.log ?? memoryLog() },
  );
  stores.push(store);
  return store;
}

async function recordsUnder(
  prefix: string,
  redis: Redis = admin,
): Promise<Record<string, OrgRecord>> {
  const keys = (await redis.keys(`${prefix}{org:*}`)).filter((k) => k.endsWith('}'));
  const out: Record<string, OrgRecord> = {};
  for (const key of keys.sort()) out[key] = JSON.parse((await redis.get(key))!) as OrgRecord;
  return out;
}

const members = async (store: DirectoryStore, org: string) =>
  (await store.getOrg(org))?.members.map((m) => m.user);
const stateOf = (store: DirectoryStore) => store.seeding!.status().state;

describe('redis seed: a lost marker', () => {
  it('over live records changes no record: the seed is skipped, logged at warn with counts, and the marker put back', async () => {
    const prefix = uniquePrefix();
    const a = await open({ prefix });
    await a.removeMember('acme', 'bob');
    await a.deleteOrg('globex');
    await a.putOrg({
      id: 'initech',
      status: 'suspended',
      members: [{ user: 'mallory', role: 'viewer' }],
      shares: [],
    });
    await a.close();
    const before = await recordsUnder(prefix);

    // What an allkeys-lru eviction takes first: the keys read only at start.
    await admin.del(`${prefix}seeded`, `${prefix}orgs`);
    const log = memoryLog();
    const b = await open({ prefix, log });

    expect(stateOf(b)).toBe('ready');
    expect(await recordsUnder(prefix)).toEqual(before);
    expect(await members(b, 'acme')).toEqual(['alice', 'dave']);
    expect(await b.getOrg('globex')).toBeNull();
    expect(
      log.lines.filter((l) => l.level === 'warn' && l.message.includes('seed skipped')),
    ).toEqual([expect.objectContaining({ fields: { written: 0, skipped: FILE_ORGS } })]);
    expect(log.lines.some((l) => l.message.includes('seeded into redis'))).toBe(false);
    expect(await admin.exists(`${prefix}seeded`)).toBe(1);
  });

  it('deleted under a running replica is put back by it, without writing a record', async () => {
    const prefix = uniquePrefix();
    const log = memoryLog();
    const a = await open({ prefix, log });
    await a.removeMember('acme', 'bob');
    const before = await recordsUnder(prefix);
    const marker = await admin.get(`${prefix}seeded`);
    await admin.del(`${prefix}seeded`);

    // The replica puts the marker back, then counts the file for its warning, then serves the
    // marker again: wait for all three (the test fails if they do not happen within 3 s), or one
    // can be asserted before it happened.
    const warned = () =>
      log.lines.some((l) => l.level === 'warn' && l.message.includes('seed skipped'));
    await waitUntil(
      async () =>
        warned() && stateOf(a) === 'ready' && (await admin.get(`${prefix}seeded`)) !== null,
      3000,
    );
    expect(await admin.get(`${prefix}seeded`)).toBe(marker); // the replica remembered it
    expect(await recordsUnder(prefix)).toEqual(before);
    expect(stateOf(a)).toBe('ready');
    expect(warned()).toBe(true);
  });
});

describe('redis seed: the first start on an empty prefix', () => {
  it('seeds from the file with directory.seed: if_empty, logged at warn with counts', async () => {
    const prefix = uniquePrefix();
    const log = memoryLog();
    const store = await open({ prefix, seed: 'if_empty', log });
    expect(stateOf(store)).toBe('ready');
    expect(Object.keys(await recordsUnder(prefix))).toHaveLength(FILE_ORGS);
    expect(log.lines.filter((l) => l.message.includes('seeded into redis'))).toEqual([
      expect.objectContaining({ level: 'warn', fields: { written: FILE_ORGS, skipped: 0 } }),
    ]);
  });

  it('waits for the operator with directory.seed: confirm, writing nothing and denying until then', async () => {
    const prefix = uniquePrefix();
    const store = await open({ prefix, seed: 'confirm' });
    expect(store.seeding!.status()).toEqual({
      state: 'awaiting_confirmation',
      reason: expect.stringMatching(/directory\.seed is confirm/) as unknown,
    });
    await expect(store.getOrg('acme')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(store.getOrg('acme')).rejects.toThrow(/directory\.seed is confirm/);
    await expect(store.putMember('acme', 'x', 'viewer')).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    expect(await store.ping()).toBe(false);
    expect(await admin.keys(`${prefix}*`)).toEqual([]);

    expect(await store.seeding!.confirm('file')).toEqual({
      source: 'file',
      written: FILE_ORGS,
      skipped: 0,
    });
    expect(stateOf(store)).toBe('ready');
    expect(await members(store, 'acme')).toEqual(['alice', 'bob', 'dave']);
    // in service now: a second confirmation is refused and writes nothing
    await store.removeMember('acme', 'bob');
    await expect(store.seeding!.confirm('file')).rejects.toBeInstanceOf(SeedNotNeededError);
    expect(await members(store, 'acme')).toEqual(['alice', 'dave']);
  });

  it('replicas starting together write each record once', async () => {
    const prefix = uniquePrefix();
    const logs = [memoryLog(), memoryLog(), memoryLog(), memoryLog()];
    const replicas = await Promise.all(logs.map((log) => open({ prefix, log })));
    const seeded = logs.flatMap((log) =>
      log.lines.filter((l) => l.message.includes('seeded into redis')),
    );
    expect(seeded).toHaveLength(1);
    expect(seeded[0]!.fields).toEqual({ written: FILE_ORGS, skipped: 0 });
    expect(await admin.get(`${prefix}{org:acme}:revision`)).toBe('1');
    for (const replica of replicas) expect(stateOf(replica)).toBe('ready');
  });

  it('a deletion leaves a tombstone in the org slot, so no seed brings the org back', async () => {
    const prefix = uniquePrefix();
    const store = await open({ prefix });
    await store.deleteOrg('globex');
    expect(await admin.get(`${prefix}{org:globex}`)).toBeNull();
    expect(await admin.exists(`${prefix}{org:globex}:deleted`)).toBe(1);
    await store.putOrg({ id: 'globex', status: 'active', members: [], shares: [] });
    expect(await admin.exists(`${prefix}{org:globex}:deleted`)).toBe(0);
  });
});

describe('redis seed: the data was lost', () => {
  it('every replica stops serving when the prefix is emptied under them, a new replica does not seed, and the operator confirms', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [await open({ prefix }), await open({ prefix })];
    await a.removeMember('acme', 'bob'); // a revocation made after the file was written
    expect(await members(b, 'acme')).toEqual(['alice', 'dave']);

    await admin.flushdb();
    await waitUntil(() => stateOf(a) === 'held' && stateOf(b) === 'held', 5000);
    for (const replica of [a, b]) {
      await expect(replica.getOrg('acme')).rejects.toThrow(/seed held/);
      expect(await replica.ping()).toBe(false);
    }
    const log = memoryLog();
    const c = await open({ prefix, seed: 'if_empty', log });
    expect(stateOf(c)).toBe('held');
    expect(await admin.get(`${prefix}{org:acme}`)).toBeNull(); // nothing was re-seeded
    expect(log.lines.some((l) => l.message.includes('seeded into redis'))).toBe(false);

    // The operator chooses to start empty: the main API pushes the directory again.
    expect(await c.seeding!.confirm('empty')).toEqual({ source: 'empty', written: 0, skipped: 0 });
    await waitUntil(() => [a, b, c].every((r) => stateOf(r) === 'ready'), 3000);
    for (const replica of [a, b, c]) expect(await replica.getOrg('acme')).toBeNull();
    await a.putOrg({
      id: 'acme',
      status: 'active',
      members: [{ user: 'alice', role: 'owner' }],
      shares: [],
    });
    await waitUntil(async () => (await members(b, 'acme'))?.join() === 'alice', 2000);
  });

  it('a replica that saw the directory holds the prefix when it finds it re-seeded automatically (by a replica that could not know)', async () => {
    const prefix = uniquePrefix();
    const a = await open({ prefix });
    await a.removeMember('acme', 'bob');

    // Redis loses its data and a replica that never saw the directory starts with if_empty and seeds
    // it (here the seed such a replica runs, done at once so it lands before a's next check).
    await admin.flushdb();
    const seedFile = await loadDirectoryFile(file, 'default');
    expect((await seedIfEmpty(admin, redisKeys(prefix), seedFile, { now: Date.now })).outcome).toBe(
      'seeded',
    );
    const b = await open({ prefix });

    await waitUntil(() => stateOf(a) === 'held' && stateOf(b) === 'held', 5000);
    for (const replica of [a, b])
      await expect(replica.getOrg('acme')).rejects.toThrow(/seeded again automatically/);
  });
});
