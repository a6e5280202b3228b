/**
 * `ANY /v1/forward-auth[/*]` on a real orgwarden (compiled policy, fixture directory, real HS256
 * tokens), called the way each gateway calls it — NGINX, Traefik, Caddy and Envoy — without a
 * gateway in between. The cases (every answer, the identity headers, org precedence, every
 * traversal or encoding trick refused before a decision) are the shared table of `cases.ts`,
 * which the gRPC flavour (test/grpc/check.test.ts) runs too; this file adds what only an HTTP
 * check request can get wrong (no description at all, a description header given twice, a query
 * or body on the check request itself) and the decision log.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { apiToken, session, startTestApp, TEST_BUNDLE } from '../support/app.js';
import { caseHeaders, FORWARD_AUTH_CASES, flavoursOf, type Who, type World } from './cases.js';
import { expectAnswer } from './expect-answer.js';
import { rawRequest, type RawResponse } from './gateway-harness.js';
import {
  bearer,
  check,
  DEFAULT_ROUTES,
  startForwardAuthApp,
  STYLES,
  type Style,
} from './helpers.js';

let worlds: Record<World, { app: App; port: number }>;
let logged: { app: App; port: number; file: string };
const tokens = {} as Record<Who, string>;

beforeAll(async () => {
  worlds = {
    multi: await startForwardAuthApp({ multiTenant: true }),
    single: await startForwardAuthApp({ multiTenant: false }),
    bare: await startForwardAuthApp({ multiTenant: true, routes: null }),
  };
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orgwarden-fa-log-')), 'decisions.log');
  const { app } = await startTestApp({
    multiTenant: true,
    extra: {
      policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES },
      decision_log: { sink: 'file', file },
    },
  });
  logged = { app, port: (app.http.server.address() as { port: number }).port, file };
  for (const user of ['alice', 'bob', 'carol', 'vera', 'mallory', 'gina', 'root-admin'] as const)
    tokens[user] = await session(user);
  tokens.acmeToken = await apiToken('tok-acme', { scope: '*', org_id: 'acme' });
  tokens.readOnlyToken = await apiToken('tok-ro', { scope: 'settings:read', org_id: 'acme' });
  tokens.nonAscii = await session('zoë ü');
});
afterAll(async () => {
  await Promise.all([...Object.values(worlds).map((w) => w.app.stop()), logged.app.stop()]);
});

describe.each(STYLES)('%s style: the shared cases', (style: Style) => {
  const cases = FORWARD_AUTH_CASES.filter((c) => flavoursOf(c).includes(style));
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await check(
      worlds[c.world ?? 'multi'].port,
      style,
      c.method,
      c.uri,
      caseHeaders(c, tokens),
    );
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(res.headers))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    expectAnswer({ status: res.status, headers, body: res.body }, c.expect);
  });
});

describe('reading the original request (HTTP check requests only)', () => {
  const alice = () => bearer(tokens.alice);
  const refused = async (res: Promise<RawResponse>, message: string | RegExp) => {
    const r = await res;
    expect(r.status).toBe(403);
    expect(r.json?.error).toBe('invalid_request');
    expect(r.json?.message).toMatch(message);
  };

  it('refuses a check request that describes no request, or half of one', async () => {
    const port = worlds.multi.port;
    await refused(
      rawRequest(port, { path: '/v1/forward-auth', headers: alice() }),
      /^no original request/,
    );
    await refused(
      rawRequest(port, {
        path: '/v1/forward-auth',
        headers: { ...alice(), 'x-forwarded-uri': '/api/orgs' },
      }),
      'x-forwarded-method is missing',
    );
    await refused(
      rawRequest(port, {
        path: '/v1/forward-auth',
        headers: { ...alice(), 'x-original-method': 'GET' },
      }),
      'x-original-uri is missing',
    );
  });

  it('refuses a description header given twice', async () => {
    await refused(
      rawRequest(worlds.multi.port, {
        path: '/v1/forward-auth',
        headers: {
          ...alice(),
          'x-forwarded-method': 'GET',
          'x-forwarded-uri': ['/api/orgs', '/api/orgs/acme'],
        },
      }),
      'x-forwarded-uri is given more than once',
    );
  });

  it('ignores a query on /v1/forward-auth itself and a body on the check request', async () => {
    const res = await rawRequest(worlds.multi.port, {
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
});

describe('decision log', () => {
  it("logs forward-auth decisions with kind forward_auth and the path as the org's source", async () => {
    const res = await check(
      logged.port,
      'nginx',
      'GET',
      '/api/orgs/globex/members',
      bearer(tokens.alice),
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
