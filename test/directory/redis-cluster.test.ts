/**
 * The directory on a Redis Cluster: a local three-master cluster from `redis-server` processes on
 * free loopback ports (never the shared Redis), torn down afterwards even when a test fails.
 * Covers the key layout (one org, one hash slot), the store, two replicas (revocations, mixed
 * writes) and the invalidation subscriber losing its node.
 */
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { CacheStats } from '../../src/contract/metric-labels.js';
import { redisKeys } from '../../src/directory/redis-keys.js';
import { createRedisStore } from '../../src/directory/redis-store.js';
import type { RedisConfig } from '../../src/redis/config.js';
import type { DirectoryStore, OrgRecord } from '../../src/directory/types.js';
import { FIXTURE_DIRECTORY } from '../support/app.js';
import { memoryLog, uniquePrefix, waitUntil } from './helpers.js';
import type { LocalCluster } from '../support/redis-cluster.js';
import { useLocalCluster, type ClusterSuite } from './cluster-suite.js';
import { mixedWrites, revocations, startReplicas } from './replica-scenarios.js';

let cluster: LocalCluster;
let admin: Cluster;
let file: string;
let undo: ClusterSuite['undo'];

useLocalCluster({ masters: 3 }, (started) => {
  ({ cluster, file, undo } = started);
  admin = new Cluster(
    cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
  );
  undo(() => admin.disconnect());
});

function clusterConfig(prefix: string, seeds = cluster.seeds): RedisConfig {
  return {
    cluster_nodes: [...seeds],
    key_prefix: prefix,
    command_timeout_ms: 1000,
    connect_timeout_ms: 1000,
    max_reconnect_delay_ms: 100,
    slots_refresh_ms: 1000,
    subscriber_ping_ms: 500,
    write_replicas: 0, // this cluster has no replicas (see redis-durability.test.ts for one with)
    write_timeout_ms: 250,
  };
}

async function openStore(
  prefix: string,
  seeds?: string[],
  stats?: CacheStats,
): Promise<DirectoryStore> {
  return createRedisStore(
    {
      file,
      defaultOrg: 'default',
      redis: clusterConfig(prefix, seeds),
      cache_ttl_ms: 600_000,
      cache_max_entries: 100,
    },
    { log: memoryLog(), ...(stats ? { stats } : {}) },
  );
}

const keyslot = async (key: string) =>
  Number(await cluster.cli(cluster.nodes[0]!.port, 'cluster', 'keyslot', key));

/** The port of the master that serves `slot`. */
async function ownerOf(slot: number): Promise<number> {
  const nodes = await cluster.cli(cluster.nodes[0]!.port, 'cluster', 'nodes');
  for (const line of nodes.split('\n')) {
    const [, address, , , , , , , ...ranges] = line.split(' ');
    for (const range of ranges) {
      const [from, to = from] = range.split('-').map(Number);
      if (slot >= from! && slot <= to!) return Number(address!.split(':')[1]!.split('@')[0]);
    }
  }
  throw new Error(`no owner for slot ${slot}`);
}

describe('redis cluster: key layout', () => {
  it('every key of one org hashes to one slot (the {org:<id>} tag), and orgs spread over the masters', async () => {
    const prefix = uniquePrefix();
    const keys = redisKeys(prefix);
    const owners = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const id = `org-${i}`;
      const slot = await keyslot(keys.org(id));
      expect(slot).toBe(await keyslot(`org:${id}`)); // only the tag is hashed, whatever the prefix
      expect(await keyslot(redisKeys('another:prefix:').org(id))).toBe(slot);
      owners.add(await ownerOf(slot));
    }
    expect(owners.size).toBe(3);
  });

  it('the keys a store actually writes for an org all carry its tag', async () => {
    const prefix = uniquePrefix();
    const store = await openStore(prefix);
    try {
      await store.putMember('acme', 'carol', 'editor');
      const written: string[] = [];
      for (const node of admin.nodes('master')) written.push(...(await node.keys(`${prefix}*`)));
      const orgKeys = written.filter((k) => k.includes('{org:'));
      expect(orgKeys.sort()).toEqual(
        ['acme', 'default', 'globex', 'initech']
          .flatMap((id) => [`${prefix}{org:${id}}`, `${prefix}{org:${id}}:revision`])
          .sort(),
      );
      for (const key of orgKeys)
        expect(await keyslot(key)).toBe(
          await keyslot(`org:${String(/\{org:([^}]*)\}/.exec(key)![1])}`),
        );
    } finally {
      await store.close();
    }
  });
});

