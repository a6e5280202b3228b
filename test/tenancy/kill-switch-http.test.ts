/**
 * The kill switch over HTTP on a single process (no Redis): the config value is the start state,
 * PUT flips it for the very next decision, every flip is logged, and every refused call — bad
 * body, missing or wrong admin token, admin disabled — changes nothing.
 */
import { ON_ROLLOUT } from '../../src/tenancy/rollout-state.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { session, startTestApp } from '../support/app.js';
import { ADMIN, authorizeAcme, getTenancy, memoryLogger, putTenancy } from './helpers.js';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

async function start(options: Parameters<typeof startTestApp>[0] = {}) {
  const logger = memoryLogger();
  const started = await startTestApp({ logger, ...options });
  apps.push(started.app);
  return { ...started, logger };
}

const flips = (logger: ReturnType<typeof memoryLogger>) =>
  logger.lines.filter((l) => l.msg === 'multi-tenant switch flipped');

describe('kill switch without Redis', () => {
  it('starts from the config value, in memory', async () => {
    for (const multiTenant of [true, false]) {
      const { url } = await start({ multiTenant });
      const { status, json } = await getTenancy(url);
      expect(status).toBe(200);
      expect(json).toEqual({
        multi_tenant: multiTenant,
        // the one-value switch: `false` is the kill switch engaged over the rollout `on`
        state: multiTenant ? 'on' : 'off',
        killed: !multiTenant,
        rollout: ON_ROLLOUT,
        changed_by: null,
        store: 'memory',
        synced: true,
        version: null,
        flips: 0,
        last_flip_at: null,
        changes: 0,
        last_change_at: null,
      });
    }
  });

  it('PUT off: the next decision for a non-default org is feature_disabled; the flip is logged and counted', async () => {
    const { url, logger } = await start({ multiTenant: true });
    const alice = await session('alice');
    expect(await authorizeAcme(url, alice)).toMatchObject({ allow: true, multi_tenant: true });

    const put = await putTenancy(url, { multi_tenant: false });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      multi_tenant: false,
      changed: true,
      store: 'memory',
      flips: 1,
    });
    expect(await authorizeAcme(url, alice)).toMatchObject({
      allow: false,
      reason: 'feature_disabled',
      multi_tenant: false,
    });
    expect((await getTenancy(url)).json).toMatchObject({ multi_tenant: false, flips: 1 });
    expect(flips(logger)).toEqual([
      {
        level: 'warn',
        msg: 'multi-tenant switch flipped',
        fields: {
          component: 'tenancy',
          multi_tenant: false,
          previous: true,
          source: 'admin',
          version: null,
        },
      },
    ]);

    // Setting the state it already has is not a flip.
    const again = await putTenancy(url, { multi_tenant: false });
    expect(again.json).toMatchObject({ multi_tenant: false, changed: false, flips: 1 });
    expect(flips(logger)).toHaveLength(1);

    expect((await putTenancy(url, { multi_tenant: true })).json).toMatchObject({
      multi_tenant: true,
      changed: true,
      flips: 2,
    });
    expect(await authorizeAcme(url, alice)).toMatchObject({ allow: true });
  });

  it('the onFlip hook hears every flip with its source', async () => {
    const { app, url } = await start({ multiTenant: true });
    const heard: unknown[] = [];
    app.tenancy.onFlip((flip) =>
      heard.push({ multi_tenant: flip.multi_tenant, source: flip.source }),
    );
    await putTenancy(url, { multi_tenant: false });
    await putTenancy(url, { multi_tenant: true });
    expect(heard).toEqual([
      { multi_tenant: false, source: 'admin' },
      { multi_tenant: true, source: 'admin' },
    ]);
  });

  it('takes exactly {"multi_tenant": <bool>}: anything else is 400 and changes nothing', async () => {
    const { url, logger } = await start({ multiTenant: true });
    const bodies = [
      '{}',
      '{"multi_tenant":"false"}',
      '{"multi_tenant":0}',
      '{"multi_tenant":null}',
      '{"multi_tenant":false,"reason":"incident"}',
      '{"multiTenant":false}',
      '{"__proto__":{"multi_tenant":false}}',
      '[{"multi_tenant":false}]',
      'false',
      '"off"',
      '{"multi_tenant":false',
      '',
    ];
    for (const body of bodies) {
      const res = await putTenancy(url, body);
      expect(res.status, body).toBe(400);
      expect(res.json?.error?.code, body).toBe('invalid_request');
    }
    expect(
      (await putTenancy(url, 'multi_tenant=false', ADMIN, 'application/x-www-form-urlencoded'))
        .status,
    ).toBe(415);
    expect(
      (await putTenancy(url, `{"multi_tenant":false,"pad":"${'x'.repeat(2000)}"}`)).status,
    ).toBe(413);
    expect((await getTenancy(url)).json).toMatchObject({ multi_tenant: true, flips: 0 });
    expect(flips(logger)).toEqual([]);
  });

  it('without the admin token: 401 (missing) or 403 (wrong), for GET and PUT, and nothing changes', async () => {
    const { url } = await start({ multiTenant: true });
    expect((await putTenancy(url, { multi_tenant: false }, {})).status).toBe(401);
    expect(
      (
        await putTenancy(
          url,
          { multi_tenant: false },
          { authorization: 'Bearer not-the-admin-token-000' },
        )
      ).status,
    ).toBe(403);
    expect(
      (await putTenancy(url, { multi_tenant: false }, { authorization: 'Basic dXNlcjpwYXNz' }))
        .status,
    ).toBe(401);
    expect((await getTenancy(url, {})).status).toBe(401);
    expect((await getTenancy(url, { authorization: 'Bearer wrong' })).status).toBe(403);
    expect((await getTenancy(url)).json).toMatchObject({ multi_tenant: true, flips: 0 });
    expect(await authorizeAcme(url, await session('alice'))).toMatchObject({ allow: true });
  });

  it('with no admin token configured the endpoints answer 403 and nothing changes', async () => {
    const { app, url } = await start({ multiTenant: true, env: { ORGWARDEN_ADMIN_TOKEN: '' } });
    expect((await putTenancy(url, { multi_tenant: false })).status).toBe(403);
    expect(app.tenancy.isMultiTenant()).toBe(true);
  });

  it('other methods are 405 with Allow', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/v1/admin/tenancy`, { method: 'POST', headers: ADMIN });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, PUT');
  });
});
