/**
 * End to end through real gateways: NGINX (`auth_request`) and Caddy (`forward_auth`), each run
 * with the snippet from `deploy/gateways/` that docs/gateways.md shows, in front of a recording
 * upstream, asking a real orgwarden. What the client sees, and what reaches the upstream:
 * allowed requests arrive with orgwarden's identity headers and never with the client's;
 * denied, tricked or unauthorizable requests never arrive at all.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { MAX_URI_LENGTH } from '../../src/surfaces/forward-auth/normalise-path.js';
import { apiToken, session } from '../support/app.js';
import {
  freePort,
  rawRequest,
  startCaddy,
  startNginx,
  startUpstream,
  type Gateway,
  type GatewayTargets,
  type Received,
  type Upstream,
} from './gateway-harness.js';
import { bearer, startForwardAuthApp } from './helpers.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
let multi: { app: App; port: number };
let single: { app: App; port: number };
let upstream: Upstream;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  [multi, single, upstream] = await Promise.all([
    startForwardAuthApp({ multiTenant: true }),
    startForwardAuthApp({ multiTenant: false }),
    startUpstream(),
  ]);
  for (const user of ['alice', 'carol', 'vera', 'mallory']) tokens[user] = await session(user);
  tokens.acmeToken = await apiToken('tok-acme', { scope: '*', org_id: 'acme' });
});
afterAll(async () => {
  await Promise.all([multi.app.stop(), single.app.stop(), upstream.close()]);
});
beforeEach(() => {
  upstream.received.length = 0;
});

/** Every value the upstream got for a header name, whatever its case. */
const headerValues = (r: Received, name: string): string[] => {
  const out: string[] = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2)
    if (r.rawHeaders[i]?.toLowerCase() === name) out.push(r.rawHeaders[i + 1] ?? '');
  return out;
};

type Start = (targets: GatewayTargets) => Promise<Gateway>;
/** Where a gateway answers differently from orgwarden's own status, and why. */
interface GatewayQuirks {
  /** NGINX refuses an encoded NUL in the path itself (400), before any auth. */
  encodedNul: number;
  /** orgwarden unreachable: the NGINX snippet answers 503; Caddy's proxy error is 502. */
  orgwardenDown: number;
  /** NGINX shows its own short message; Caddy passes orgwarden's body through. */
  message401: string;
  /**
   * Caddy removes every client-sent X-Orgwarden-* header; stock NGINX can only replace the ones
   * it sets (the upstream must read only those — docs/gateways.md).
   */
  stripsOtherIdentityHeaders: boolean;
}
const GATEWAYS: [string, Start, GatewayQuirks][] = [
  [
    'nginx',
    startNginx,
    {
      encodedNul: 400,
      orgwardenDown: 503,
      message401: 'authentication required',
      stripsOtherIdentityHeaders: false,
    },
  ],
  [
    'caddy',
    startCaddy,
    {
      encodedNul: 403,
      orgwardenDown: 502,
      message401: 'a valid bearer token is required',
      stripsOtherIdentityHeaders: true,
    },
  ],
];