describe('redis cluster: the store', () => {
  it('seeds, reads, writes (with index upkeep) and keeps concurrent writers whole', async () => {
    const prefix = uniquePrefix();
    const [a, b] = await Promise.all([openStore(prefix), openStore(prefix)]);
    try {
      expect(await a.revision('globex')).toBe(1);
      expect((await b.getOrg('acme'))?.members.map((m) => m.user)).toEqual([
        'alice',
        'bob',
        'dave',
      ]);
      expect(await a.getOrg('nope')).toBeNull();
      expect(await a.listOrgsForUser('alice')).toEqual([
        { id: 'acme', role: 'owner' },
        { id: 'default', role: 'admin' },
        { id: 'globex', role: 'viewer' },
      ]);

      const users = Array.from({ length: 6 }, (_, i) => i);
      await Promise.all(
        users.flatMap((i) => [
          a.putMember('globex', `a${i}`, 'viewer'),
          b.putMember('globex', `b${i}`, 'editor'),
        ]),
      );
      const globex = JSON.parse((await admin.get(`${prefix}{org:globex}`))!) as OrgRecord;
      expect(globex.members).toHaveLength(2 + 12);
      expect(await a.revision('globex')).toBe(13);
      expect(await b.listOrgsForUser('b3')).toEqual([{ id: 'globex', role: 'editor' }]);

      await b.getOrg('acme'); // cached on b
      await a.deleteOrg('acme');
      await waitUntil(async () => (await b.getOrg('acme')) === null, 1000, 1);
      expect(await admin.sismember(`${prefix}orgs`, 'acme')).toBe(0);
      expect(await b.listOrgsForUser('alice')).toEqual([
        { id: 'default', role: 'admin' },
        { id: 'globex', role: 'viewer' },
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('redis cluster: two replicas', () => {
  it('revocations: A denies at once, B within the deadline', async () => {
    const [a, b] = await startReplicas(clusterConfig(uniquePrefix()), FIXTURE_DIRECTORY);
    try {
      expect((await revocations(a, b, 'acme', 200, 1000)).count).toBe(200); // figures: bench/revocation.mjs --cluster-nodes
      await mixedWrites(a, b, ['acme', 'globex', 'frozen', 'c1', 'c2', 'c3', 'c4'], 120, 1000);
    } finally {
      await Promise.all([a.app.stop(), b.app.stop()]);
    }
  });
});

describe('redis cluster: a node is lost', () => {
  it("the subscriber's node: the cache is dropped at once, then it subscribes on another node; writes elsewhere go on", async () => {
    // The subscriber connects to the first seed first: that node is the one we kill. Everything
    // this test touches afterwards (the org, a user index, the orgs set) lives on other nodes.
    const victim = cluster.nodes[0]!;
    const elsewhere = async (key: string) => (await ownerOf(await keyslot(key))) !== victim.port;
    let prefix = uniquePrefix();
    while (!(await elsewhere(`${prefix}orgs`))) prefix = uniquePrefix();
    let org = '';
    for (let i = 0; !org; i++) if (await elsewhere(`${prefix}{org:probe-${i}}`)) org = `probe-${i}`;
    let user = '';
    for (let i = 0; !user; i++)
      if (await elsewhere(`${prefix}user:quinn-${i}`)) user = `quinn-${i}`;

    const events: string[] = [];
    const store = await openStore(prefix, undefined, (layer, outcome) =>
      events.push(`${layer}:${outcome}`),
    );
    try {
      expect(await cluster.cli(victim.port, 'client', 'list')).toMatch(
        /name=orgwarden-directory-subscriber .*sub=1/,
      );
      await store.putOrg({
        id: org,
        status: 'active',
        members: [{ user: 'pat', role: 'owner' }],
        shares: [],
      });
      const cacheServes = async () => {
        events.length = 0;
        try {
          await store.getOrg(org);
          await store.getOrg(org);
        } catch {
          return false; // the cluster client may still be catching up with the lost node
        }
        return events.at(-1) === 'memory:hit';
      };
      // (Copies of the write's own invalidation arrive from every node and may evict it meanwhile.)
      await waitUntil(cacheServes, 2000, 20); // subscribed: the cache serves

      await victim.kill();
      // A change whose invalidation this replica cannot hear (its subscription is gone).
      const record = JSON.parse((await admin.get(`${prefix}{org:${org}}`))!) as OrgRecord;
      await admin.set(`${prefix}{org:${org}}`, JSON.stringify({ ...record, status: 'suspended' }));
      await waitUntil(
        async () => (await store.getOrg(org).catch(() => null))?.status === 'suspended',
        2000,
        5,
      );

      // Subscribed again, on a surviving node: the cache serves again and invalidations arrive.
      await waitUntil(cacheServes, 5000, 20);
      await admin.set(`${prefix}{org:${org}}`, JSON.stringify({ ...record, status: 'active' }));
      await admin.publish(redisKeys(prefix).invalidations, JSON.stringify({ org, revision: 99 }));
      await waitUntil(async () => (await store.getOrg(org))?.status === 'active', 1000, 1);

      // Writes whose keys live on surviving masters go on (the invalidation is published on the
      // nodes that are left).
      await waitUntil(
        () =>
          store.putMember(org, user, 'viewer').then(
            () => true,
            () => false,
          ),
        5000,
        50,
      );
      expect((await store.getOrg(org))?.members.map((m) => m.user)).toEqual(['pat', user]);
    } finally {
      await store.close();
    }
  });
});
