/**
 * The two flavours of forward-auth cannot drift: for generated requests — methods, paths built
 * from route segments, traversal and encoding tricks, tokens of every kind, org headers and
 * cookies, spoofed identity headers, multi-tenant on and off — Envoy's gRPC ext_authz answers
 * exactly what the HTTP route answers an Envoy-style check: the same status, the same body, the
 * same headers (decision ids aside, which differ per decision but are present on both or neither).
 * The HTTP answer's transport headers (content-length, date, connection) are not the answer's;
 * nor is an allow's cache-control, since a gRPC allow's headers go to the upstream request.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startForwardAuthApp, check } from '../forward-auth/helpers.js';
import { apiToken, session } from '../support/app.js';
import { fuzzParams } from '../support/fuzz.js';
import { checkClient, checkRequestFor, normalise, type CheckClient } from '../grpc/client.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const TRANSPORT = new Set(['content-length', 'date', 'connection', 'keep-alive']);
const SEGMENTS = [
  'api',
  'orgs',
  'acme',
  'globex',
  'frozen',
  'default',
  'nope',
  'members',
  'carol',
  'alice',
  'shares',
  'incoming',
  'resources',
  'node',
  'n1',
  'admin',
  'billing-state',
  '%61cme',
  'olivia%40example.com',
  '..',
  '.',
  '',
  '%2e%2e',
  '%2F',
  '%5C',
  'acme;x=1',
  '%00',
  'ACME',
];

const ROUTED = [
  '/api/orgs',
  '/api/orgs/acme',
  '/api/orgs/globex',
  '/api/orgs/frozen',
  '/api/orgs/nope',
  '/api/orgs/default',
  '/api/orgs/acme/members',
  '/api/orgs/acme/members/carol',
  '/api/orgs/acme/members/alice',
  '/api/orgs/acme/shares/incoming',
  '/api/resources/node/n1',
  '/api/admin/orgs/default/billing-state',
];

interface World {
  app: App;
  port: number;
  grpc: CheckClient;
}
let worlds: { multi: World; single: World };
const tokens: Record<string, string> = {};

async function world(multiTenant: boolean): Promise<World> {
  const { app, port } = await startForwardAuthApp({ multiTenant, grpc: true });
  return { app, port, grpc: await checkClient(app.grpc!.port) };
}

beforeAll(async () => {
  worlds = { multi: await world(true), single: await world(false) };
  for (const user of ['alice', 'bob', 'carol', 'vera', 'mallory', 'gina', 'root-admin'])
    tokens[user] = await session(user);
  tokens.acmeToken = await apiToken('tok-acme', { scope: '*', org_id: 'acme' });
  tokens.readOnlyToken = await apiToken('tok-ro', { scope: 'settings:read', org_id: 'acme' });
  tokens.garbage = 'not.a.jwt';
});
afterAll(async () => {
  for (const w of Object.values(worlds)) w.grpc.close();
  await Promise.all(Object.values(worlds).map((w) => w.app.stop()));
});

const request = fc.record({
  world: fc.constantFrom<'multi' | 'single'>('multi', 'single'),
  // Upper case only: node's HTTP client upper-cases methods, so the HTTP side cannot send 'get'.
  method: fc.oneof(
    { arbitrary: fc.constant('GET'), weight: 4 },
    { arbitrary: fc.constantFrom('HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'), weight: 3 },
  ),
  path: fc
    .tuple(
      fc.oneof(
        // Mostly paths the manifest routes (so allows and every deny reason come up), else noise.
        { arbitrary: fc.constantFrom(...ROUTED), weight: 3 },
        {
          arbitrary: fc
            .array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 6 })
            .map((segments) => `/${segments.join('/')}`),
          weight: 2,
        },
      ),
      fc.option(fc.constantFrom('?org=globex', '?x=/../y', '?'), { nil: '' }),
    )
    .map(([path, query]) => `${path}${query}`),
  token: fc.option(fc.constantFrom(...Object.keys(tokensShape())), { nil: undefined, freq: 8 }),
  orgHeader: fc.option(
    fc.tuple(
      fc.constantFrom('x-org-id', 'X-Org-ID'),
      fc.constantFrom('acme', 'globex', 'nope', 'default', 'frozen', 'Acme', ''),
    ),
    { nil: undefined, freq: 2 },
  ),
  cookie: fc.option(
    fc.constantFrom('org_id=globex', 'theme=dark; org_id=acme', 'org_id=acme; org_id=globex'),
    { nil: undefined, freq: 2 },
  ),
  spoof: fc.option(fc.constantFrom('x-orgwarden-user', 'x-orgwarden-org', 'x-orgwarden-role'), {
    nil: undefined,
    freq: 2,
  }),
});

/** The token names the generator picks from (minted in beforeAll). */
function tokensShape(): Record<string, true> {
  return Object.fromEntries(
    ['alice', 'bob', 'carol', 'vera', 'mallory', 'gina', 'root-admin']
      .concat(['acmeToken', 'readOnlyToken', 'garbage'])
      .map((n) => [n, true]),
  );
}

function comparable(status: number, headers: Record<string, string | undefined>, body: string) {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || TRANSPORT.has(name)) continue;
    if (status === 200 && name === 'cache-control') continue;
    if (name === 'x-orgwarden-decision-id') {
      expect(value).toMatch(ULID);
      kept[name] = '<ulid>';
    } else kept[name] = value;
  }
  return { status, headers: kept, body };
}

describe('gRPC ext_authz and HTTP forward-auth give one answer', () => {
  it('for every generated request: same status, body and headers', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const w = worlds[r.world];
        const headers: Record<string, string> = {};
        if (r.token) headers.authorization = `Bearer ${tokens[r.token] ?? ''}`;
        if (r.orgHeader) headers[r.orgHeader[0]] = r.orgHeader[1];
        if (r.cookie) headers.cookie = r.cookie;
        if (r.spoof) headers[r.spoof] = 'forged';

        const http = await check(w.port, 'envoy', r.method, r.path, headers);
        const flat: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(http.headers))
          flat[k] = Array.isArray(v) ? v.join(', ') : v;
        const outcome = await w.grpc.check(checkRequestFor(r.method, r.path, headers));
        if (!outcome.ok) throw outcome.error;
        const grpc = normalise(outcome.response);
        // HEAD answers carry no body over HTTP; the gRPC denial still describes it.
        const grpcBody = r.method === 'HEAD' ? '' : grpc.body;
        expect(comparable(grpc.status, grpc.headers, grpcBody)).toEqual(
          comparable(http.status, flat, http.body),
        );
        statuses.add(http.status);
      }),
      fuzzParams(150, 5000),
    );
    // The generator reached allows and the denials that matter, not just one kind of answer.
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 401, 403, 404]));
  });
});
