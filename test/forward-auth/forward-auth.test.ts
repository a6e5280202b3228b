/**
 * `ANY /v1/forward-auth[/*]` on a real orgwarden (compiled policy, fixture directory, real HS256
 * tokens), called the way each gateway calls it — NGINX, Traefik, Caddy and Envoy — without a
 * gateway in between: every answer, the identity headers, org precedence, and every traversal or
 * encoding trick refused before a decision.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { MAX_URI_LENGTH } from '../../src/surfaces/forward-auth/normalise-path.js';
import { apiToken, session, startTestApp, TEST_BUNDLE } from '../support/app.js';
import { rawRequest, type RawResponse } from './gateway-harness.js';
import { bearer, check, DEFAULT_ROUTES, startForwardAuthApp, STYLES } from './helpers.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
let multi: { app: App; port: number };
let single: { app: App; port: number };
let logged: { app: App; port: number; file: string };
const tokens: Record<string, string> = {};

beforeAll(async () => {
  multi = await startForwardAuthApp({ multiTenant: true });
  single = await startForwardAuthApp({ multiTenant: false });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orgwarden-fa-log-')), 'decisions.log');
  const { app } = await startTestApp({
    multiTenant: true,
    extra: {
      policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES },
      decision_log: { sink: 'file', file },
    },
  });
  logged = { app, port: (app.http.server.address() as { port: number }).port, file };
  for (const user of ['alice', 'bob', 'carol', 'vera', 'mallory', 'gina', 'root-admin'])
    tokens[user] = await session(user);
  tokens.acmeToken = await apiToken('tok-acme', { scope: '*', org_id: 'acme' });
  tokens.readOnlyToken = await apiToken('tok-ro', { scope: 'settings:read', org_id: 'acme' });
  tokens.nonAscii = await session('zoë ü');
});
afterAll(async () => {
  await Promise.all([multi.app.stop(), single.app.stop(), logged.app.stop()]);
});

describe.each(STYLES)('%s style', (style) => {
  it("allows an owner to list her org's members: 200, identity headers, no body", async () => {
    const res = await check(
      multi.port,
      style,
      'GET',
      '/api/orgs/acme/members',
      bearer(tokens.alice!),
    );
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'x-orgwarden-user': 'alice',
      'x-orgwarden-org': 'acme',
      'x-orgwarden-role': 'owner',
      'x-orgwarden-principal-kind': 'session',
    });
    expect(res.headers['x-orgwarden-decision-id']).toMatch(ULID);
    expect(res.body).toBe('');
  });

  it('answers 401 with a Bearer challenge without a token, and with error="invalid_token" for a bad one', async () => {
    const none = await check(multi.port, style, 'GET', '/api/orgs/acme/members');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json).toEqual({
      error: 'unauthenticated',
      message: 'a valid bearer token is required',
    });
    const bad = await check(
      multi.port,
      style,
      'GET',
      '/api/orgs/acme/members',
      bearer('not.a.jwt'),
    );
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(bad.headers['x-orgwarden-user']).toBeUndefined();
  });

  it('answers 403 access_denied to a user naming an org she is not a member of', async () => {
    const res = await check(
      multi.port,
      style,
      'GET',
      '/api/orgs/acme/members',
      bearer(tokens.mallory!),
    );
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: 'access_denied', message: 'you may not act in this org' });
    expect(res.headers['x-orgwarden-error']).toBe('access_denied');
    expect(res.headers['x-orgwarden-org']).toBeUndefined();
  });

  const tricks: [string, string, string][] = [
    ['a dot-dot segment', '/api/orgs/acme/../globex', 'dot segment (. or ..)'],
    ['encoded slashes around a dot-dot', '/api/orgs/acme%2F..%2Fglobex', 'encoded slash (%2F)'],
    ['encoded backslashes', '/api/orgs/acme%5C..%5Cglobex', 'encoded backslash (%5C)'],
    ['a raw backslash', '/api/orgs/acme\\..\\globex', 'backslash'],
    ['an encoded dot-dot', '/api/orgs/acme/%2e%2e/globex', 'dot segment (. or ..)'],
    ['a double slash in front', '//api/orgs/acme', 'empty segment (double or trailing slash)'],
    ['a double slash inside', '/api/orgs//acme', 'empty segment (double or trailing slash)'],
    ['a trailing slash', '/api/orgs/acme/', 'empty segment (double or trailing slash)'],
    ['a dot segment', '/api/orgs/acme/./members', 'dot segment (. or ..)'],
    ['an encoded NUL', '/api/orgs/acme%00/members', 'encoded control character'],
    ['an encoded CRLF', '/api/orgs/acme%0D%0A/members', 'encoded control character'],
    [
      'double encoding',
      '/api/orgs/acme%252F..%252Fglobex',
      'encoded percent sign (%25: double encoding)',
    ],
    ['a path parameter', '/api/orgs/acme;jsessionid=1/members', 'path parameter (;)'],
    [
      'an overlong URI',
      `/api/resources/node/${'n'.repeat(MAX_URI_LENGTH)}`,
      `longer than ${MAX_URI_LENGTH} characters`,
    ],
  ];
  it.each(tricks)(
    'refuses %s with 403 invalid_path, before any decision',
    async (_name, uri, message) => {
      const res = await check(multi.port, style, 'GET', uri, bearer(tokens.alice!));
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: 'invalid_path',
        message: `the original path is refused: ${message}`,
      });
      expect(res.headers['x-orgwarden-decision-id']).toBeUndefined();
    },
  );

  it.each([['/API/orgs'], ['/api/ORGS'], ['/Api/Orgs/acme/members'], ['/api/orgs/acme/MEMBERS']])(
    'matches literal segments case-sensitively: %s is an unknown route (403)',
    async (uri) => {
      const res = await check(multi.port, style, 'GET', uri, bearer(tokens.alice!));
      expect(res.status).toBe(403);
      expect(res.json?.error).toBe('unknown_route');
    },
  );

  it('drops the query string and decodes encoded unreserved characters once', async () => {
    const res = await check(
      multi.port,
      style,
      'GET',
      '/api/orgs/%61cme/members?org=globex&x=/../y',
      bearer(tokens.alice!),
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-orgwarden-org']).toBe('acme');
  });
});

describe('reading the original request', () => {
  const alice = () => bearer(tokens.alice!);
  const refused = async (res: Promise<RawResponse>, message: string | RegExp) => {
    const r = await res;
    expect(r.status).toBe(403);
    expect(r.json?.error).toBe('invalid_request');
    expect(r.json?.message).toMatch(message);
  };

  it("refuses both header families at once (a client adding the other gateway's headers)", async () => {
    await refused(
      check(multi.port, 'nginx', 'DELETE', '/api/orgs/acme', {
        ...bearer(tokens.vera!),
        'x-forwarded-method': 'GET',
        'x-forwarded-uri': '/api/orgs/acme',
      }),
      'both x-original-method, x-original-uri and x-forwarded-method, x-forwarded-uri: ambiguous',
    );
    await refused(
      check(multi.port, 'caddy', 'DELETE', '/api/orgs/acme', {
        ...bearer(tokens.vera!),
        'x-original-uri': '/api/orgs/acme',
      }),
      /both x-original-uri and x-forwarded-method, x-forwarded-uri: ambiguous/,
    );
  });

  it('refuses an Envoy-style path together with header descriptions', async () => {
    await refused(
      check(multi.port, 'envoy', 'DELETE', '/api/orgs/acme', {
        ...alice(),
        'x-original-uri': '/api/orgs/acme',
      }),
      /ambiguous/,
    );
    await refused(
      check(multi.port, 'envoy', 'GET', '/api/orgs/acme', {
        ...alice(),
        'x-forwarded-method': 'GET',
      }),
      /ambiguous/,
    );
  });

  it('refuses a check request that describes no request, or half of one', async () => {
    await refused(
      rawRequest(multi.port, { path: '/v1/forward-auth', headers: alice() }),
      /^no original request/,
    );
    await refused(
      rawRequest(multi.port, {
        path: '/v1/forward-auth',
        headers: { ...alice(), 'x-forwarded-uri': '/api/orgs' },
      }),
      'x-forwarded-method is missing',
    );
    await refused(
      rawRequest(multi.port, {
        path: '/v1/forward-auth',
        headers: { ...alice(), 'x-original-method': 'GET' },
      }),
      'x-original-uri is missing',
    );
    await refused(
      check(multi.port, 'traefik', 'GE T', '/api/orgs', alice()),
      'x-forwarded-method is not a method',
    );
  });

  it('refuses a description, a credential, an org header or an org cookie given twice', async () => {
    await refused(
      rawRequest(multi.port, {
        path: '/v1/forward-auth',
        headers: {
          ...alice(),
          'x-forwarded-method': 'GET',
          'x-forwarded-uri': ['/api/orgs', '/api/orgs/acme'],
        },
      }),
      'x-forwarded-uri is given more than once',
    );
    await refused(
      check(multi.port, 'caddy', 'GET', '/api/orgs/acme', {
        authorization: [`Bearer ${tokens.mallory!}`, `Bearer ${tokens.alice!}`],
      }),
      'authorization is given more than once',
    );
    await refused(
      check(multi.port, 'caddy', 'GET', '/api/resources/node/n1', {
        ...alice(),
        'x-org-id': ['acme', 'globex'],
      }),
      'x-org-id is given more than once',
    );
    await refused(
      check(multi.port, 'caddy', 'GET', '/api/resources/node/n1', {
        ...alice(),
        cookie: 'org_id=acme; theme=dark; org_id=globex',
      }),
      'the org_id cookie is given more than once',
    );
  });

  it('ignores a query on /v1/forward-auth itself and a body on the check request', async () => {
    const res = await rawRequest(multi.port, {
      method: 'POST',
      path: '/v1/forward-auth?uri=/api/orgs/globex',
      headers: {
        ...alice(),
        'x-original-method': 'GET',
        'x-original-uri': '/api/orgs/acme/members',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-orgwarden-org']).toBe('acme');
  });

  it('takes the Envoy method from the check request itself and the path after the prefix', async () => {
    const res = await check(
      multi.port,
      'envoy',
      'DELETE',
      '/api/orgs/acme/members/carol',
      bearer(tokens.bob!),
    );
    expect(res.status).toBe(200);
    const wrongMethod = await check(
      multi.port,
      'envoy',
      'PATCH',
      '/api/orgs/acme/members/carol',
      bearer(tokens.bob!),
    );
    expect(wrongMethod.json?.error).toBe('unknown_route');
  });
});

describe('routes', () => {
  it('denies a route missing from the manifest (403 unknown_route), and a method it does not route', async () => {
    const missing = await check(multi.port, 'nginx', 'GET', '/api/secrets', bearer(tokens.alice!));
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual({
      error: 'unknown_route',
      message: 'no route for GET /api/secrets',
    });
    const method = await check(
      multi.port,
      'nginx',
      'PATCH',
      '/api/orgs/acme',
      bearer(tokens.alice!),
    );
    expect(method.json).toEqual({
      error: 'unknown_route',
      message: 'no route for PATCH /api/orgs/acme',
    });
  });

  it('reads /shares/incoming as the incoming list, never as a share named "incoming"', async () => {
    const list = await check(
      multi.port,
      'caddy',
      'GET',
      '/api/orgs/acme/shares/incoming',
      bearer(tokens.vera!),
    );
    expect(list.status).toBe(200);
    // An owner may delete shares, but DELETE /shares/incoming is not "delete the share incoming".
    const del = await check(
      multi.port,
      'caddy',
      'DELETE',
      '/api/orgs/acme/shares/incoming',
      bearer(tokens.alice!),
    );
    expect(del.status).toBe(403);
    expect(del.json?.error).toBe('unknown_route');
  });

  it('passes path parameters to the policy as context: an admin may remove an editor, not the owner', async () => {
    expect(
      (
        await check(
          multi.port,
          'nginx',
          'DELETE',
          '/api/orgs/acme/members/carol',
          bearer(tokens.bob!),
        )
      ).status,
    ).toBe(200);
    const owner = await check(
      multi.port,
      'nginx',
      'DELETE',
      '/api/orgs/acme/members/alice',
      bearer(tokens.bob!),
    );
    expect(owner.status).toBe(403);
    expect(owner.json?.error).toBe('owner_role_immutable');
  });

  it('denies every request when no manifest is loaded (a bundle without policy.routes)', async () => {
    const bare = await startForwardAuthApp({ multiTenant: true, routes: null });
    try {
      const res = await check(bare.port, 'envoy', 'GET', '/api/orgs/acme', bearer(tokens.alice!));
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: 'unknown_route',
        message: 'no route manifest is loaded (policy.routes)',
      });
    } finally {
      await bare.app.stop();
    }
  });
});

describe('org precedence', () => {
  it('takes the org from the path; the org cookie does not change it', async () => {
    const res = await check(multi.port, 'traefik', 'GET', '/api/orgs/acme/members', {
      ...bearer(tokens.alice!),
      cookie: 'org_id=globex',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-orgwarden-org']).toBe('acme');
  });

  it('refuses an org header that names another org than the path (403 org_mismatch), even for a member of both', async () => {
    const res = await check(multi.port, 'traefik', 'GET', '/api/orgs/acme/members', {
      ...bearer(tokens.alice!),
      'X-Org-ID': 'globex',
    });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: 'org_mismatch',
      message: 'the path names org "acme" but X-Org-ID names another',
    });
    const same = await check(multi.port, 'traefik', 'GET', '/api/orgs/acme/members', {
      ...bearer(tokens.alice!),
      'x-org-id': 'acme',
    });
    expect(same.status).toBe(200);
  });

  it('takes the data-plane org from the header, else the cookie, else the default org', async () => {
    const both = await check(multi.port, 'nginx', 'PUT', '/api/resources/node/n1', {
      ...bearer(tokens.carol!),
      'x-org-id': 'acme',
      cookie: 'org_id=globex',
    });
    expect([
      both.status,
      both.headers['x-orgwarden-org'],
      both.headers['x-orgwarden-role'],
    ]).toEqual([200, 'acme', 'editor']);
    const cookie = await check(multi.port, 'nginx', 'GET', '/api/resources/node/n1', {
      ...bearer(tokens.alice!),
      cookie: 'theme=dark; org_id=globex',
    });
    expect([
      cookie.status,
      cookie.headers['x-orgwarden-org'],
      cookie.headers['x-orgwarden-role'],
    ]).toEqual([200, 'globex', 'viewer']);
    const none = await check(
      multi.port,
      'nginx',
      'GET',
      '/api/resources/node/n1',
      bearer(tokens.alice!),
    );
    expect([none.status, none.headers['x-orgwarden-org']]).toEqual([200, 'default']);
  });

  it('denies a data-plane request naming an org the caller is not in', async () => {
    const res = await check(multi.port, 'nginx', 'PUT', '/api/resources/node/n1', {
      ...bearer(tokens.carol!),
      'x-org-id': 'globex',
    });
    expect([res.status, res.json?.error]).toEqual([403, 'access_denied']);
  });

  it('binds an API token to its org: no header means its org, another org is refused', async () => {
    const bound = await check(
      multi.port,
      'envoy',
      'DELETE',
      '/api/resources/node/n1',
      bearer(tokens.acmeToken!),
    );
    expect(bound.status).toBe(200);
    expect(bound.headers).toMatchObject({
      'x-orgwarden-user': 'tok-acme',
      'x-orgwarden-org': 'acme',
      'x-orgwarden-role': '',
      'x-orgwarden-principal-kind': 'api_token',
    });
    const other = await check(multi.port, 'envoy', 'GET', '/api/resources/node/n1', {
      ...bearer(tokens.acmeToken!),
      'x-org-id': 'globex',
    });
    expect([other.status, other.json?.error]).toEqual([403, 'access_denied']);
  });

  it("ignores the org header for the caller's own orgs (GET /api/orgs is about the user)", async () => {
    const res = await check(multi.port, 'caddy', 'GET', '/api/orgs', {
      ...bearer(tokens.mallory!),
      'x-org-id': 'acme',
    });
    expect([res.status, res.headers['x-orgwarden-org']]).toEqual([200, 'default']);
  });

  it("logs forward-auth decisions with kind forward_auth and the path as the org's source", async () => {
    const res = await check(
      logged.port,
      'nginx',
      'GET',
      '/api/orgs/globex/members',
      bearer(tokens.alice!),
    );
    const id = res.headers['x-orgwarden-decision-id'];
    const deadline = Date.now() + 5000;
    let entry: Record<string, unknown> | undefined;
    while (!entry && Date.now() < deadline) {
      let text = '';
      try {
        text = readFileSync(logged.file, 'utf8');
      } catch {
        // not written yet
      }
      entry = text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e.decision_id === id);
      if (!entry) await new Promise((r) => setTimeout(r, 20));
    }
    expect(entry).toMatchObject({
      kind: 'forward_auth',
      action: 'org.members.list',
      requested_org: { id: 'globex', source: 'path' },
      allow: true,
    });
  });
});

describe('answers', () => {
  const expectDeny = async (
    port: number,
    method: string,
    uri: string,
    token: string,
    status: number,
    error: string,
    headers: Record<string, string> = {},
  ) => {
    const res = await check(port, 'caddy', method, uri, { ...bearer(token), ...headers });
    expect([res.status, res.json?.error]).toEqual([status, error]);
    expect(res.headers['x-orgwarden-error']).toBe(error);
    expect(res.headers['x-orgwarden-user']).toBeUndefined();
    return res;
  };

  it("403 for a role below the action's minimum, a token without the scope, a token on a session-only action", async () => {
    await expectDeny(
      multi.port,
      'DELETE',
      '/api/orgs/acme',
      tokens.vera!,
      403,
      'insufficient_role',
    );
    await expectDeny(
      multi.port,
      'PUT',
      '/api/resources/node/n1',
      tokens.readOnlyToken!,
      403,
      'missing_scope',
    );
    await expectDeny(
      multi.port,
      'POST',
      '/api/orgs/acme/members',
      tokens.acmeToken!,
      403,
      'session_required',
    );
  });

  it('403 for a suspended org', async () => {
    await expectDeny(multi.port, 'GET', '/api/orgs/frozen', tokens.gina!, 403, 'org_suspended');
  });

  it("403 (not 400) for the contract's 400 reasons: the gateway refuses, the reason says why", async () => {
    await expectDeny(
      multi.port,
      'PUT',
      '/api/orgs/default',
      tokens['root-admin']!,
      403,
      'default_org_immutable',
    );
    await expectDeny(
      multi.port,
      'DELETE',
      '/api/orgs/acme/members/alice',
      tokens.bob!,
      403,
      'owner_role_immutable',
    );
  });

  it('404 not_found for an org in the path that does not exist; 403 invalid_org when it came from the header', async () => {
    const res = await expectDeny(
      multi.port,
      'GET',
      '/api/orgs/nope',
      tokens.alice!,
      404,
      'not_found',
    );
    expect(res.json?.message).toBe('not found');
    await expectDeny(
      multi.port,
      'GET',
      '/api/resources/node/n1',
      tokens.alice!,
      403,
      'invalid_org',
      { 'x-org-id': 'nope' },
    );
  });

  it('percent-encodes a user id that is not plain ASCII in X-Orgwarden-User', async () => {
    const res = await check(multi.port, 'nginx', 'GET', '/api/orgs', bearer(tokens.nonAscii!));
    expect(res.status).toBe(200);
    expect(res.headers['x-orgwarden-user']).toBe('zo%C3%AB%20%C3%BC');
  });

  describe('while multi-tenant is off', () => {
    it.each([
      ['GET', '/api/orgs'],
      ['POST', '/api/orgs'],
      ['GET', '/api/orgs/acme'],
      ['GET', '/api/orgs/default/members'],
      ['GET', '/api/orgs/nope/shares/incoming'],
      ['GET', '/api/admin/orgs/default/billing-state'],
    ])(
      'answers 404 not_found to the org route %s %s (invisible, not forbidden)',
      async (method, uri) => {
        await expectDeny(single.port, method, uri, tokens.alice!, 404, 'not_found');
      },
    );

    it('still answers 401 before anything about orgs', async () => {
      const res = await check(single.port, 'caddy', 'GET', '/api/orgs/acme');
      expect(res.status).toBe(401);
    });

    it('lets data-plane requests through in the default org, and answers 403 feature_disabled for another org', async () => {
      const ok = await check(
        single.port,
        'caddy',
        'GET',
        '/api/resources/node/n1',
        bearer(tokens.alice!),
      );
      expect([ok.status, ok.headers['x-orgwarden-org']]).toEqual([200, 'default']);
      await expectDeny(
        single.port,
        'GET',
        '/api/resources/node/n1',
        tokens.alice!,
        403,
        'feature_disabled',
        { 'x-org-id': 'acme' },
      );
    });
  });
});
