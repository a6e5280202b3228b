/**
 * The Redis-backed kill switch against real Redis servers: the shared Redis at 127.0.0.1:6379 under
 * a private key prefix per test, and throwaway redis-server processes for outages (never the shared
 * one). What it must do: Redis value wins over config, config only seeds an absent key, "off" until
 * Redis answers, polling catches changes nobody announced, a lost key is written back with the state
 * last read, an unreadable value reads as "off", and a write Redis refuses changes nothing.
 */
import { initialState } from '../../src/tenancy/rollout-state.js';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  TenancyStoreUnavailableError,
  createRedisTenancySwitch,
  tenancyKeys,
  type TenancyControl,
  type TenancyFlip,
} from '../../src/tenancy/index.js';
import {
  SHARED_REDIS_URL,
  deletePrefix,
  freePort,
  memoryLog,
  redisConfig,
  startScratchRedis,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
} from '../directory/helpers.js';

let admin: Redis;
const prefixes: string[] = [];
const switches: TenancyControl[] = [];
const servers: ScratchRedis[] = [];

beforeAll(() => {
  admin = new Redis(SHARED_REDIS_URL);
});
afterEach(async () => {
  await Promise.all(switches.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(p);
  admin.disconnect();
});

function prefix(): string {
  const p = uniquePrefix();
  prefixes.push(p);
  return p;
}

async function open(
  p: string,
  initial: boolean,
  options: { url?: string; log?: ReturnType<typeof memoryLog>; pollIntervalMs?: number } = {},
) {
  const log = options.log ?? memoryLog();
  const control = await createRedisTenancySwitch(
    {
      redis: redisConfig(p, options.url ? { url: options.url } : {}),
      initial: initialState({ multi_tenant: initial }),
      defaultOrg: 'default',
    },
    { log, ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}) },
  );
  switches.push(control);
  const heard: TenancyFlip[] = [];
  control.onFlip((flip) => heard.push(flip));
  return { control, log, heard };
}

describe('redis kill switch: state', () => {
  it('seeds an absent key from the config value and reports where it lives', async () => {
    const p = prefix();
    const { control, log } = await open(p, true);
    expect(control.isMultiTenant()).toBe(true);
    expect(await admin.hget(tenancyKeys(p).state, 'multi_tenant')).toBe('true');
    expect(control.status()).toMatchObject({
      multi_tenant: true,
      store: 'redis',
      synced: true,
      flips: 0,
    });
    expect(log.lines).toContainEqual({
      level: 'info',
      message: 'tenancy switch seeded in redis',
      fields: { multi_tenant: true, rollout: 'on', from: 'config' },
    });
  });

  it('a value in Redis wins over the config value, both ways', async () => {
    for (const [stored, config] of [
      ['false', true],
      ['true', false],
    ] as const) {
      const p = prefix();
      await admin.hset(tenancyKeys(p).state, 'multi_tenant', stored, 'version', '7');
      const { control } = await open(p, config);
      expect(control.isMultiTenant()).toBe(stored === 'true');
      expect(control.status()).toMatchObject({ version: 7, flips: 0 });
      expect(await admin.hget(tenancyKeys(p).state, 'multi_tenant')).toBe(stored);
    }
  });

  it('set writes Redis (version, changed_at), answers only after this replica serves it, and another replica follows', async () => {
    const p = prefix();
    const a = await open(p, true);
    // b polls too rarely to matter here: it can only follow through the broadcast
    const b = await open(p, true, { pollIntervalMs: 60_000 });
    await a.control.set(false, 'test');
    expect(a.control.isMultiTenant()).toBe(false); // already, when set resolves
    const stored = await admin.hgetall(tenancyKeys(p).state);
    expect(stored).toMatchObject({ multi_tenant: 'false', version: '1' });
    expect(Date.parse(stored.changed_at!)).toBeGreaterThan(Date.now() - 60_000);
    await waitUntil(() => !b.control.isMultiTenant(), 1000);
    expect(a.heard.map((f) => [f.multi_tenant, f.source, f.version])).toEqual([
      [false, 'admin', 1],
    ]);
    expect(b.heard.map((f) => [f.multi_tenant, f.source, f.version])).toEqual([
      [false, 'broadcast', 1],
    ]);
  });

  it('loses no change when three replicas each change the state eight times at once', async () => {
    // 24 compare-and-set writers on one key: each that loses reads again, after a jittered pause.
    const p = prefix();
    const replicas = await Promise.all([open(p, true), open(p, true), open(p, true)]);
    const orgs = replicas.flatMap((_, n) => Array.from({ length: 8 }, (_, i) => `org-${n}-${i}`));
    await Promise.all(
      orgs.map((org, k) =>
        replicas[k % replicas.length]!.control.update(
          (s) => ({ ...s, rollout: { ...s.rollout, orgs: [...s.rollout.orgs, org] } }),
          'test',
        ),
      ),
    );
    const stored = await admin.hgetall(tenancyKeys(p).state);
    expect(stored.version).toBe(String(orgs.length));
    for (const r of replicas) await r.control.update((s) => s, 'test'); // reads the stored state
    expect([...replicas[0].control.state().rollout.orgs].sort()).toEqual([...orgs].sort());
  });

  it('polling catches a change nobody announced (a missed broadcast), within one poll', async () => {
    const p = prefix();
    const { control, heard } = await open(p, true);
    await admin.hset(tenancyKeys(p).state, 'multi_tenant', 'false'); // no PUBLISH
    await waitUntil(() => !control.isMultiTenant(), 1000);
    expect(heard.map((f) => f.source)).toEqual(['poll']);
  });

  it('an unreadable value reads as off and is logged once', async () => {
    const p = prefix();
    await admin.hset(tenancyKeys(p).state, 'multi_tenant', 'yes');
    const { control, log } = await open(p, true, { pollIntervalMs: 20 });
    expect(control.isMultiTenant()).toBe(false);
    expect(control.status().synced).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120)); // several polls
    expect(
      log.lines.filter(
        (l) => l.message === 'tenancy switch in redis is unreadable; serving single-tenant',
      ),
    ).toHaveLength(1);
  });

  it('a key lost from Redis is written back with the state last read, not the config value', async () => {
    const p = prefix();
    await admin.hset(tenancyKeys(p).state, 'multi_tenant', 'false');
    const { control, log } = await open(p, true, { pollIntervalMs: 20 });
    expect(control.isMultiTenant()).toBe(false);
    await admin.del(tenancyKeys(p).state);
    await waitUntil(
      async () => (await admin.hget(tenancyKeys(p).state, 'multi_tenant')) !== null,
      1000,
    );
    expect(await admin.hget(tenancyKeys(p).state, 'multi_tenant')).toBe('false');
    expect(control.isMultiTenant()).toBe(false);
    expect(log.lines).toContainEqual({
      level: 'info',
      message: 'tenancy switch seeded in redis',
      fields: { multi_tenant: false, rollout: 'on', from: 'last_read_state' },
    });
  });
});

