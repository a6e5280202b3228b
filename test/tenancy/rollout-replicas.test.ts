/**
 * The rollout across replicas sharing the real Redis (private key prefix): a cohort change on one
 * replica is served by the other within one second; changes racing on two replicas are both kept
 * (the write is a compare-and-set on the version, the loser recomputes); a restarted replica
 * comes up in the stored rollout, not its config; a hash written by the one-value switch (only
 * `multi_tenant`) still reads as it always meant.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { App } from '../../src/app.js';
import { tenancyKeys, type RolloutChange } from '../../src/tenancy/index.js';
import { deletePrefix, uniquePrefix, waitUntil } from '../directory/helpers.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { ADMIN, putTenancy } from './helpers.js';

const PROPAGATION_BOUND_MS = 1000;
const apps: App[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(async () => {
  for (const p of prefixes) await deletePrefix(p);
});

function sharedRedis() {
  const key_prefix = uniquePrefix();
  prefixes.push(key_prefix);
  return { url: 'redis://127.0.0.1:6379/0', key_prefix, max_reconnect_delay_ms: 200 };
}

async function replica(redis: { key_prefix: string }, tenancy: Record<string, unknown>) {
  const started = await startTestApp({ redis, extra: { tenancy } });
  apps.push(started.app);
  return started;
}

async function putRollout(url: string, body: unknown) {
  const res = await fetch(`${url}/v1/admin/rollout`, {
    method: 'PUT',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}

function nextChange(app: App): Promise<{ change: RolloutChange; at: number }> {
  return new Promise((resolve) => {
    const off = app.tenancy.onChange((change) => {
      off();
      resolve({ change, at: performance.now() });
    });
  });
}

describe('rollout across replicas (shared Redis)', () => {
  it('a stage change on A is served by B within 1 s, over 20 changes', async () => {
    const redis = sharedRedis();
    const a = await replica(redis, { rollout: { mode: 'off' } });
    const b = await replica(redis, { rollout: { mode: 'off' } });
    const took: number[] = [];
    for (let i = 0; i < 20; i++) {
      const orgs = i % 2 === 0 ? ['acme'] : ['acme', 'globex'];
      const heard = nextChange(b.app);
      const sent = performance.now();
      expect(await putRollout(a.url, { mode: 'cohort', orgs, stage: i })).toBe(200);
      const { change, at } = await heard;
      expect(change.source).not.toBe('admin');
      expect(change.after.rollout).toMatchObject({ orgs, stage: i });
      took.push(at - sent);
    }
    expect(Math.max(...took)).toBeLessThan(PROPAGATION_BOUND_MS);
    const erin = await session('erin');
    const globex = await postJson(`${b.url}/v1/authorize`, {
      token: erin,
      org: 'globex',
      action: 'org.read',
    });
    expect(globex.json).toMatchObject({ allow: true, multi_tenant: true });
  });

  it('a kill on A racing a rollout change on B keeps both', async () => {
    const redis = sharedRedis();
    const a = await replica(redis, { rollout: { mode: 'cohort', orgs: ['acme'] } });
    const b = await replica(redis, { rollout: { mode: 'cohort', orgs: ['acme'] } });
    for (let round = 0; round < 10; round++) {
      const [kill, set] = await Promise.all([
        putTenancy(a.url, { multi_tenant: false }),
        putRollout(b.url, { mode: 'cohort', orgs: ['acme'], percent: round + 1 }),
      ]);
      expect([kill.status, set]).toEqual([200, 200]);
      for (const app of [a.app, b.app])
        await waitUntil(
          () => app.tenancy.status().killed && app.tenancy.status().rollout.percent === round + 1,
          PROPAGATION_BOUND_MS,
        );
      expect((await putTenancy(b.url, { multi_tenant: true })).status).toBe(200);
    }
  });

  it('two operators deciding on the same rollout on two replicas: exactly one change is made, the other is 409', async () => {
    const redis = sharedRedis();
    const a = await replica(redis, { rollout: { mode: 'cohort', orgs: ['acme'] } });
    const b = await replica(redis, { rollout: { mode: 'cohort', orgs: ['acme'] } });
    for (let round = 0; round < 10; round++) {
      const read = a.app.tenancy.status().rollout;
      const statuses = await Promise.all([
        putRollout(a.url, {
          mode: 'cohort',
          orgs: ['acme'],
          percent: 2 * round + 1,
          expected_rollout: read,
        }),
        putRollout(b.url, {
          mode: 'cohort',
          orgs: ['acme'],
          percent: 2 * round + 2,
          expected_rollout: read,
        }),
      ]);
      expect([...statuses].sort()).toEqual([200, 409]);
      const kept = statuses[0] === 200 ? 2 * round + 1 : 2 * round + 2;
      for (const app of [a.app, b.app])
        await waitUntil(() => app.tenancy.status().rollout.percent === kept, PROPAGATION_BOUND_MS);
    }
  });

  it('a restarted replica serves the stored rollout, not its config', async () => {
    const redis = sharedRedis();
    const a = await replica(redis, { rollout: { mode: 'off' } });
    expect(await putRollout(a.url, { mode: 'cohort', orgs: ['globex'], stage: 3 })).toBe(200);
    const b = await replica(redis, { multi_tenant: true });
    expect(b.app.tenancy.status()).toMatchObject({
      state: 'cohort',
      synced: true,
      rollout: { orgs: ['globex'], stage: 3 },
    });
  });

  it('reads a hash the one-value switch wrote: true is on for every org, false the kill switch', async () => {
    for (const [stored, state, killed] of [
      ['true', 'on', false],
      ['false', 'off', true],
    ] as const) {
      const redis = sharedRedis();
      const admin = new Redis(redis.url);
      await admin.hset(tenancyKeys(redis.key_prefix).state, 'multi_tenant', stored, 'version', '4');
      await admin.quit();
      const r = await replica(redis, { rollout: { mode: 'cohort', orgs: ['acme'] } });
      expect(r.app.tenancy.status()).toMatchObject({ state, killed, rollout: { mode: 'on' } });
    }
  });
});
