/**
 * Pull mode wired into a real app: decisions about an org that only the main API knows, the main
 * API's token, and a failing main API denying `directory_unavailable` while readiness (the store's)
 * stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  FIXTURE_DIRECTORY,
  createTestApp,
  postJson,
  session,
  startTestApp,
} from '../support/app.js';
import { startFakeMainApi, type FakeMainApi } from './main-api-server.js';

const MAIN_API_TOKEN = 'main-api-token-0123456789abcdef';
let api: FakeMainApi;
let app: App | undefined;
let url: string;

const pull = () => ({
  file: FIXTURE_DIRECTORY,
  http: { url: api.url, ttl_s: 60, timeout_ms: 200, token_env: 'MAIN_API_TOKEN' },
});

beforeAll(async () => {
  api = await startFakeMainApi();
  api.set('/orgs/hooli', {
    body: { id: 'hooli', status: 'active', members: [{ user: 'gavin', role: 'owner' }] },
  });
  api.set('/orgs/broken', { status: 500, body: 'upstream trouble' });
  api.set('/users/gavin/orgs', { body: { orgs: [{ id: 'hooli' }] } });
  ({ app, url } = await startTestApp({ extra: { directory: pull() }, env: { MAIN_API_TOKEN } }));
});

afterAll(async () => {
  await app?.stop();
  await api.close();
});

const decide = async (user: string, org: string) =>
  (
    await postJson(`${url}/v1/authorize`, {
      token: await session(user),
      org,
      action: 'resource.read',
    })
  ).json;

describe('pull mode in the app', () => {
  it('decides about an org only the main API knows, sending the main API token', async () => {
    expect(await decide('gavin', 'hooli')).toMatchObject({
      allow: true,
      effective_org: 'hooli',
      role: 'owner',
    });
    expect(await decide('mallory', 'hooli')).toMatchObject({
      allow: false,
      reason: 'access_denied',
    });
    expect(api.lastHeaders.authorization).toBe(`Bearer ${MAIN_API_TOKEN}`);
    expect(await decide('gavin', 'ghost')).toMatchObject({ allow: false, reason: 'invalid_org' });
  });

  it('orgs in the store never ask the main API', async () => {
    const before = api.requests.length;
    expect(await decide('alice', 'acme')).toMatchObject({ allow: true });
    expect(api.requests.length).toBe(before);
  });

  it('a failing main API denies directory_unavailable (503), never "no such org"; readiness stays up', async () => {
    expect(await decide('gavin', 'broken')).toMatchObject({
      allow: false,
      reason: 'directory_unavailable',
      status: 503,
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('lists the orgs the main API knows for the user in /v1/features', async () => {
    const res = await fetch(`${url}/v1/features`, {
      headers: { authorization: `Bearer ${await session('gavin')}` },
    });
    const body = (await res.json()) as { orgs?: { id: string; role: string }[] };
    expect(body.orgs).toEqual(expect.arrayContaining([{ id: 'hooli', role: 'owner' }]));
  });

  it('refuses to start without the token named by directory.http.token_env', async () => {
    await expect(createTestApp({ extra: { directory: pull() } })).rejects.toThrow(
      'directory.http.token_env',
    );
  });
});
