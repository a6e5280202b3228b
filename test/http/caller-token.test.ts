/**
 * Caller protection. The decision API listens on loopback unless configured otherwise; a sidecar
 * that listens beyond it sets `server.caller_token_env`, and then every request but the public
 * ones must carry the shared secret in `X-Orgwarden-Caller-Token` (its own header, so it never
 * collides with the end user's `Authorization`). Probes (`/healthz`, `/readyz`) stay open. Admin
 * routes need both the caller token and the admin token. Every spelling of every route:
 * routing-spellings.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { postJson, session, startTestApp, testConfigDoc } from '../support/app.js';

const CALLER_TOKEN = 'caller-token-for-tests-0123456789';
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
let app: App;
let url: string;
let alice: string;

beforeAll(async () => {
  ({ app, url } = await startTestApp({
    extra: { server: { host: '127.0.0.1', port: 0, caller_token_env: 'ORGWARDEN_CALLER_TOKEN' } },
    env: { ORGWARDEN_CALLER_TOKEN: CALLER_TOKEN },
  }));
  alice = await session('alice');
});
afterAll(async () => {
  await app.stop();
});

const authorize = (headers: Record<string, string>) =>
  postJson(`${url}/v1/authorize`, { token: alice, org: 'acme', action: 'org.read' }, headers);

describe('caller token', () => {
  it('the decision API binds to loopback by default', () => {
    const doc = testConfigDoc();
    delete (doc as { server?: unknown }).server;
    expect(parseConfig(doc).server.host).toBe('127.0.0.1');
  });

  it('POST /v1/authorize: missing or wrong token is 401 and decides nothing; the right one decides', async () => {
    const refused: Record<string, string>[] = [
      {},
      { 'x-orgwarden-caller-token': 'wrong' },
      { 'x-orgwarden-caller-token': `${CALLER_TOKEN}x` },
      { 'x-orgwarden-caller-token': '' },
    ];
    for (const headers of refused) {
      const res = await authorize(headers);
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        error: { code: 'unauthorized', message: 'missing or wrong x-orgwarden-caller-token' },
      });
    }
    // the end user's credential in Authorization does not stand in for the caller token
    expect((await authorize({ authorization: `Bearer ${CALLER_TOKEN}` })).status).toBe(401);
    const ok = await authorize({ 'X-Orgwarden-Caller-Token': CALLER_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ allow: true, effective_org: 'acme' });
  });

  it('every other /v1/ route is guarded the same way (batch, policy status, features)', async () => {
    const batch = await postJson(`${url}/v1/authorize/batch`, { items: [] });
    expect(batch.status).toBe(401);
    expect((await fetch(`${url}/v1/policy`)).status).toBe(401);
    expect(
      (await fetch(`${url}/v1/policy`, { headers: { 'x-orgwarden-caller-token': CALLER_TOKEN } }))
        .status,
    ).toBe(200);
    expect(
      (await fetch(`${url}/v1/features`, { headers: { authorization: `Bearer ${alice}` } })).status,
    ).toBe(401);
  });

  it('admin routes need the caller token and the admin token; without the caller token nothing changes', async () => {
    const put = (headers: Record<string, string>) =>
      fetch(`${url}/v1/admin/tenancy`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"multi_tenant":false}',
      });
    expect((await put(ADMIN)).status).toBe(401);
    expect((await put({ ...ADMIN, 'x-orgwarden-caller-token': 'wrong' })).status).toBe(401);
    expect(app.tenancy.isMultiTenant()).toBe(true);
    expect(
      (await fetch(`${url}/v1/admin/policy/reload`, { method: 'POST', headers: ADMIN })).status,
    ).toBe(401);
    expect(app.rollout.lastReload()?.trigger).toBe('start');

    // the caller token alone is not an admin token
    expect((await put({ 'x-orgwarden-caller-token': CALLER_TOKEN })).status).toBe(401);
    expect(
      (
        await put({
          'x-orgwarden-caller-token': CALLER_TOKEN,
          authorization: 'Bearer wrong-admin-token-000000',
        })
      ).status,
    ).toBe(403);
    expect(app.tenancy.isMultiTenant()).toBe(true);

    const both = await put({ ...ADMIN, 'x-orgwarden-caller-token': CALLER_TOKEN });
    expect(both.status).toBe(200);
    expect(app.tenancy.isMultiTenant()).toBe(false);
    await app.tenancy.set(true, 'test');
  });

  it('/healthz and /readyz stay open for probes', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });

  it('a configured caller token env var that is unset or short stops the start, naming the key', async () => {
    await expect(
      startTestApp({
        extra: {
          server: { host: '127.0.0.1', port: 0, caller_token_env: 'ORGWARDEN_CALLER_TOKEN' },
        },
        env: { ORGWARDEN_CALLER_TOKEN: 'short' },
      }),
    ).rejects.toThrow(
      'server.caller_token_env: environment variable ORGWARDEN_CALLER_TOKEN must hold a secret of at least 16 characters',
    );
  });
});
