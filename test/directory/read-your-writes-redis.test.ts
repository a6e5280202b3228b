/**
 * Read your writes across replicas sharing the real Redis: a revoke written on replica A answers
 * `{"revision": N}`; replica B, asked at once with `min_directory_revision: N`, denies — every
 * time, on every surface — although its cache (TTL ten minutes) may still hold the record from
 * before the revoke, because a copy older than N is read again from Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/redis/client.js';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { FIXTURE_DIRECTORY, postJson, session } from '../support/app.js';
import {
  DIRECTORY_YAML,
  deletePrefix,
  memoryLog,
  redisConfig,
  SHARED_REDIS_URL,
  tempDir,
  uniquePrefix,
} from './helpers.js';
import { startReplicas, write, type Replica } from './replica-scenarios.js';

/**
 * The same question at the store, with B's invalidations held back: B's cache is then stale for
 * sure (a plain read still sees the member), which over HTTP on an idle host is a race the
 * invalidation usually wins. So this is what proves the read-your-writes path, not the timing.
 */
describe('a replica whose invalidations arrive late', () => {
  it('serves the stale copy to a plain read and the revoke to a read at the returned revision', async () => {
    const tmp = await tempDir();
    const file = await tmp.file('directory.yaml', DIRECTORY_YAML);
    const storePrefix = uniquePrefix();
    const options = {
      file,
      defaultOrg: 'default',
      redis: redisConfig(storePrefix),
      cache_ttl_ms: 600_000,
      cache_max_entries: 100,
    };
    const log = memoryLog();
    const a = await createRedisStore(options, { log });
    const b = await createRedisStore(options, {
      log,
      connect(role) {
        const client = createRedisClient(options.redis, role, log);
        if (role !== 'subscriber') return client;
        // every invalidation message reaches B's store after the test is over
        const emit = client.emit.bind(client);
        client.emit = (event: string | symbol, ...args: unknown[]) => {
          if (event !== 'message') return emit(event, ...args);
          setTimeout(() => emit(event, ...args), 60_000).unref();
          return true;
        };
        return client;
      },
    });
    try {
      const isMember = (record: { members: { user: string }[] } | null) =>
        record?.members.some((m) => m.user === 'bob') ?? false;
      for (let i = 0; i < 20; i++) {
        const granted = await a.putMember('acme', 'bob', 'admin');
        expect(isMember((await b.getOrgAt('acme', granted.revision)).record)).toBe(true);
        const { revision } = await a.removeMember('acme', 'bob');
        expect(isMember(await b.getOrg('acme'))).toBe(true); // stale: the invalidation is late
        const read = await b.getOrgAt('acme', revision);
        expect(read.revision).toBe(revision);
        expect(isMember(read.record)).toBe(false);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deletePrefix(storePrefix);
      await tmp.remove();
    }
  }, 60_000);
});

const prefix = uniquePrefix();
let a: Replica;
let b: Replica;

beforeAll(async () => {
  [a, b] = await startReplicas({ url: SHARED_REDIS_URL, key_prefix: prefix }, FIXTURE_DIRECTORY);
});

afterAll(async () => {
  await Promise.all([a.app.stop(), b.app.stop()]);
  await deletePrefix(prefix);
});

const grant = () => write(a, 'PUT', 'acme/members/zed', { role: 'admin' });
const revoke = () => write(a, 'DELETE', 'acme/members/zed');

/** One decision asked of B on each surface, reduced to `{allow, reason}`. */
const surfaces: Record<string, (min: number) => Promise<{ allow: unknown; reason: unknown }>> = {
  authorize: async (min) => {
    const res = await postJson(`${b.url}/v1/authorize`, {
      token: await session('zed'),
      org: 'acme',
      action: 'resource.read',
      min_directory_revision: min,
    });
    return { allow: res.json?.allow, reason: res.json?.reason };
  },
  batch: async (min) => {
    const item = {
      token: await session('zed'),
      org: 'acme',
      action: 'resource.read',
      min_directory_revision: min,
    };
    const res = await postJson(`${b.url}/v1/authorize/batch`, { items: [item] });
    const [one] = (res.json?.results ?? []) as { allow: unknown; reason: unknown }[];
    return { allow: one?.allow, reason: one?.reason };
  },
  job: async (min) => {
    const job = { id: 'j1', type: 'export', org: 'acme', enqueued_by: { user: 'zed' } };
    const res = await postJson(`${b.url}/v1/jobs/authorize`, {
      job: { ...job, action: 'org.update', min_directory_revision: min },
    });
    return { allow: res.json?.allow, reason: res.json?.reason };
  },
  events: async (min) => {
    const res = await postJson(`${b.url}/v1/events/filter`, {
      channel: 'websocket',
      event: { type: 'alert', org: 'acme' },
      recipients: [{ id: 'r1', user: 'zed', org: 'acme' }],
      min_directory_revision: min,
    });
    const denied = (res.json?.denied ?? []) as { reason: unknown }[];
    return { allow: res.json?.allowed?.length === 1, reason: denied[0]?.reason ?? 'allowed' };
  },
  authzen: async (min) => {
    const res = await postJson(`${b.url}/access/v1/evaluation`, {
      subject: { type: 'user', id: 'zed' },
      action: { name: 'org.read' },
      resource: { type: 'org', id: 'acme' },
      context: { min_directory_revision: min },
    });
    const answer = res.json as { decision?: unknown; context?: { reason?: unknown } } | undefined;
    return { allow: answer?.decision, reason: answer?.context?.reason };
  },
};

describe('min_directory_revision across two replicas', () => {
  it('immediately after a revoke on A, B answers deny with the returned revision: 1000 of 1000', async () => {
    let denied = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 1000; i++) {
      // the grant read on B with its own revision: B's cache now holds the granted record
      const granted = await surfaces.authorize!(await grant());
      if (granted.allow !== true)
        wrong.push(`round ${i}: grant not seen (${String(granted.reason)})`);
      const answer = await surfaces.authorize!(await revoke());
      if (answer.allow === false && answer.reason === 'access_denied') denied += 1;
      else wrong.push(`round ${i}: ${JSON.stringify(answer)}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(denied).toBe(1000);
  }, 120_000);

  it.each(Object.keys(surfaces))(
    '%s: the grant and then the revoke are read at once',
    async (name) => {
      const ask = surfaces[name]!;
      for (let i = 0; i < 20; i++) {
        expect(await ask(await grant())).toEqual({ allow: true, reason: 'allowed' });
        expect(await ask(await revoke())).toMatchObject({ allow: false });
      }
    },
    60_000,
  );

  it('a revision from a write of another org is read through, never refused', async () => {
    const revision = await write(a, 'PUT', 'globex/members/zed', { role: 'viewer' });
    // acme's own revision may be lower than globex's: the fresh read from Redis stands
    const answer = await surfaces.authorize!(revision + 1_000_000);
    expect(answer.reason).not.toBe('directory_revision_not_reached');
  });
});
