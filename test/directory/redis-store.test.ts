/** The Redis store against the real Redis at 127.0.0.1:6379, each test under its own key prefix. */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DefaultOrgImmutableError,
  InvalidDirectoryError,
  OrgNotFoundError,
} from '../../src/directory/errors.js';
import type { CacheStats } from '../../src/contract/metric-labels.js';
import { createDirectoryStore } from '../../src/directory/index.js';
import { createRedisStore } from '../../src/directory/redis-store.js';
import {
  DirectoryUnavailableError,
  type DirectoryStore,
  type OrgRecord,
} from '../../src/directory/types.js';
import {
  ACME_RECORD,
  DIRECTORY_YAML,
  SHARED_REDIS_URL,
  deletePrefix,
  memoryLog,
  redisConfig,
  tempDir,
  uniquePrefix,
  waitUntil,
  type TempDir,
} from './helpers.js';

let tmp: TempDir;
let file: string;
let prefix: string;
let admin: Redis;
const prefixes: string[] = [];
const stores: DirectoryStore[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
  admin = new Redis(SHARED_REDIS_URL);
});

beforeEach(() => {
  prefix = uniquePrefix();
  prefixes.push(prefix);
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(p);
  expect(
    await admin
      .keys('orgwarden-test:*')
      .then((keys) => keys.filter((k) => prefixes.some((p) => k.startsWith(p)))),
  ).toEqual([]);
  admin.disconnect();
  await tmp.remove();
});

interface OpenOptions {
  seedFile?: string;
  stats?: CacheStats;
  cacheTtlMs?: number;
}

async function open(options: OpenOptions = {}): Promise<DirectoryStore> {
  const store = await createRedisStore(
    {
      file: options.seedFile ?? file,
      defaultOrg: 'default',
      redis: redisConfig(prefix),
      cache_ttl_ms: options.cacheTtlMs ?? 60_000,
      cache_max_entries: 100,
    },
    { log: memoryLog(), ...(options.stats ? { stats: options.stats } : {}) },
  );
  stores.push(store);
  return store;
}

const stored = async (id: string): Promise<OrgRecord | null> => {
  const raw = await admin.get(`${prefix}{org:${id}}`);
  return raw === null ? null : (JSON.parse(raw) as OrgRecord);
};

describe('redis store: seeding', () => {
  it('seeds an empty prefix from the file, with the documented key layout', async () => {
    const store = await open();
    expect(store.kind).toBe('redis');
    expect(await admin.smembers(`${prefix}orgs`).then((ids) => ids.sort())).toEqual([
      'acme',
      'default',
      'globex',
      'initech',
    ]);
    expect((await stored('acme'))?.members.map((m) => m.user)).toEqual(['alice', 'bob', 'dave']);
    expect(await admin.smembers(`${prefix}user:alice`).then((ids) => ids.sort())).toEqual([
      'acme',
      'default',
      'globex',
    ]);
    // each seeded record starts at revision 1, stored beside it in its slot; no global counter
    for (const id of ['acme', 'default', 'globex', 'initech'])
      expect(await admin.get(`${prefix}{org:${id}}:revision`)).toBe('1');
    expect(await admin.exists(`${prefix}revision`)).toBe(0);
    expect(await admin.exists(`${prefix}seeded`)).toBe(1);
    expect(await admin.exists(`${prefix}seed-lock`)).toBe(0);
    expect(await store.revision('acme')).toBe(1);
    expect(await store.ping()).toBe(true);
  });

  it('does not seed a prefix that is already seeded', async () => {
    const first = await open();
    await first.putMember('acme', 'carol', 'editor');
    await first.close();
    const other = await tmp.file('other.yaml', 'orgs:\n  - { id: other, status: active }\n');
    const second = await open({ seedFile: other });
    expect(await second.getOrg('other')).toBeNull();
    expect((await second.getOrg('acme'))?.members.map((m) => m.user)).toContain('carol');
    expect(await second.revision('acme')).toBe(2);
    expect(await second.revision('globex')).toBe(1);
  });

  it('seeds once when replicas start together', async () => {
    const replicas = await Promise.all([open(), open(), open(), open()]);
    expect(await admin.get(`${prefix}{org:acme}:revision`)).toBe('1'); // each record seeded once
    for (const replica of replicas)
      expect((await replica.getOrg('globex'))?.members).toHaveLength(2);
  });

  it('refuses to start on a seed file it must seed from and cannot accept', async () => {
    const bad = await tmp.file('bad.yaml', 'orgs:\n  - { id: acme, status: bogus }\n');
    await expect(open({ seedFile: bad })).rejects.toThrow(
      /invalid directory file .*bad\.yaml.*orgs\[0\]\.status: unknown status "bogus"/,
    );
    expect(await admin.exists(`${prefix}seeded`, `${prefix}{org:acme}`)).toBe(0);
  });

  it('joins a seeded prefix without reading the seed file, but not with a seed file path that does not exist', async () => {
    await open();
    // Content a replica that had to seed would refuse: a joining replica never parses it.
    const bad = await tmp.file('unread.yaml', 'orgs:\n  - { id: acme, status: bogus }\n');
    const joined = await open({ seedFile: bad });
    expect((await joined.getOrg('acme'))?.status).toBe('active');
    await expect(open({ seedFile: `${bad}.missing` })).rejects.toThrow(/does not exist/);
  });
});

