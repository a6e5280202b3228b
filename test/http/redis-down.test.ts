/**
 * Fail closed end to end: a real orgwarden on a real (private) Redis answers an allow, then the
 * Redis is killed or stops answering; every decision that needs the directory is then a deny with
 * `directory_unavailable` (status 503) — within the command timeout plus a round trip, never a hang, never an allow — and
 * `/readyz` reports the directory down. When Redis comes back, decisions recover.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  startScratchRedis,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
} from '../directory/helpers.js';
import { postJson, session, startTestApp } from '../support/app.js';

/** The default `redis.command_timeout_ms`: a decision that waits on a hung Redis waits this long. */
const COMMAND_TIMEOUT_MS = 200;
/** How long a decision may take when Redis is dead or hung: the timeout plus its own round trip. */
const BOUND_MS = COMMAND_TIMEOUT_MS + 150;
const apps: App[] = [];
const servers: ScratchRedis[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

async function setup() {
  const redis = await startScratchRedis();
  servers.push(redis);
  const { app, url } = await startTestApp({
    multiTenant: true,
    redis: { url: redis.url, key_prefix: uniquePrefix(), command_timeout_ms: COMMAND_TIMEOUT_MS },
  });
  apps.push(app);
  const token = await session('carol');
  const ask = async () => {
    const started = performance.now();
    const res = await postJson(`${url}/v1/authorize`, {
      token,
      org: 'acme',
      action: 'resource.read',
    });
    return { ...res, ms: performance.now() - started };
  };
  await waitUntil(async () => (await ask()).json?.allow === true, 5000);
  return { redis, url, ask };
}

describe('Redis unreachable', () => {
  it('killed: directory_unavailable (503) within the bound, readyz 503, no allow', async () => {
    const { redis, url, ask } = await setup();
    await redis.kill();
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await ask());
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.json).toMatchObject({ allow: false, reason: 'directory_unavailable', status: 503 });
    }
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(BOUND_MS);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, boolean> }).checks.directory).toBe(
      false,
    );
  });

  it('hung (SIGSTOP): directory_unavailable within the command timeout once cached entries are gone, and recovery after', async () => {
    const { redis, ask } = await setup();
    redis.pause();
    // Entries cached before the hang may still answer until the subscriber misses a PING; uncached orgs deny.
    const started = performance.now();
    let denied: Awaited<ReturnType<typeof ask>> | undefined;
    while (performance.now() - started < 10_000) {
      const a = await ask();
      expect(a.json?.allow === true || a.json?.reason === 'directory_unavailable').toBe(true);
      if (a.json?.reason === 'directory_unavailable') {
        denied = a;
        break;
      }
    }
    expect(denied?.json).toMatchObject({ allow: false, status: 503 });
    expect(denied!.ms).toBeLessThan(BOUND_MS);
    redis.resume();
    await waitUntil(async () => (await ask()).json?.allow === true, 5000);
  });
});