describe.each(GATEWAYS)('%s in front of orgwarden', (_name, start, quirks) => {
  let gateway: Gateway;
  let singleTenant: Gateway;
  let down: Gateway;
  const send = (g: Gateway, options: Parameters<typeof rawRequest>[1]) =>
    rawRequest(g.port, options);

  beforeAll(async () => {
    const dead = await freePort();
    [gateway, singleTenant, down] = await Promise.all([
      start({ orgwardenPort: multi.port, appPort: upstream.port }),
      start({ orgwardenPort: single.port, appPort: upstream.port }),
      start({ orgwardenPort: dead, appPort: upstream.port }),
    ]);
    // Runs after the suite, and only when all three started.
    return async () => {
      await Promise.all([gateway.stop(), singleTenant.stop(), down.stop()]);
    };
  });

  it("lets an allowed request reach the upstream unchanged, with orgwarden's identity headers", async () => {
    const res = await send(gateway, {
      path: '/api/orgs/acme/members?page=2',
      headers: bearer(tokens.alice!),
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ upstream: true });
    expect(upstream.received).toHaveLength(1);
    const got = upstream.received[0]!;
    expect([got.method, got.url]).toEqual(['GET', '/api/orgs/acme/members?page=2']);
    expect(got.headers).toMatchObject({
      'x-orgwarden-user': 'alice',
      'x-orgwarden-org': 'acme',
      'x-orgwarden-role': 'owner',
      'x-orgwarden-principal-kind': 'session',
      authorization: `Bearer ${tokens.alice!}`,
    });
    expect(got.headers['x-orgwarden-decision-id']).toMatch(ULID);
  });

  it('passes the request body through to the upstream (the check itself carries none)', async () => {
    const body = JSON.stringify({ prompt: 'hello' });
    const res = await send(gateway, {
      method: 'POST',
      path: '/api/ai/chat',
      headers: { ...bearer(tokens.carol!), 'x-org-id': 'acme', 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    expect(
      upstream.received.map((r) => [
        r.method,
        r.url,
        r.body,
        r.headers['x-orgwarden-org'],
        r.headers['x-orgwarden-role'],
      ]),
    ).toEqual([['POST', '/api/ai/chat', body, 'acme', 'editor']]);
  });

  it("never lets client-forged X-Orgwarden-* headers reach the upstream: each arrives once, with orgwarden's value", async () => {
    const res = await send(gateway, {
      path: '/api/orgs/acme/members',
      headers: {
        ...bearer(tokens.alice!),
        'X-Orgwarden-Org': 'globex',
        'X-Orgwarden-User': 'erin',
        'x-orgwarden-role': 'owner-of-everything',
        'X-ORGWARDEN-PRINCIPAL-KIND': 'api_token',
        'X-Orgwarden-Decision-Id': 'forged',
      },
    });
    expect(res.status).toBe(200);
    const got = upstream.received[0]!;
    expect(headerValues(got, 'x-orgwarden-org')).toEqual(['acme']);
    expect(headerValues(got, 'x-orgwarden-user')).toEqual(['alice']);
    expect(headerValues(got, 'x-orgwarden-role')).toEqual(['owner']);
    expect(headerValues(got, 'x-orgwarden-principal-kind')).toEqual(['session']);
    expect(headerValues(got, 'x-orgwarden-decision-id')).toEqual([expect.stringMatching(ULID)]);
  });

  it(`${quirks.stripsOtherIdentityHeaders ? 'removes' : 'cannot remove'} client-sent X-Orgwarden-* headers that orgwarden does not set`, async () => {
    const res = await send(gateway, {
      path: '/api/orgs/acme/members',
      headers: { ...bearer(tokens.alice!), 'X-Orgwarden-Scopes': '*', 'X-Orgwarden-Error': 'none' },
    });
    expect(res.status).toBe(200);
    const got = upstream.received[0]!;
    expect(headerValues(got, 'x-orgwarden-scopes')).toEqual(
      quirks.stripsOtherIdentityHeaders ? [] : ['*'],
    );
    // The NGINX snippet blanks the one other name orgwarden itself uses.
    expect(headerValues(got, 'x-orgwarden-error')).toEqual([]);
  });

  it('never lets a forged role reach the upstream for an API token (whose role is empty)', async () => {
    const res = await send(gateway, {
      path: '/api/resources/node/n1',
      headers: {
        ...bearer(tokens.acmeToken!),
        'X-Orgwarden-Role': 'owner',
        'X-Orgwarden-Org': 'globex',
      },
    });
    expect(res.status).toBe(200);
    const got = upstream.received[0]!;
    expect(headerValues(got, 'x-orgwarden-org')).toEqual(['acme']);
    expect(headerValues(got, 'x-orgwarden-principal-kind')).toEqual(['api_token']);
    // NGINX sends no header for an empty value; Caddy sends it empty. Never the forged one.
    expect(headerValues(got, 'x-orgwarden-role').filter((v) => v !== '')).toEqual([]);
  });

  it('answers 401 with a Bearer challenge without a token; the upstream never sees the request', async () => {
    const res = await send(gateway, { path: '/api/orgs/acme/members' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json).toEqual({ error: 'unauthenticated', message: quirks.message401 });
    expect(upstream.received).toHaveLength(0);
  });

  it('answers 403 to a non-member and to a role below the action; the upstream never sees them', async () => {
    const spoof = await send(gateway, {
      path: '/api/orgs/acme/members',
      headers: { ...bearer(tokens.mallory!), 'X-Orgwarden-Org': 'acme' },
    });
    expect([spoof.status, spoof.json?.error]).toEqual([403, 'access_denied']);
    const viewer = await send(gateway, {
      method: 'DELETE',
      path: '/api/orgs/acme',
      headers: bearer(tokens.vera!),
    });
    expect([viewer.status, viewer.json?.error]).toEqual([403, 'insufficient_role']);
    expect(upstream.received).toHaveLength(0);
  });

  it('answers 403 to a route that is not in the manifest', async () => {
    const res = await send(gateway, { path: '/internal/debug', headers: bearer(tokens.alice!) });
    expect([res.status, res.json?.error]).toEqual([403, 'unknown_route']);
    expect(upstream.received).toHaveLength(0);
  });

  const tricks: [string, string, keyof GatewayQuirks | 403][] = [
    ['a dot-dot out of an org', '/api/orgs/acme/../globex/members', 403],
    ['encoded slashes', '/api/orgs/acme%2F..%2Fglobex/members', 403],
    ['a double slash in front', '//api/orgs/globex/members', 403],
    ['a dot segment', '/api/orgs/globex/./members', 403],
    ['an encoded NUL', '/api/orgs/globex%00/members', 'encodedNul'],
    ['a mixed-case route', '/API/orgs/globex/members', 403],
    ['an overlong URI', `/api/resources/node/${'n'.repeat(MAX_URI_LENGTH)}`, 403],
  ];
  it.each(tricks)('refuses %s before it reaches the upstream', async (_trick, path, expected) => {
    // vera is a viewer of acme only: none of these may take her anywhere.
    const res = await send(gateway, { path, headers: bearer(tokens.vera!) });
    expect(res.status).toBe(expected === 403 ? 403 : quirks[expected]);
    expect(upstream.received).toHaveLength(0);
  });

  it('checks the request the client makes, not one it describes in X-Original-*/X-Forwarded-* headers', async () => {
    const res = await send(gateway, {
      method: 'DELETE',
      path: '/api/orgs/acme',
      headers: {
        ...bearer(tokens.vera!),
        'X-Original-Method': 'GET',
        'X-Original-URI': '/api/orgs/acme',
        'X-Forwarded-Method': 'GET',
        'X-Forwarded-Uri': '/api/orgs/acme',
      },
    });
    expect([res.status, res.json?.error]).toEqual([403, 'insufficient_role']);
    expect(upstream.received).toHaveLength(0);
  });

  it('answers 404 to org routes while multi-tenant is off; the data plane still works in the default org', async () => {
    for (const [method, path] of [
      ['GET', '/api/orgs'],
      ['GET', '/api/orgs/acme'],
      ['DELETE', '/api/orgs/acme/members/bob'],
      ['GET', '/api/admin/orgs/default/billing-state'],
    ] as const) {
      const res = await send(singleTenant, { method, path, headers: bearer(tokens.alice!) });
      expect([path, res.status, res.json?.error]).toEqual([path, 404, 'not_found']);
    }
    expect(upstream.received).toHaveLength(0);
    const data = await send(singleTenant, {
      path: '/api/resources/node/n1',
      headers: bearer(tokens.alice!),
    });
    expect(data.status).toBe(200);
    expect(upstream.received.map((r) => r.headers['x-orgwarden-org'])).toEqual(['default']);
  });

  it('fails closed when orgwarden is unreachable: an error, and the upstream never sees the request', async () => {
    const res = await send(down, {
      path: '/api/orgs/acme/members',
      headers: bearer(tokens.alice!),
    });
    expect(res.status).toBe(quirks.orgwardenDown);
    expect(upstream.received).toHaveLength(0);
  });
});
