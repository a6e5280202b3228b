/**
 * GET /v1/features: the one gate a frontend consults. Real app (compiled policy, HS256 tokens,
 * file directory). Single-tenant answers say nothing about orgs; multi-tenant answers list only
 * the caller's own orgs — checked on the raw body text against every other org id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';
import { apiToken, session } from '../support/app.js';
import { startSurfaceApp, type SurfaceApp } from './helpers.js';
import type { ResponseBody } from '../support/response-body.js';

const ALL_ORGS = ['default', 'acme', 'globex', 'frozen', 'leaving'];

async function features(url: string, authorization?: string) {
  const res = await fetch(`${url}/v1/features`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as ResponseBody, headers: res.headers };
}

/** Org ids in the raw body that are not in `own`, matched as quoted JSON strings. */
const foreignOrgsIn = (text: string, own: string[]) =>
  ALL_ORGS.filter((id) => !own.includes(id) && text.includes(`"${id}"`));

describe('multi-tenant off', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: false });
  });
  afterAll(() => s.stop());

  it.each([
    ['a member of several orgs', 'alice'],
    ['an owner of one org', 'erin'],
    ['a user with no org', 'mallory'],
  ])('is exactly {"multi_tenant":false} for %s', async (_name, user) => {
    const res = await features(s.url, `Bearer ${await session(user)}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"multi_tenant":false}');
    expect(res.text).not.toMatch(/org/i);
  });

  it('is the same for an API token bound to an org', async () => {
    const res = await features(
      s.url,
      `Bearer ${await apiToken('tok-acme', { scope: '*', org_id: 'acme' })}`,
    );
    expect(res.text).toBe('{"multi_tenant":false}');
  });

  it('still requires a valid token', async () => {
    const res = await features(s.url);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: { code: 'unauthorized', message: 'a valid bearer token is required' },
    });
  });
});

describe('multi-tenant on', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
  });
  afterAll(() => s.stop());

  it.each([
    [
      'alice, owner of acme and viewer of globex',
      'alice',
      [
        { id: 'default', role: 'viewer' },
        { id: 'acme', role: 'owner' },
        { id: 'globex', role: 'viewer' },
      ],
    ],
    [
      'erin, owner of globex only',
      'erin',
      [
        { id: 'default', role: 'viewer' },
        { id: 'globex', role: 'owner' },
      ],
    ],
    [
      'dave, a legacy "member" of acme',
      'dave',
      [
        { id: 'default', role: 'viewer' },
        { id: 'acme', role: 'viewer' },
      ],
    ],
    ['root-admin, admin of the default org', 'root-admin', [{ id: 'default', role: 'admin' }]],
    ['mallory, in no org', 'mallory', [{ id: 'default', role: 'viewer' }]],
    ['gina, owner of a suspended org only', 'gina', [{ id: 'default', role: 'viewer' }]],
    ['hank, owner of an org pending deletion', 'hank', [{ id: 'default', role: 'viewer' }]],
  ])('%s: only their own usable orgs, default first', async (_name, user, orgs) => {
    const res = await features(s.url, `Bearer ${await session(user)}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ multi_tenant: true, orgs });
    expect(
      foreignOrgsIn(
        res.text,
        orgs.map((o) => o.id),
      ),
    ).toEqual([]);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    ['bound to acme', { scope: 'settings:read', org_id: 'acme' }, [{ id: 'acme', role: null }]],
    [
      'bound to acme and globex',
      { scope: '*', org_ids: ['acme', 'globex'] },
      [
        { id: 'acme', role: null },
        { id: 'globex', role: null },
      ],
    ],
    [
      'bound to nothing (the default org)',
      { scope: 'settings:read' },
      [{ id: 'default', role: null }],
    ],
    ['bound to a suspended org', { scope: '*', org_id: 'frozen' }, []],
    ['without the scope to list orgs', { scope: 'monitoring:read', org_id: 'acme' }, []],
  ])('an API token %s lists only its bound orgs it may list', async (_name, claims, orgs) => {
    const res = await features(s.url, `Bearer ${await apiToken('tok-1', claims)}`);
    expect(res.json).toEqual({ multi_tenant: true, orgs });
    expect(
      foreignOrgsIn(
        res.text,
        orgs.map((o) => o.id),
      ),
    ).toEqual([]);
  });

  it('a member removed from an org no longer sees it', async () => {
    const token = `Bearer ${await session('frank')}`;
    expect((await features(s.url, token)).json.orgs).toEqual([
      { id: 'default', role: 'viewer' },
      { id: 'globex', role: 'editor' },
    ]);
    await s.app.directory.removeMember('globex', 'frank');
    const res = await features(s.url, token);
    expect(res.json.orgs).toEqual([{ id: 'default', role: 'viewer' }]);
    expect(res.text).not.toContain('globex');
  });

  it.each([
    ['no Authorization header', undefined],
    ['a malformed header', 'Token abc'],
    ['a garbage token', 'Bearer not.a.jwt'],
  ])('%s is 401 with the error document', async (_name, authorization) => {
    const res = await features(s.url, authorization);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: { code: 'unauthorized', message: 'a valid bearer token is required' },
    });
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('an expired or wrongly signed token is 401', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const expired = await mintHs256(TEST_SECRET, {
      sub: 'alice',
      iat: nowS - 7200,
      exp: nowS - 3600,
    });
    const forged = await mintHs256('another-secret-of-at-least-32-bytes!!', { sub: 'alice' });
    for (const token of [expired, forged])
      expect((await features(s.url, `Bearer ${token}`)).status).toBe(401);
  });
});
