/**
 * Directory writes on Redis: one atomic step per write (record, tombstone, revision), revisions per
 * org that never go backwards unnoticed, retries that complete what an interrupted write began,
 * best-effort index upkeep after the record, and WAIT for replicas before a write is acknowledged.
 * On the shared Redis under unique prefixes, and on private servers (a primary with a replica) for
 * the tests that pause one.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStats } from '../../src/contract/metric-labels.js';
import { createRedisClient, type RedisClient } from '../../src/redis/client.js';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { DirectoryRewoundError } from '../../src/directory/redis-revisions.js';
import type { RedisConfig } from '../../src/redis/config.js';
import {
  DirectoryUnavailableError,
  type DirectoryStore,
  type OrgRecord,
} from '../../src/directory/types.js';
import {
  DIRECTORY_YAML,
  deletePrefix,
  memoryLog,
  redisConfig,
  startScratchRedis,
  tempDir,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
  type TempDir,
} from './helpers.js';

let tmp: TempDir;
let file: string;
let admin: Redis;
let prefix: string;
const prefixes: string[] = [];
const stores: DirectoryStore[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
  admin = new Redis(redisConfig('').url!);
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
  admin.disconnect();
  await tmp.remove();
});

/** Every command the store's command connection sends, and the ones made to fail. */
interface Faults {
  sent: string[][];
  failing: Set<string>;
}

/** The real client, with commands named in `faults.failing` rejecting instead of reaching Redis. */
function faulty(client: RedisClient, faults: Faults): RedisClient {
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || !/^[a-z]+$/.test(prop) || prop === 'on' || prop === 'once')
        return (value as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        faults.sent.push([prop, ...args.map(String)]);
        if (faults.failing.has(prop)) return Promise.reject(new Error(`injected ${prop} failure`));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

interface OpenOptions {
  redis?: Partial<RedisConfig>;
  faults?: Faults;
  stats?: CacheStats;
  log?: ReturnType<typeof memoryLog>;
}

async function open(options: OpenOptions = {}): Promise<DirectoryStore> {
  const log = options.log ?? memoryLog();
  // Generous on a loaded machine; the WAIT tests set their own.
  const config = redisConfig(prefix, { command_timeout_ms: 1000, ...options.redis });
  const store = await createRedisStore(
    { file, defaultOrg: 'default', redis: config, cache_ttl_ms: 600_000, cache_max_entries: 100 },
    {
      log,
      ...(options.stats ? { stats: options.stats } : {}),
      connect: (role) => {
        const client = createRedisClient(config, role, log);
        return role === 'commands' && options.faults ? faulty(client, options.faults) : client;
      },
    },
  );
  stores.push(store);
  return store;
}

const members = (record: OrgRecord | null | undefined) => record?.members.map((m) => m.user);

/** A raw subscriber to the prefix's invalidation channel. */
async function listen(on: Redis = admin): Promise<{ messages: unknown[]; stop(): void }> {
  const subscriber = on.duplicate();
  const messages: unknown[] = [];
  subscriber.on('message', (_channel: string, message: string) =>
    messages.push(JSON.parse(message)),
  );
  await subscriber.subscribe(`${prefix}invalidate`);
  return { messages, stop: () => subscriber.disconnect() };
}

describe('a directory write is one atomic step', () => {
  it('record, tombstone and revision change together; revisions are per org; member writes touch only their org and user keys', async () => {
    const faults: Faults = { sent: [], failing: new Set() };
    const store = await open({ faults });
    faults.sent.length = 0;

    expect(await store.putMember('acme', 'carol', 'editor')).toEqual({ revision: 2 });
    expect(await store.removeMember('acme', 'bob')).toEqual({ revision: 3 });
    const touched = new Set(faults.sent.flatMap((command) => command.slice(1)));
    expect(await admin.get(`${prefix}{org:acme}:revision`)).toBe('3');
    expect(await store.revision('globex')).toBe(1); // another org's revision is its own
    expect(touched).not.toContain(`${prefix}orgs`);
    expect(touched).not.toContain(`${prefix}revision`);
    const gate = [`${prefix}seeded`, `${prefix}seed-hold`]; // the once-a-second prefix check
    expect(
      [...touched].filter((arg) => arg.startsWith(prefix) && !gate.includes(arg)).sort(),
      'only the org, its user indexes and the channel',
    ).toEqual(
      [
        `${prefix}invalidate`,
        `${prefix}user:bob`,
        `${prefix}user:carol`,
        `${prefix}{org:acme}`,
        `${prefix}{org:acme}:deleted`,
        `${prefix}{org:acme}:revision`,
      ].sort(),
    );

    // Deleting and re-creating an org go through the orgs set; the revision outlives the record.
    expect(await store.deleteOrg('globex')).toEqual({ revision: 2 });
    expect(await admin.exists(`${prefix}{org:globex}`)).toBe(0);
    expect(await admin.exists(`${prefix}{org:globex}:deleted`)).toBe(1);
    expect(await admin.sismember(`${prefix}orgs`, 'globex')).toBe(0);
    const globex = { id: 'globex', status: 'active', members: [], shares: [] } as OrgRecord;
    expect(await store.putOrg(globex)).toEqual({ revision: 3 });
    expect(await admin.exists(`${prefix}{org:globex}:deleted`)).toBe(0);
    expect(await admin.sismember(`${prefix}orgs`, 'globex')).toBe(1);
  });

  it('a retry of a write applied before its answer failed answers the revision, and publishes again', async () => {
    const faults: Faults = { sent: [], failing: new Set(['publish']) };
    const store = await open({ faults });
    const heard = await listen();
    try {
      const failed = store.removeMember('acme', 'bob');
      await expect(failed).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(failed).rejects.toThrow(/PUBLISH failed/);
      // Applied in full despite the failure: record and revision together.
      expect(members(JSON.parse((await admin.get(`${prefix}{org:acme}`))!) as OrgRecord)).toEqual([
        'alice',
        'dave',
      ]);
      expect(await admin.get(`${prefix}{org:acme}:revision`)).toBe('2');
      expect(heard.messages).toEqual([]);

      faults.failing.clear();
      expect(await store.removeMember('acme', 'bob')).toEqual({ revision: 2 });
      expect(await store.removeMember('acme', 'bob')).toEqual({ revision: 2 });
      await waitUntil(() => heard.messages.length === 2, 1000);
      expect(heard.messages).toEqual([
        { org: 'acme', revision: 2, scope: 'org' },
        { org: 'acme', revision: 2, scope: 'org' },
      ]);
      expect(await admin.get(`${prefix}{org:acme}:revision`)).toBe('2');
    } finally {
      heard.stop();
    }
  });

  it('index upkeep after the record is best-effort; index additions before it fail the write, which changes nothing', async () => {
    const faults: Faults = { sent: [], failing: new Set(['srem']) };
    const log = memoryLog();
    const store = await open({ faults, log });

    // The revocation is applied and answered although pruning bob's index failed.
    expect(await store.removeMember('acme', 'bob')).toEqual({ revision: 2 });
    expect(members(await store.getOrg('acme'))).toEqual(['alice', 'dave']);
    expect(await admin.smembers(`${prefix}user:bob`)).toEqual(['acme']); // a superset
    expect(await store.listOrgsForUser('bob')).toEqual([]); // filtered against the record
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'directory index upkeep failed after the write; the write stands',
        fields: {
          org: 'acme',
          error: expect.stringContaining('injected srem failure') as unknown,
        },
      }),
    );

    // Adding a member needs their index first: that failure fails the write before the record.
    faults.failing = new Set(['sadd']);
    await expect(store.putMember('acme', 'zed', 'viewer')).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    expect(members(JSON.parse((await admin.get(`${prefix}{org:acme}`))!) as OrgRecord)).toEqual([
      'alice',
      'dave',
    ]);
    expect(await admin.get(`${prefix}{org:acme}:revision`)).toBe('2');
  });
});

