/**
 * Forward-auth checks refused before any decision (no decision id, so no decision counter and no
 * decision log entry) are still counted, by refusal, so an operator sees a gateway misroute or a
 * probing client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import path from 'node:path';
import { session, startTestApp } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { scrape, valueOf } from './helpers.js';

let app: App;
let url: string;
beforeAll(async () => {
  ({ app, url } = await startTestApp({
    multiTenant: true,
    extra: { policy: { bundle: TEST_BUNDLE, routes: path.resolve('policies', 'routes.yaml') } },
  }));
});
afterAll(() => app.stop());

const check = (method: string, uri: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/forward-auth`, {
    headers: { 'x-forwarded-method': method, 'x-forwarded-uri': uri, ...headers },
  });

describe('orgwarden_forward_auth_refusals_total', () => {
  it('counts each refusal exactly, and not as a decision', async () => {
    const token = await session('alice');
    const auth = { authorization: `Bearer ${token}` };
    const before = valueOf((await scrape(url)).samples, 'orgwarden_decisions_total', {
      kind: 'forward_auth',
      decision: 'allow',
      reason: 'allowed',
    });
    expect((await check('GET', '/api/nothing-here', auth)).status).toBe(403);
    expect((await check('GET', '/api/also/not/here', auth)).status).toBe(403);
    expect((await check('GET', '/api/orgs/acme/../globex', auth)).status).toBe(403);
    expect((await check('GET', '/api/orgs/acme', { ...auth, 'x-org-id': 'globex' })).status).toBe(
      403,
    );
    expect((await check('GET', '/api/orgs/acme', auth)).status).toBe(200);

    const { samples } = await scrape(url);
    expect(
      valueOf(samples, 'orgwarden_forward_auth_refusals_total', { refusal: 'unknown_route' }),
    ).toBe(2);
    expect(
      valueOf(samples, 'orgwarden_forward_auth_refusals_total', { refusal: 'invalid_path' }),
    ).toBe(1);
    expect(
      valueOf(samples, 'orgwarden_forward_auth_refusals_total', { refusal: 'org_mismatch' }),
    ).toBe(1);
    expect(
      valueOf(samples, 'orgwarden_forward_auth_refusals_total', { refusal: 'invalid_request' }),
    ).toBe(0);
    expect(
      valueOf(samples, 'orgwarden_decisions_total', {
        kind: 'forward_auth',
        decision: 'allow',
        reason: 'allowed',
      }),
    ).toBe(before + 1);
  });
});
