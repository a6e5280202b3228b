/**
 * The Redis-backed directory feeds the cache and Redis error metrics (real Redis on the shared
 * port with a private key prefix; a port nothing listens on for the errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  deletePrefix,
  freePort,
  startScratchRedis,
  uniquePrefix,
  type ScratchRedis,
} from '../directory/helpers.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { scrape, valueOf, waitFor } from './helpers.js';

/** `orgwarden_directory_cache_bypassed`: 1 (bypassed) or 0. */
async function cacheBypassed(url: string): Promise<number> {
  const { samples } = await scrape(url);
  return valueOf(samples, 'orgwarden_directory_cache_bypassed');
}

describe('directory cache lookups with a Redis directory', () => {
  const prefix = uniquePrefix();
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startTestApp({
      multiTenant: true,
      redis: { url: 'redis://127.0.0.1:6379/0', key_prefix: prefix },
    }));
  });
  afterAll(async () => {
    await app.stop();
    await deletePrefix(prefix);
  });

  it('counts a memory miss and a Redis hit for the first lookup of an org, memory hits after', async () => {
    const alice = await session('alice');
    const lookups = async () => {
      const { samples } = await scrape(url);
      const v = (layer: string, outcome: string) =>
        valueOf(samples, 'orgwarden_directory_cache_lookups_total', { layer, outcome });
      return {
        memory_hit: v('memory', 'hit'),
        memory_miss: v('memory', 'miss'),
        redis_hit: v('redis', 'hit'),
        redis_miss: v('redis', 'miss'),
      };
    };
    expect(await lookups()).toEqual({ memory_hit: 0, memory_miss: 0, redis_hit: 0, redis_miss: 0 });
    // The memory layer is used only once the replica's invalidation subscription is live (before
    // that every lookup reads Redis, uncounted in memory), which the replica reports.
    await waitFor('the invalidations live', async () =>
      (await cacheBypassed(url)) === 0 ? true : undefined,
    );
    const before = await lookups();
    const since = async () => {
      const now = await lookups();
      return {
        memory_hit: now.memory_hit - before.memory_hit,
        memory_miss: now.memory_miss - before.memory_miss,
        redis_hit: now.redis_hit - before.redis_hit,
        redis_miss: now.redis_miss - before.redis_miss,
      };
    };

    const first = await postJson(`${url}/v1/authorize`, {
      token: alice,
      org: 'acme',
      action: 'org.read',
    });
    expect(first.json?.reason).toBe('allowed');
    expect(await since()).toEqual({ memory_hit: 0, memory_miss: 1, redis_hit: 1, redis_miss: 0 });

    for (let i = 0; i < 3; i++)
      await postJson(`${url}/v1/authorize`, { token: alice, org: 'acme', action: 'org.read' });
    expect(await since()).toEqual({ memory_hit: 3, memory_miss: 1, redis_hit: 1, redis_miss: 0 });

    // an org Redis does not have: a miss in both layers, then a cached "no such org"
    for (let i = 0; i < 2; i++) {
      const res = await postJson(`${url}/v1/authorize`, {
        token: alice,
        org: 'nope',
        action: 'org.read',
      });
      expect(res.json?.reason).toBe('invalid_org');
    }
    expect(await since()).toEqual({ memory_hit: 4, memory_miss: 2, redis_hit: 1, redis_miss: 1 });
  });
});

describe('Redis errors', () => {
  it('counts connection errors of the directory, the kill switch and the audit log while Redis is unreachable; decisions fail closed', async () => {
    const port = await freePort();
    const { app, url } = await startTestApp({
      multiTenant: true,
      redis: {
        url: `redis://127.0.0.1:${port}/0`,
        key_prefix: uniquePrefix(),
        max_reconnect_delay_ms: 50,
      },
    });
    try {
      await waitFor('two redis errors of each component', async () => {
        const { samples } = await scrape(url);
        const directory = valueOf(samples, 'orgwarden_redis_errors_total', {
          component: 'directory',
        });
        const tenancy = valueOf(samples, 'orgwarden_redis_errors_total', { component: 'tenancy' });
        const audit = valueOf(samples, 'orgwarden_redis_errors_total', { component: 'audit' });
        return directory >= 2 && tenancy >= 2 && audit >= 2 ? true : undefined;
      });
      // (The kill switch lives in the same Redis: never read, it serves single-tenant, so this
      // asks about the default org, which needs the directory in either mode.)
      const alice = await session('alice');
      for (let i = 0; i < 2; i++) {
        const res = await postJson(`${url}/v1/authorize`, {
          token: alice,
          action: 'resource.read',
        });
        expect(res.json?.reason).toBe('directory_unavailable');
      }
      const { samples } = await scrape(url);
      expect(
        valueOf(samples, 'orgwarden_decisions_total', {
          kind: 'request',
          decision: 'deny',
          reason: 'directory_unavailable',
        }),
      ).toBe(2);
    } finally {
      await app.stop();
    }
  });
});

describe('orgwarden_directory_cache_bypassed', () => {
  it('is 0 once the subscription is live, 1 while Redis stops answering, 0 again after', async () => {
    const server: ScratchRedis = await startScratchRedis();
    const { app, url } = await startTestApp({
      multiTenant: true,
      redis: {
        url: server.url,
        key_prefix: uniquePrefix(),
        subscriber_ping_ms: 200,
        command_timeout_ms: 50,
      },
    });
    try {
      await waitFor('in use', async () => ((await cacheBypassed(url)) === 0 ? true : undefined));
      server.pause(); // SIGSTOP: the connections stay open, nothing answers
      await waitFor('bypassed', async () => ((await cacheBypassed(url)) === 1 ? true : undefined));
      server.resume();
      await waitFor('in use again', async () =>
        (await cacheBypassed(url)) === 0 ? true : undefined,
      );
    } finally {
      server.resume();
      await app.stop();
      await server.kill();
    }
  });

  it('is 0 with a file directory (no cache to bypass)', async () => {
    const { app, url } = await startTestApp({ multiTenant: true });
    try {
      expect(await cacheBypassed(url)).toBe(0);
    } finally {
      await app.stop();
    }
  });
});