describe('revisions never go backwards unnoticed', () => {
  it('a replica refuses a record older than a revision it has seen, logs it once, never caches it; a write carries the org past it', async () => {
    const events: string[] = [];
    const logB = memoryLog();
    const a = await open();
    const b = await open({
      log: logB,
      stats: (layer, outcome) => events.push(`${layer}:${outcome}`),
    });
    const oldRecord = (await admin.get(`${prefix}{org:acme}`))!;
    expect(members(await b.getOrg('acme'))).toContain('bob'); // revision 1, cached on b

    expect(await a.removeMember('acme', 'bob')).toEqual({ revision: 2 });
    await waitUntil(async () => !members(await b.getOrg('acme'))!.includes('bob'), 1000, 1);

    // A failover to a replica without the write (or an old master answering again): the record
    // and revision of before, and no invalidation.
    await admin.mset(`${prefix}{org:acme}`, oldRecord, `${prefix}{org:acme}:revision`, '1');
    const current = await b.getOrg('acme'); // b may still hold revision 2 in its cache: fine
    expect(members(current)).toEqual(['alice', 'dave']);
    await admin.publish(`${prefix}invalidate`, JSON.stringify({ org: 'globex' })); // unrelated

    // Once b has to read Redis (its cache dropped), it refuses, every time, and caches nothing.
    await admin.publish(
      `${prefix}invalidate`,
      JSON.stringify({ org: 'acme', revision: 2, scope: 'org' }),
    );
    await waitUntil(
      () =>
        b.getOrg('acme').then(
          () => false,
          (err: unknown) => err instanceof DirectoryRewoundError,
        ),
      1000,
      1,
    );
    events.length = 0;
    for (let i = 0; i < 3; i++) {
      const read = b.getOrg('acme');
      await expect(read).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(read).rejects.toThrow(
        'directory rewound: org "acme" is at revision 1, revision 2 was seen',
      );
    }
    expect(events).toEqual(Array(3).fill(['memory:miss', 'redis:hit']).flat());
    await expect(b.listOrgsForUser('alice')).rejects.toBeInstanceOf(DirectoryRewoundError);
    await expect(b.revision('acme')).rejects.toBeInstanceOf(DirectoryRewoundError);
    const errors = logB.lines.filter((l) => l.level === 'error');
    expect(errors).toEqual([
      {
        level: 'error',
        message: 'directory rewound: refusing a record older than a revision already seen',
        fields: { org: 'acme', revision: 1, seen: 2 },
      },
    ]);
    await expect(a.getOrg('acme')).rejects.toBeInstanceOf(DirectoryRewoundError); // a wrote 2

    // The main API re-sends the revocation: the write goes past the revision seen, and is served.
    expect(await a.removeMember('acme', 'bob')).toEqual({ revision: 3 });
    for (const replica of [a, b])
      await waitUntil(
        async () =>
          members(await replica.getOrg('acme').catch(() => null))?.join() === 'alice,dave',
        1000,
        1,
      );
  });

  it('invalidations without a per-org revision (older versions) raise no floor', async () => {
    const b = await open();
    await admin.publish(`${prefix}invalidate`, JSON.stringify({ org: 'acme', revision: 999 }));
    await admin.publish(
      `${prefix}invalidate`,
      JSON.stringify({ org: 'acme', revision: 'x', scope: 'org' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(members(await b.getOrg('acme'))).toContain('bob');
  });

  it('with no replica remembering a newer revision, a replica started later serves what Redis holds', async () => {
    await open();
    await admin.set(`${prefix}{org:acme}:revision`, '0');
    const later = await open();
    expect(await later.revision('acme')).toBe(0);
  });
});

describe('WAIT: acknowledged only once a replica has the write', () => {
  let primary: ScratchRedis;
  let replica: ScratchRedis;
  let primaryAdmin: Redis;
  let replicaAdmin: Redis;

  beforeAll(async () => {
    primary = await startScratchRedis();
    replica = await startScratchRedis();
    primaryAdmin = new Redis(primary.url);
    replicaAdmin = new Redis(replica.url);
    // The first sync straight from the socket: nothing written to the working folder.
    await primaryAdmin.config('SET', 'repl-diskless-sync', 'yes');
    await primaryAdmin.config('SET', 'repl-diskless-sync-delay', '0');
    await replicaAdmin.config('SET', 'repl-diskless-load', 'on-empty-db');
    await replicaAdmin.replicaof('127.0.0.1', primary.port);
    await waitUntil(
      // Streaming: a replica that has just synced acknowledges nothing before its first periodic
      // ACK (within a second), so wait until it acknowledged a write made after the sync.
      // (A write made before the replica attached is not replicated at all: WAIT would count the
      // replica at once. Hence the check that this one went into the replication stream.)
      async () => {
        await primaryAdmin.set('streaming', String(performance.now()));
        const offset = /master_repl_offset:(\d+)/.exec(await primaryAdmin.info('replication'));
        return Number(offset?.[1]) > 0 && (await primaryAdmin.wait(1, 100)) === 1;
      },
      15_000,
      20,
    );
  });

  afterAll(async () => {
    primaryAdmin.disconnect();
    replicaAdmin.disconnect();
    replica.resume();
    await Promise.all([replica.kill(), primary.kill()]);
  });

  const durable = { url: '', write_replicas: 1, write_timeout_ms: 300, command_timeout_ms: 50 };

  it('answers once the replica has the write; with the replica stalled, 503 after write_timeout_ms naming the keys and the count, and a retry completes it', async () => {
    const redis = { ...durable, url: primary.url };
    const a = await open({ redis });
    const b = await open({ redis });
    await b.getOrg('acme'); // cached on b

    expect(await a.removeMember('acme', 'bob')).toEqual({ revision: 2 });
    // WAIT answered: the replica has it (it acknowledges what it has applied).
    expect(await replicaAdmin.get(`${prefix}{org:acme}:revision`)).toBe('2');

    replica.pause();
    try {
      const started = performance.now();
      const write = a.removeMember('acme', 'dave');
      await expect(write).rejects.toBeInstanceOf(DirectoryUnavailableError);
      const took = performance.now() - started;
      // Longer than command_timeout_ms (50): the WAIT carries its own client-side timeout.
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(300 + 700);
      await expect(write).rejects.toThrow(
        `directory write not durable: org "acme" (keys ${prefix}{org:acme}, ${prefix}{org:acme}:deleted, ${prefix}{org:acme}:revision) reached 0 of 1 required replicas within 300 ms; it is applied on the primary and published, and a retry is safe`,
      );
      // Applied on the primary and published: b drops its cached copy.
      expect(await primaryAdmin.get(`${prefix}{org:acme}:revision`)).toBe('3');
      await waitUntil(async () => members(await b.getOrg('acme'))?.join() === 'alice', 1000, 1);
      // A retry while the replica is still stalled is not acknowledged either.
      await expect(a.removeMember('acme', 'dave')).rejects.toThrow('reached 0 of 1');
    } finally {
      replica.resume();
    }
    // The retry once the replica is back: the same revision, acknowledged.
    expect(await a.removeMember('acme', 'dave')).toEqual({ revision: 3 });
    expect(await replicaAdmin.get(`${prefix}{org:acme}:revision`)).toBe('3');
  });
});