describe('redis kill switch: Redis unreachable', () => {
  it('starts single-tenant (off) whatever the config says, refuses set, then follows Redis once it answers', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    const { control, heard } = await open(prefix(), true, { url });
    expect(control.isMultiTenant()).toBe(false);
    expect(control.status()).toMatchObject({ synced: false, multi_tenant: false });
    await expect(control.set(true, 'test')).rejects.toBeInstanceOf(TenancyStoreUnavailableError);
    expect(control.isMultiTenant()).toBe(false);

    // Redis comes up (empty): the key is seeded from config (never read before) and followed.
    servers.push(await startScratchRedis(port));
    await waitUntil(() => control.status().synced, 5000);
    expect(control.isMultiTenant()).toBe(true);
    expect(heard.map((f) => [f.multi_tenant, f.source])).toEqual([[true, 'sync']]);
  });

  it('an outage after the first read keeps the last state read; a restarted empty Redis gets it back', async () => {
    const server = await startScratchRedis();
    servers.push(server);
    const p = prefix();
    const seed = new Redis(server.url);
    await seed.hset(tenancyKeys(p).state, 'multi_tenant', 'false');
    seed.disconnect();
    const { control } = await open(p, true, { url: server.url });
    expect(control.isMultiTenant()).toBe(false);

    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 700)); // more than one poll without Redis
    expect(control.isMultiTenant()).toBe(false); // neither the config value nor a guess
    await expect(control.set(true, 'test')).rejects.toThrow(/did not accept the change/);
    expect(control.isMultiTenant()).toBe(false);

    const restarted = await startScratchRedis(server.port);
    servers.push(restarted);
    const probe = new Redis(restarted.url);
    try {
      await waitUntil(
        async () => (await probe.hget(tenancyKeys(p).state, 'multi_tenant')) === 'false',
        5000,
      );
    } finally {
      probe.disconnect();
    }
    expect(control.isMultiTenant()).toBe(false);
    await control.set(true, 'test');
    expect(control.isMultiTenant()).toBe(true);
  });
});