describe('redis store: reads', () => {
  it('reads records, the default org and unknown orgs', async () => {
    const store = await open();
    expect(await store.getOrg('acme')).toEqual(ACME_RECORD);
    expect((await store.getOrg('default'))?.members).toEqual([{ user: 'alice', role: 'admin' }]);
    expect(await store.getOrg('nope')).toBeNull();
    expect(await store.getOrg('bad id{')).toBeNull();
  });

  it('synthesizes the default org when the file does not list it', async () => {
    const store = await open({ seedFile: await tmp.file('plain.yaml', 'orgs: []\n') });
    expect(await store.getOrg('default')).toEqual({
      id: 'default',
      status: 'active',
      members: [],
      shares: [],
    });
  });

  it('lists memberships, ignoring index entries the records do not confirm', async () => {
    const store = await open();
    expect(await store.listOrgsForUser('alice')).toEqual([
      { id: 'acme', role: 'owner' },
      { id: 'default', role: 'admin' },
      { id: 'globex', role: 'viewer' },
    ]);
    await admin.sadd(`${prefix}user:alice`, 'initech', 'ghost', 'bad id');
    expect((await store.listOrgsForUser('alice')).map((o) => o.id)).toEqual([
      'acme',
      'default',
      'globex',
    ]);
    expect(await store.listOrgsForUser('nobody')).toEqual([]);
    expect(await store.listOrgsForUser('')).toEqual([]);
  });

  it('fails closed on a corrupt record', async () => {
    const store = await open();
    await admin.set(
      `${prefix}{org:broken}`,
      '{"id":"broken","status":"active","members":[{"user":"x","role":"god"}]}',
    );
    await admin.set(
      `${prefix}{org:moved}`,
      JSON.stringify({ id: 'acme', status: 'active', members: [], shares: [] }),
    );
    await expect(store.getOrg('broken')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(store.getOrg('moved')).rejects.toThrow(
      'directory unavailable: corrupt record for org "moved"',
    );
  });
});

describe('redis store: writes', () => {
  it("writes records and indexes, bumps the org's revision and notifies", async () => {
    const store = await open();
    const changed: string[] = [];
    store.onChange((org) => changed.push(org));

    expect(await store.putMember('acme', 'carol', 'editor')).toEqual({ revision: 2 });
    expect((await store.getOrg('acme'))?.members.at(-1)).toEqual({ user: 'carol', role: 'editor' });
    expect(await admin.smembers(`${prefix}user:carol`)).toEqual(['acme']);

    expect(await store.removeMember('acme', 'bob')).toEqual({ revision: 3 });
    expect(await admin.smembers(`${prefix}user:bob`)).toEqual([]);
    expect(await store.listOrgsForUser('bob')).toEqual([]);

    expect(
      await store.putOrg({
        id: 'hooli',
        status: 'active',
        members: [{ user: 'bob', role: 'owner' }],
        shares: [],
      }),
    ).toEqual({ revision: 1 }); // a new org starts at 1
    expect(await store.listOrgsForUser('bob')).toEqual([{ id: 'hooli', role: 'owner' }]);

    expect(await store.deleteOrg('globex')).toEqual({ revision: 2 });
    expect(await store.getOrg('globex')).toBeNull();
    expect(await stored('globex')).toBeNull();
    expect(await admin.sismember(`${prefix}orgs`, 'globex')).toBe(0);
    expect(await admin.smembers(`${prefix}user:erin`)).toEqual([]);
    expect((await store.listOrgsForUser('alice')).map((o) => o.id)).toEqual(['acme', 'default']);

    expect(changed).toEqual(expect.arrayContaining(['acme', 'hooli', 'globex']));
    expect(await store.revision('acme')).toBe(3);
    // the revision outlives the deletion, so a re-created org carries on from it
    expect(await store.revision('globex')).toBe(2);
    expect(await store.putOrg({ id: 'globex', status: 'active', members: [], shares: [] })).toEqual(
      { revision: 3 },
    );
  });

  it("answers no-op writes with the org's current revision", async () => {
    const store = await open();
    expect(await store.removeMember('acme', 'nobody')).toEqual({ revision: 1 });
    expect(await store.deleteOrg('nope')).toEqual({ revision: 0 }); // never existed
    expect(await store.putMember('acme', 'bob', 'admin')).toEqual({ revision: 1 });
    expect(await admin.exists(`${prefix}{org:nope}`, `${prefix}{org:nope}:revision`)).toBe(0);
  });

  it('rejects invalid and forbidden writes and changes nothing', async () => {
    const store = await open();
    const before = await stored('acme');
    await expect(store.putMember('default', 'bob', 'viewer')).rejects.toBeInstanceOf(
      DefaultOrgImmutableError,
    );
    await expect(store.deleteOrg('default')).rejects.toBeInstanceOf(DefaultOrgImmutableError);
    await expect(
      store.putOrg({ id: 'default', status: 'active', members: [], shares: [] }),
    ).rejects.toBeInstanceOf(DefaultOrgImmutableError);
    await expect(store.putMember('acme', 'bob', 'owner')).rejects.toBeInstanceOf(
      InvalidDirectoryError,
    );
    await expect(store.putMember('acme', 'bob', 'root' as 'viewer')).rejects.toBeInstanceOf(
      InvalidDirectoryError,
    );
    await expect(store.putMember('nope', 'bob', 'viewer')).rejects.toBeInstanceOf(OrgNotFoundError);
    await expect(
      store.putOrg({ id: 'x y', status: 'active', members: [], shares: [] }),
    ).rejects.toBeInstanceOf(InvalidDirectoryError);
    expect(await stored('acme')).toEqual(before);
    expect(await store.revision('acme')).toBe(1);
  });

  it('loses no update when two replicas write the same org at once', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const users = Array.from({ length: 8 }, (_, i) => i);
    await Promise.all(
      users.flatMap((i) => [
        a.putMember('globex', `a${i}`, 'viewer'),
        b.putMember('globex', `b${i}`, 'editor'),
      ]),
    );
    const members = (await stored('globex'))!.members.map((m) => m.user).sort();
    expect(members).toEqual(
      ['alice', 'erin', ...users.map((i) => `a${i}`), ...users.map((i) => `b${i}`)].sort(),
    );
    expect(await a.revision('globex')).toBe(17);
    for (const i of users) expect(await admin.smembers(`${prefix}user:b${i}`)).toEqual(['globex']);
  });

  it('loses no update when three replicas each write the same org twelve times at once', async () => {
    // 36 writers race on one record: each attempt that loses the compare-and-set starts over
    // after a jittered pause, so the writers spread out instead of colliding again in lock step.
    const replicas = await Promise.all([open(), open(), open()]);
    const users = Array.from({ length: 12 }, (_, i) => i);
    await Promise.all(
      replicas.flatMap((r, n) => users.map((i) => r.putMember('globex', `r${n}-${i}`, 'viewer'))),
    );
    const members = (await stored('globex'))!.members.map((m) => m.user).sort();
    expect(members).toEqual(
      ['alice', 'erin', ...replicas.flatMap((_, n) => users.map((i) => `r${n}-${i}`))].sort(),
    );
    expect(await replicas[0].revision('globex')).toBe(1 + replicas.length * users.length);
  });
});

