/**
 * Directory writes across a Redis Cluster failover: a local cluster of three masters with one
 * replica each (`redis-server` processes on free loopback ports, never the shared Redis), and two
 * store replicas on one prefix. A write is acknowledged only once the slot's replica has it (WAIT),
 * so an acknowledged revocation survives the loss of its master; a write the replica never got is
 * answered 503, and after the failover the org is refused as rewound rather than served from
 * before the revocation; the `orgs` set's master stalling holds up no member write.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { DirectoryRewoundError } from '../../src/directory/redis-revisions.js';
import type { RedisConfig } from '../../src/redis/config.js';
import {
  DirectoryUnavailableError,
  type DirectoryStore,
  type OrgRecord,
} from '../../src/directory/types.js';
import { memoryLog, uniquePrefix, waitUntil } from './helpers.js';
import { type ClusterNode, type LocalCluster } from '../support/redis-cluster.js';
import { useLocalCluster } from './cluster-suite.js';

const WRITE_TIMEOUT_MS = 300;
/** Node timeout of the local cluster: how long a master may be silent before its replica takes over. */
const NODE_TIMEOUT_MS = 2000;

let cluster: LocalCluster;
let file: string;

useLocalCluster({ replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS }, (started) => {
  ({ cluster, file } = started);
});

function clusterConfig(prefix: string): RedisConfig {
  return {
    cluster_nodes: [...cluster.seeds],
    key_prefix: prefix,
    command_timeout_ms: 300,
    connect_timeout_ms: 500,
    max_reconnect_delay_ms: 100,
    slots_refresh_ms: 1000,
    subscriber_ping_ms: 500,
    write_replicas: 1,
    write_timeout_ms: WRITE_TIMEOUT_MS,
  };
}

/**
 * Two store replicas on a fresh prefix, closed after `run`, each with its own log. Records stay
 * cached for ten minutes: a replica reads Redis again only when its cache is dropped.
 */
