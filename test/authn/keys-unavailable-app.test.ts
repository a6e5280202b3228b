/**
 * A JWKS outage end to end, through a real app on a real key server: while the endpoint fails
 * and no key set is held, a valid token is answered "retry" (keys_unavailable, 503) on every
 * surface, never "your token is invalid" (401); once the endpoint answers, the same token is allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  createTestKeys,
  jwksOf,
  type TestKeys,
} from '../support/tokens.js';
import { postJson, startTestApp } from '../support/app.js';
import type { App } from '../../src/app.js';
import { startServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startServer>>;

let keys: TestKeys;
let keyServer: Server;
let up = false;
let app: App;
let url: string;
let clock = Date.now();

beforeAll(async () => {
  keys = await createTestKeys('ES256', { kid: 'app-key' });
  keyServer = await startServer((_req, res) => {
    res.statusCode = up ? 200 : 503;
    res.end(up ? JSON.stringify(jwksOf(keys)) : 'down');
  });
  ({ app, url } = await startTestApp({
    multiTenant: true,
    now: () => clock,
    extra: {
      auth: {
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        algorithms: ['ES256'],
        jwks_url: `${keyServer.url}/jwks`,
      },
    },
  }));
});
afterAll(async () => {
  await app.stop();
  await keyServer.close();
});

describe('the identity provider is down and no keys are held', () => {
  it('authorize: keys_unavailable, status 503, not unauthenticated; features: 503; then allowed once keys come back', async () => {
    const token = await keys.mint({ sub: 'alice' });
    const denied = await postJson(`${url}/v1/authorize`, {
      token,
      org: 'acme',
      action: 'org.read',
    });
    expect(denied.status).toBe(200);
    expect(denied.json).toMatchObject({
      allow: false,
      reason: 'keys_unavailable',
      status: 503,
      detail: null,
    });

    const features = await fetch(`${url}/v1/features`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(features.status).toBe(503);
    expect(await features.json()).toEqual({
      error: { code: 'unavailable', message: 'signing keys are unavailable' },
    });

    up = true;
    clock += 60_000; // past the failure backoff
    const allowed = await postJson(`${url}/v1/authorize`, {
      token,
      org: 'acme',
      action: 'org.read',
    });
    expect(allowed.json).toMatchObject({ allow: true, reason: 'allowed' });
  });
});