describe('redis store: replicas and the cache', () => {
  it('a write on one replica reaches another through pub/sub invalidation', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    expect((await b.getOrg('acme'))?.members.map((m) => m.user)).toContain('bob'); // now cached on b
    const changedOnB: string[] = [];
    b.onChange((org) => changedOnB.push(org));

    await a.removeMember('acme', 'bob');
    const took = await waitUntil(
      async () => !(await b.getOrg('acme'))?.members.some((m) => m.user === 'bob'),
      1000,
      1,
    );
    expect(took).toBeLessThan(100);
    expect(changedOnB).toContain('acme');

    // a negatively cached org appears on b once a creates it
    expect(await b.getOrg('hooli')).toBeNull();
    await a.putOrg({ id: 'hooli', status: 'active', members: [], shares: [] });
    await waitUntil(async () => (await b.getOrg('hooli')) !== null, 1000, 1);
  });

  it('a replica reads its own write immediately, without waiting for pub/sub', async () => {
    const store = await open();
    await store.getOrg('acme');
    await store.putMember('acme', 'zed', 'viewer');
    expect((await store.getOrg('acme'))?.members.map((m) => m.user)).toContain('zed');
  });

  it('reports memory and redis hits and misses', async () => {
    const events: string[] = [];
    const [a, b] = [
      await open({ stats: (layer, outcome) => events.push(`${layer}:${outcome}`) }),
      await open(),
    ];
    await a.getOrg('acme');
    await a.getOrg('acme');
    await a.getOrg('nope');
    await a.getOrg('nope'); // "no such org" is cached too
    expect(events).toEqual([
      'memory:miss',
      'redis:hit',
      'memory:hit',
      'memory:miss',
      'redis:miss',
      'memory:hit',
    ]);

    events.length = 0;
    await b.putMember('acme', 'zed', 'viewer');
    await waitUntil(
      async () => {
        events.length = 0;
        return (await a.getOrg('acme'))!.members.some((m) => m.user === 'zed');
      },
      1000,
      1,
    );
    expect(events).toEqual(['memory:miss', 'redis:hit']);
  });

  it('expires cached entries after the TTL even without an invalidation', async () => {
    const store = await open({ cacheTtlMs: 30 });
    await store.getOrg('acme');
    // a change that bypasses the stores (no invalidation published)
    const changed = { ...(await stored('acme'))!, status: 'suspended' };
    await admin.set(`${prefix}{org:acme}`, JSON.stringify(changed));
    expect((await store.getOrg('acme'))?.status).toBe('active');
    await waitUntil(async () => (await store.getOrg('acme'))?.status === 'suspended', 500);
  });

  it('is what createDirectoryStore builds when redis is configured', async () => {
    const store = await createDirectoryStore(
      {
        directory: { file, cache_ttl_ms: 1000, cache_max_entries: 10 },
        redis: redisConfig(prefix),
        defaultOrg: 'default',
      },
      { log: memoryLog() },
    );
    stores.push(store);
    expect(store.kind).toBe('redis');
    expect((await store.getOrg('initech'))?.status).toBe('suspended');
    const fileStore = await createDirectoryStore(
      { directory: { file, cache_ttl_ms: 1000, cache_max_entries: 10 }, defaultOrg: 'default' },
      { log: memoryLog() },
    );
    stores.push(fileStore);
    expect(fileStore.kind).toBe('file');
  });
});