async function withReplicas(
  run: (
    a: DirectoryStore,
    b: DirectoryStore,
    prefix: string,
    logs: ReturnType<typeof memoryLog>[],
  ) => Promise<void>,
): Promise<void> {
  const prefix = uniquePrefix();
  const logs = [memoryLog(), memoryLog()];
  const open = (log: ReturnType<typeof memoryLog>) =>
    createRedisStore(
      {
        file,
        defaultOrg: 'default',
        redis: clusterConfig(prefix),
        cache_ttl_ms: 600_000,
        cache_max_entries: 100,
      },
      { log },
    );
  const a = await open(logs[0]!);
  const b = await open(logs[1]!).catch(async (err: unknown) => {
    await a.close();
    throw err;
  });
  try {
    await run(a, b, prefix, logs);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

const members = (record: OrgRecord | null | undefined) => record?.members.map((m) => m.user);

/** An org (created here, with mallory a member) whose slot the master `accept` picks serves. */
async function orgWhere(
  store: DirectoryStore,
  prefix: string,
  accept: (master: ClusterNode) => boolean | Promise<boolean>,
): Promise<{ org: string; master: ClusterNode; replica: ClusterNode }> {
  for (let i = 0; ; i++) {
    const org = `probe-${i}`;
    const master = await cluster.masterOf(`${prefix}{org:${org}}`);
    const [replica] = await cluster.replicasOf(master);
    if (!replica || !(await accept(master))) continue;
    // Retried: a replica that has just synced acknowledges nothing for up to a second.
    await retried(() =>
      store.putOrg({
        id: org,
        status: 'active',
        members: [
          { user: 'olga', role: 'owner' },
          { user: 'mallory', role: 'viewer' },
        ],
        shares: [],
      }),
    );
    return { org, master, replica };
  }
}

/**
 * Reads `org` on `store` until `done` accepts what it got (a record, or the error), asserting on
 * the way that no read ever shows `user` as a member.
 */
async function readUntil(
  store: DirectoryStore,
  org: string,
  user: string,
  done: (outcome: OrgRecord | null | Error) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  // On a loaded machine the cluster client can take several seconds to find the promoted master;
  // when the wait gives up, the last outcome is named, so a failure says what was served.
  let last = 'nothing yet';
  await waitUntil(
    async () => {
      const outcome = await store.getOrg(org).catch((err: unknown) => err as Error);
      last =
        outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : JSON.stringify(outcome);
      if (!(outcome instanceof Error)) expect(members(outcome)).not.toContain(user);
      return done(outcome);
    },
    timeoutMs,
    20,
  ).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last read: ${last}`);
  });
}

const served = (outcome: OrgRecord | null | Error) => !(outcome instanceof Error);

/** Waits until `node` is the master of the org's slot (the cluster promoted it). */
async function promoted(prefix: string, org: string, node: ClusterNode): Promise<void> {
  await waitUntil(
    () =>
      cluster.masterOf(`${prefix}{org:${org}}`).then(
        (master) => master.port === node.port,
        () => false, // no master for the slot while the failover is under way
      ),
    15_000,
    100,
  );
}

/**
 * What the main API does with a 503: retry until acknowledged (the replica that was away may take
 * a moment to catch up). Any other failure fails the test.
 */
async function retried(write: () => Promise<{ revision: number }>): Promise<{ revision: number }> {
  let answer: { revision: number } | null = null;
  await waitUntil(
    async () => {
      answer = await write().catch((err: unknown) => {
        if (err instanceof DirectoryUnavailableError && err.message.includes('required replicas'))
          return null;
        throw err;
      });
      return answer !== null;
    },
    5000,
    50,
  );
  return answer!;
}

/** What a replica node holds under `key` (a replica answers reads only after READONLY). */
async function onReplica(node: ClusterNode, key: string): Promise<string | null> {
  const direct = new Redis({ host: '127.0.0.1', port: node.port });
  try {
    await direct.readonly();
    return await direct.get(key);
  } finally {
    direct.disconnect();
  }
}

/** Brings a killed master back (it rejoins as a replica of its successor) and waits for the sync. */
async function rejoin(node: ClusterNode): Promise<void> {
  await node.restart();
  await cluster.waitHealthy(20_000);
}

describe('WAIT on a cluster', () => {
  it("acknowledged once the slot's replica has it; with that replica stalled, 503 within write_timeout_ms", async () => {
    await withReplicas(async (a, b, prefix) => {
      const { org, replica } = await orgWhere(a, prefix, () => true);
      expect(await a.removeMember(org, 'mallory')).toEqual({ revision: 2 });
      expect(await onReplica(replica, `${prefix}{org:${org}}:revision`)).toBe('2');

      replica.pause();
      try {
        const started = performance.now();
        const write = a.putMember(org, 'mallory', 'viewer');
        await expect(write).rejects.toThrow(
          new RegExp(
            `org "${org}" .* reached 0 of 1 required replicas within ${WRITE_TIMEOUT_MS} ms`,
          ),
        );
        expect(performance.now() - started).toBeLessThan(WRITE_TIMEOUT_MS + 700);
      } finally {
        replica.resume();
      }
      // Applied on the master and published: both replicas serve it; the retry is acknowledged.
      await waitUntil(
        async () => members(await b.getOrg(org).catch(() => null))?.includes('mallory') === true,
        2000,
        5,
      );
      expect(await retried(() => a.putMember(org, 'mallory', 'viewer'))).toEqual({ revision: 3 });
    });
  });

  it("with the `orgs` set's master stalled, a member revocation on another master still answers 200", async () => {
    await withReplicas(async (a, b, prefix) => {
      const orgsMaster = await cluster.masterOf(`${prefix}orgs`);
      const { org } = await orgWhere(a, prefix, (master) => master.port !== orgsMaster.port);
      orgsMaster.pause();
      try {
        expect(await a.removeMember(org, 'mallory')).toEqual({ revision: 2 });
      } finally {
        orgsMaster.resume();
      }
      await readUntil(b, org, 'mallory', served);
    });
  });
});

describe('a master is lost', () => {
  it('an acknowledged revocation holds on both store replicas after its master fails and its replica is promoted', async () => {
    await withReplicas(async (a, b, prefix) => {
      const { org, master, replica } = await orgWhere(a, prefix, () => true);
      expect(members(await b.getOrg(org))).toContain('mallory'); // cached on b
      expect(await a.removeMember(org, 'mallory')).toEqual({ revision: 2 });
      await master.kill(); // at once: only WAIT made sure the replica has the revocation
      await promoted(prefix, org, replica);
      for (const store of [a, b]) await readUntil(store, org, 'mallory', served);
      expect(await cluster.cli(replica.port, 'get', `${prefix}{org:${org}}:revision`)).toBe('2');
      await rejoin(master);
    });
  }, 60_000);

  it('a write its replica never got answers 503; after the failover the org is refused as rewound, never served from before, until the retry', async () => {
    await withReplicas(async (a, b, prefix, logs) => {
      const { org, master, replica } = await orgWhere(a, prefix, () => true);
      expect(members(await b.getOrg(org))).toContain('mallory');

      // The replica stalls, and 32 MB written to its master first fill the socket buffers between
      // them: what the master sends after that is still in its own memory when it dies.
      let filler = '';
      for (let i = 0; !filler; i++)
        if ((await cluster.masterOf(`${prefix}filler-${i}`)).port === master.port)
          filler = `${prefix}filler-${i}`;
      const direct = new Redis({ host: '127.0.0.1', port: master.port });
      replica.pause();
      try {
        await direct.set(filler, 'x'.repeat(32 * 1024 * 1024));
        const revocation = a.removeMember(org, 'mallory');
        await expect(revocation).rejects.toBeInstanceOf(DirectoryUnavailableError);
        await expect(revocation).rejects.toThrow('reached 0 of 1 required replicas');
        // b has seen revision 2 (from the invalidation, or from its own read of the master): the
        // rule under test is what a replica that saw a revision does when the directory rewinds.
        // A replica whose subscription was down when the write was published, and that did not
        // read the org meanwhile, has not seen it (docs/risk-register.md R-01).
        await waitUntil(
          async () => members(await b.getOrg(org))?.includes('mallory') === false,
          5000,
          20,
        );
        await master.kill();
      } finally {
        direct.disconnect();
        replica.resume();
      }
      await promoted(prefix, org, replica);
      expect(await cluster.cli(replica.port, 'get', `${prefix}{org:${org}}:revision`)).toBe('1');

      // Both replicas saw revision 2 (a wrote it, b read or heard it): revision 1 is refused, not served.
      for (const store of [a, b])
        await readUntil(
          store,
          org,
          'mallory',
          (outcome) => outcome instanceof DirectoryRewoundError,
        );
      await expect(b.getOrg(org)).rejects.toThrow(
        `directory rewound: org "${org}" is at revision 1, revision 2 was seen`,
      );

      // The main API retries the 503: applied past the revision seen and published, though the
      // promoted master has no replica yet (503 again); once the old master is back as its
      // replica, the retry is acknowledged.
      await expect(a.removeMember(org, 'mallory')).rejects.toThrow('reached 0 of 1');
      for (const store of [a, b]) await readUntil(store, org, 'mallory', served);
      await rejoin(master);
      expect(await retried(() => a.removeMember(org, 'mallory'))).toEqual({ revision: 3 });
      // The ten-minute cache is dropped when each replica's slot re-read finds the promoted
      // master, whichever node its invalidation subscriber uses.
      for (const log of logs)
        expect(log.lines.map((line) => line.message)).toContain(
          'directory cache dropped: the redis cluster changed masters',
        );
    });
  }, 60_000);
});
