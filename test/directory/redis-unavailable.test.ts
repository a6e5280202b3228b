/**
 * Failing fast: with Redis unreachable, killed or hung, reads reject with DirectoryUnavailableError
 * well within 200 ms, and nothing hangs or escapes as an unhandled error. Uses private redis-server
 * processes on free loopback ports; the shared Redis on 6379 is never touched.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { DirectoryUnavailableError, type DirectoryStore } from '../../src/directory/types.js';
import {
  DIRECTORY_YAML,
  freePort,
  memoryLog,
  redisConfig,
  startScratchRedis,
  tempDir,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
  type TempDir,
} from './helpers.js';

const DENY_WITHIN_MS = 200;

let tmp: TempDir;
let file: string;
const stores: DirectoryStore[] = [];
const servers: ScratchRedis[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

afterAll(async () => {
  await tmp.remove();
});

async function open(url: string, log = memoryLog()): Promise<DirectoryStore> {
  const store = await createRedisStore(
    {
      file,
      defaultOrg: 'default',
      redis: redisConfig(uniquePrefix(), { url }),
      cache_ttl_ms: 5000,
      cache_max_entries: 100,
    },
    { log },
  );
  stores.push(store);
  return store;
}

async function scratch(port?: number): Promise<ScratchRedis> {
  const server = await startScratchRedis(port);
  servers.push(server);
  return server;
}

/** How long the call takes to reject with DirectoryUnavailableError. */
async function timeToDeny(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const error = await call().then(
    () => null,
    (err: unknown) => err,
  );
  const took = performance.now() - started;
  expect(error).toBeInstanceOf(DirectoryUnavailableError);
  expect((error as DirectoryUnavailableError).code).toBe('directory_unavailable');
  return took;
}

describe('redis store: Redis unavailable', () => {
  it('starts against a closed port and denies every read at once', async () => {
    const port = await freePort();
    const log = memoryLog();
    const startedAt = performance.now();
    const store = await open(`redis://127.0.0.1:${port}/0`, log);
    expect(performance.now() - startedAt).toBeLessThan(1000);

    expect(await timeToDeny(() => store.getOrg('acme'))).toBeLessThan(DENY_WITHIN_MS);
    expect(await timeToDeny(() => store.getOrg('default'))).toBeLessThan(DENY_WITHIN_MS);
    expect(await timeToDeny(() => store.listOrgsForUser('alice'))).toBeLessThan(DENY_WITHIN_MS);
    expect(await timeToDeny(() => store.revision('acme'))).toBeLessThan(DENY_WITHIN_MS);
    expect(await timeToDeny(() => store.putMember('acme', 'x', 'viewer'))).toBeLessThan(
      DENY_WITHIN_MS,
    );
    expect(await store.ping()).toBe(false);
    // the outage is logged once per connection, not once per reconnect attempt
    expect(
      log.lines.filter((l) => l.message === 'redis connection error').length,
    ).toBeLessThanOrEqual(2);
  });

  it('denies within 200 ms once a live Redis is killed, cached entries included', async () => {
    const server = await scratch();
    const store = await open(server.url);
    expect((await store.getOrg('acme'))?.status).toBe('active'); // cached
    expect(await store.ping()).toBe(true);

    await server.kill();
    const cached = await timeToDeny(() => waitUntilDenied(() => store.getOrg('acme')));
    const uncached = await timeToDeny(() => store.getOrg('globex'));
    expect(cached).toBeLessThan(DENY_WITHIN_MS);
    expect(uncached).toBeLessThan(DENY_WITHIN_MS);
    expect(await store.ping()).toBe(false);
  });

  it('denies within 200 ms when Redis stops answering (paused)', async () => {
    const server = await scratch();
    const store = await open(server.url);
    expect((await store.getOrg('acme'))?.id).toBe('acme');
    server.pause();
    try {
      expect(await timeToDeny(() => store.getOrg('globex'))).toBeLessThan(DENY_WITHIN_MS);
      expect(await timeToDeny(() => store.listOrgsForUser('erin'))).toBeLessThan(DENY_WITHIN_MS);
      // (cached entries: served only until the subscriber misses a PING, test/redis/subscriber-stall.test.ts)
      expect(await store.ping()).toBe(false);
    } finally {
      server.resume();
    }
    await waitUntil(async () => (await store.getOrg('globex').catch(() => null)) !== null, 2000);
    // late replies to the timed-out commands must not be matched to later commands
    expect((await store.getOrg('initech'))?.status).toBe('suspended');
    expect((await store.listOrgsForUser('erin')).map((o) => o.id)).toEqual(['globex']);
  });

  it('after Redis comes back empty, denies until an operator confirms a seed (never re-seeds over a revocation by itself)', async () => {
    const server = await scratch();
    const store = await open(server.url);
    await store.removeMember('acme', 'bob'); // lost with the restart (no persistence)
    await server.kill();
    expect(await timeToDeny(() => store.getOrg('acme'))).toBeLessThan(DENY_WITHIN_MS);

    await scratch(server.port);
    await waitUntil(() => store.seeding!.status().state === 'held', 5000);
    await expect(store.getOrg('acme')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    expect(await store.ping()).toBe(false);

    expect(await store.seeding!.confirm('file')).toEqual({
      source: 'file',
      written: 4,
      skipped: 0,
    });
    expect((await store.getOrg('acme'))?.members.map((m) => m.user)).toEqual([
      'alice',
      'bob',
      'dave',
    ]);
    expect(await store.ping()).toBe(true);
  });
});

/** Retries while the read still succeeds (the connection loss is noticed asynchronously), up to 200 ms. */
async function waitUntilDenied<T>(read: () => Promise<T>): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await read(); // rejects once the loss is noticed
    if (performance.now() - started > DENY_WITHIN_MS) return value;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
