/**
 * A single Redis that stops answering without closing its connections (SIGSTOP), against a
 * private redis-server process (never the shared Redis): the invalidation subscription stops
 * counting as live within `subscriber_ping_ms + command_timeout_ms`, so the directory store stops
 * serving its cache (reads go to Redis, which times out: `directory_unavailable`, never the cached
 * record); once Redis answers again the subscription is live again with an empty cache.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/directory/redis-store.js';
import { DirectoryUnavailableError, type DirectoryStore } from '../../src/directory/types.js';
import { createRedisClient } from '../../src/redis/client.js';
import { createRedisConnections, type RedisConnections } from '../../src/redis/connections.js';
import { createLiveSubscription, subscriberHealth } from '../../src/redis/subscription.js';
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
} from '../directory/helpers.js';

const PING_MS = 500;
const TIMEOUT_MS = 50;
/** Slack for the polling step, one read's own timeout and timer lag on a busy machine. */
const MARGIN_MS = 200;

let tmp: TempDir;
let file: string;
let server: ScratchRedis;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  tmp = await tempDir();
  file = await tmp.file('directory.yaml', DIRECTORY_YAML);
});

afterEach(async () => {
  server.resume();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server.kill();
});

afterAll(() => tmp.remove());

function config(prefix = uniquePrefix()) {
  return redisConfig(prefix, {
    url: server.url,
    command_timeout_ms: TIMEOUT_MS,
    subscriber_ping_ms: PING_MS,
  });
}

/** Polls `check` every 5 ms from `since`; the time it first held. */
async function firstTime(check: () => Promise<boolean>, since: number, timeoutMs: number) {
  await waitUntil(check, timeoutMs, 5);
  return performance.now() - since;
}

describe('subscriber on a stalled single Redis', () => {
  it('the subscription stops being live within ping + timeout, is lost and reconnects, and is live again after', async () => {
    server = await startScratchRedis();
    const redis = config();
    const connections: RedisConnections = createRedisConnections((role) =>
      createRedisClient(redis, role, memoryLog()),
    );
    cleanups.push(() => connections.disconnect());
    const channel = `${redis.key_prefix}nudge`;
    const events: string[] = [];
    const subscription = createLiveSubscription(
      connections.subscriber,
      connections.subscriberState,
      {
        channel,
        retryMs: 50,
        health: subscriberHealth(redis),
        onLive: () => void events.push('live'),
        onLost: () => void events.push('lost'),
        onStalled: () => void events.push('stalled'),
        onMessage: (message) => void events.push(`message ${message}`),
        onError: () => undefined,
      },
    );
    cleanups.push(() => subscription.close());
    connections.connect();
    await connections.subscriberState.firstAttempt(() => subscription.subscribe());
    // a few PINGs answered: still live
    await new Promise((resolve) => setTimeout(resolve, 3 * PING_MS));
    expect(subscription.isLive()).toBe(true);

    const paused = performance.now();
    server.pause();
    const notLive = await firstTime(
      () => Promise.resolve(!subscription.isLive()),
      paused,
      5 * PING_MS,
    );
    expect(notLive).toBeLessThan(PING_MS + TIMEOUT_MS + MARGIN_MS);
    await waitUntil(() => events.includes('stalled'), PING_MS + TIMEOUT_MS + MARGIN_MS);
    expect(events.slice(0, 3)).toEqual(['live', 'lost', 'stalled']);
    // still paused: nothing makes it live
    await new Promise((resolve) => setTimeout(resolve, PING_MS));
    expect(subscription.isLive()).toBe(false);

    server.resume();
    await waitUntil(() => subscription.isLive(), 10_000, 10);
    expect(events.at(-1)).toBe('live');
    const publisher = new Redis(server.url);
    try {
      await publisher.publish(channel, 'after the stall');
      await waitUntil(() => events.includes('message after the stall'), 2000);
    } finally {
      publisher.disconnect();
    }
  }, 30_000);

  it('the store stops serving a cached record within ping + timeout (directory_unavailable, never the cached allow), and caches again after', async () => {
    server = await startScratchRedis();
    const stats: string[] = [];
    const store: DirectoryStore = await createRedisStore(
      {
        file,
        defaultOrg: 'default',
        redis: config(),
        cache_ttl_ms: 60_000,
        cache_max_entries: 100,
      },
      { log: memoryLog(), stats: (layer, outcome) => void stats.push(`${layer}:${outcome}`) },
    );
    cleanups.push(() => store.close());
    const read = () =>
      store.getOrg('acme').then(
        (record) => (record?.members.some((m) => m.user === 'bob') ? 'allow' : 'other'),
        (err: unknown) => (err instanceof DirectoryUnavailableError ? 'unavailable' : 'other'),
      );
    expect(await read()).toBe('allow');
    stats.length = 0;
    expect(await read()).toBe('allow');
    expect(stats).toEqual(['memory:hit']); // served from the cache

    const paused = performance.now();
    server.pause();
    const answers: string[] = [];
    const denied = await firstTime(
      async () => {
        answers.push(await read());
        return answers.at(-1) === 'unavailable';
      },
      paused,
      5 * PING_MS,
    );
    expect(denied).toBeLessThan(PING_MS + TIMEOUT_MS + MARGIN_MS);
    // until then, the record cached before the stall; nothing else
    expect(answers.slice(0, -1).filter((a) => a !== 'allow')).toEqual([]);
    // from then on, while Redis is stalled, never the cached record again
    const after: string[] = [];
    const until = performance.now() + 2 * PING_MS;
    while (performance.now() < until) after.push(await read());
    expect(new Set(after)).toEqual(new Set(['unavailable']));

    stats.length = 0;
    server.resume();
    await waitUntil(async () => (await read()) === 'allow', 10_000, 20);
    // nothing cached before the stall was served after it: the first record came from Redis
    expect(stats.find((s) => s.endsWith(':hit'))).toBe('redis:hit');
    // live again: the cache serves again
    await waitUntil(
      async () => {
        stats.length = 0;
        return (await read()) === 'allow' && stats.at(-1) === 'memory:hit';
      },
      10_000,
      20,
    );
  }, 30_000);
});
