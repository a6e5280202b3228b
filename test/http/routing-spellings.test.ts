/**
 * Every registered route — read from the declared route table (`app.routes`), which is also what
 * registers them, not from a list kept here — in every spelling a client could send:
 * without the caller token each answers 401 from the guard, or 400 when its target is refused
 * before routing, and no handler runs (the kill switch, the directory, the policy and the
 * decision counters stay as they were). With the caller token, the registered spelling reaches
 * its route and case variants reach none. Requests go over a raw socket, so absolute-form and
 * other targets go on the wire exactly as written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../support/raw-http.js';
import {
  CALLER_HEADER,
  CALLER_TOKEN,
  concreteMethod,
  concretePath,
  GUARD_REFUSAL,
  guardedRoutes,
  observableState,
  publicPaths,
  refusedBeforeAnyRoute,
  requestFor,
  startWalkApp,
  type WalkApp,
} from '../support/route-walk.js';

let walk: WalkApp;
beforeAll(async () => {
  walk = await startWalkApp();
});
afterAll(() => walk.app.stop());

const alternateCase = (p: string) =>
  Array.from(p)
    .map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase()))
    .join('');

/** Spellings of a registered path; `port` for absolute-form. */
const SPELLINGS: [string, (path: string, port: number) => string][] = [
  ['as registered', (p) => p],
  ['/V1/ upper-cased', (p) => p.replace(/^\/v1\//, '/V1/')],
  ['all upper case', (p) => p.toUpperCase()],
  ['mixed case', alternateCase],
  ['%76 for the v of /v1 (decoded: the same path)', (p) => p.replace(/^\/v/, '/%76')],
  ['absolute-form', (p, port) => `http://127.0.0.1:${port}${p}`],
  [
    'absolute-form, upper-case scheme and path',
    (p, port) => `HTTP://127.0.0.1:${port}${p.toUpperCase()}`,
  ],
  ['a trailing slash', (p) => `${p}/`],
  ['a // prefix', (p) => `/${p}`],
  ['%2F for the slash after /v1 (one segment: no route)', (p) => p.replace(/^\/v1\//, '/v1%2F')],
  ['%2f (lower case) for the slash after /v1', (p) => p.replace(/^\/v1\//, '/v1%2f')],
  ['a backslash for the slash after /v1', (p) => p.replace(/^\/v1\//, '/v1\\')],
  ['a dot segment', (p) => p.replace(/^\/v1\//, '/v1/./')],
  ['a dot-dot segment', (p) => `/x/..${p}`],
  ['an encoded dot-dot segment', (p) => `/x/%2e%2E${p}`],
];

describe('the route inventory', () => {
  it('lists the decision routes and the express routes, as registered', () => {
    const listed = walk.app.routes.map((r) => `${r.method} ${r.path}`);
    for (const route of [
      'POST /v1/authorize',
      'ANY /v1/forward-auth/*',
      'GET /healthz',
      'GET /metrics',
      'PUT /v1/admin/tenancy',
      'GET /v1/admin/tenancy',
      'PUT /v1/directory/orgs/:org/members/:user',
      'GET /v1/features',
    ])
      expect(listed).toContain(route);
    expect(walk.app.routes.filter((r) => r.surface === 'decision').length).toBeGreaterThan(0);
  });
});

describe('without the caller token, no spelling of a guarded route reaches its handler', () => {
  it.each(SPELLINGS)('%s', async (_name, spell) => {
    const before = await observableState(walk);
    for (const route of guardedRoutes(walk.app)) {
      const method = concreteMethod(route);
      const path = concretePath(route);
      const target = spell(path, walk.port);
      const answer = await sendRaw(walk.port, {
        method,
        target,
        ...requestFor(walk, method, path),
      });
      expect(
        refusedBeforeAnyRoute(answer),
        `${method} ${target} → ${answer.status} ${answer.body}`,
      ).toBe(true);
    }
    expect(await observableState(walk)).toEqual(before);
  });

  it("the registered spelling and case variants get the guard's 401, absolute-form a 400 naming the form", async () => {
    for (const route of guardedRoutes(walk.app)) {
      const method = concreteMethod(route);
      const path = concretePath(route);
      for (const target of [path, path.replace(/^\/v1\//, '/V1/')]) {
        const answer = await sendRaw(walk.port, {
          method,
          target,
          ...requestFor(walk, method, path),
        });
        expect([target, answer.status, answer.json]).toEqual([target, 401, GUARD_REFUSAL]);
      }
      const absolute = await sendRaw(walk.port, {
        method,
        target: `http://127.0.0.1:${walk.port}${path}`,
        ...requestFor(walk, method, path),
      });
      expect(absolute.status).toBe(400);
      expect(absolute.json).toEqual({
        error: {
          code: 'invalid_request',
          message:
            'request target refused: absolute-form and authority-form targets are not served; send the path only',
        },
      });
    }
  });

  it('an asterisk-form target is refused before routing, an authority-form one is never served', async () => {
    const asterisk = await sendRaw(walk.port, { method: 'OPTIONS', target: '*' });
    expect([asterisk.status, asterisk.json]).toEqual([
      400,
      {
        error: {
          code: 'invalid_request',
          message: 'request target refused: asterisk-form (*) is not served; send a path',
        },
      },
    ]);
    const authority = await sendRaw(walk.port, {
      method: 'CONNECT',
      target: `127.0.0.1:${walk.port}`,
    });
    expect(authority.status === 0 || authority.status >= 400).toBe(true);
  });

  it('a path that is no route needs the caller token too (opting out is explicit)', async () => {
    expect((await sendRaw(walk.port, { method: 'GET', target: '/v2/anything' })).json).toEqual(
      GUARD_REFUSAL,
    );
    expect((await sendRaw(walk.port, { method: 'GET', target: '/nothing-here' })).json).toEqual(
      GUARD_REFUSAL,
    );
    const withToken = await sendRaw(walk.port, {
      method: 'GET',
      target: '/nothing-here',
      headers: { [CALLER_HEADER]: CALLER_TOKEN },
    });
    expect(withToken.status).toBe(404);
  });
});

describe('public routes', () => {
  it('are the probes, the metrics scrape and the AuthZEN metadata, as the table declares them', () => {
    expect(publicPaths(walk.app).sort()).toEqual([
      '/.well-known/authzen-configuration',
      '/healthz',
      '/metrics',
      '/readyz',
    ]);
  });

  it.each(['/healthz', '/readyz', '/metrics', '/.well-known/authzen-configuration'])(
    '%s answers without the caller token, only as registered',
    async (path) => {
      expect((await sendRaw(walk.port, { method: 'GET', target: path })).status).toBe(200);
      expect(
        (await sendRaw(walk.port, { method: 'GET', target: path.toUpperCase() })).json,
      ).toEqual(GUARD_REFUSAL);
      expect((await sendRaw(walk.port, { method: 'GET', target: `${path}/` })).status).toBe(400);
      expect(
        (
          await sendRaw(walk.port, {
            method: 'GET',
            target: `http://127.0.0.1:${walk.port}${path}`,
          })
        ).status,
      ).toBe(400);
    },
  );
});

describe('with the caller token', () => {
  it('a case variant of any route reaches no route (404): routing is case-sensitive everywhere', async () => {
    for (const route of guardedRoutes(walk.app)) {
      const method = concreteMethod(route);
      const path = concretePath(route);
      const request = requestFor(walk, method, path);
      const answer = await sendRaw(walk.port, {
        method,
        // The first letter of the first segment: /V1/authorize, /Access/v1/evaluation.
        target: path.replace(/^\/(\w)/, (_m, c: string) => `/${c.toUpperCase()}`),
        headers: { ...request.headers, [CALLER_HEADER]: CALLER_TOKEN },
        ...(request.body ? { body: request.body } : {}),
      });
      // `/ui/` is the one path served with its trailing slash, as that exact target only: a
      // variant (`/Ui/`) is an empty last segment like any other, refused before routing (400).
      const expected = path.endsWith('/') ? 400 : 404;
      expect([`${method} ${path}`, answer.status]).toEqual([`${method} ${path}`, expected]);
    }
    expect(walk.app.tenancy.isMultiTenant()).toBe(true);
  });

  it('/v1/authorize decides, and an encoded unreserved character is the same path', async () => {
    for (const target of ['/v1/authorize', '/%761/%61uthorize']) {
      const { headers, body } = requestFor(walk, 'POST', '/v1/authorize');
      const answer = await sendRaw(walk.port, {
        method: 'POST',
        target,
        headers: { ...headers, [CALLER_HEADER]: CALLER_TOKEN },
        ...(body ? { body } : {}),
      });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ allow: true, effective_org: 'acme' });
    }
  });

  // Last: it runs every handler, writes included.
  it('the registered spelling of every route reaches its route', async () => {
    for (const route of guardedRoutes(walk.app)) {
      const method = concreteMethod(route);
      const path = concretePath(route);
      const { headers, body } = requestFor(walk, method, path);
      const answer = await sendRaw(walk.port, {
        method,
        target: path,
        headers: { ...headers, [CALLER_HEADER]: CALLER_TOKEN },
        ...(body ? { body } : {}),
      });
      const message =
        (answer.json as { error?: { message?: string } } | undefined)?.error?.message ?? '';
      expect(refusedBeforeAnyRoute(answer), `${method} ${path}: ${answer.body}`).toBe(false);
      expect(message.startsWith('no route for'), `${method} ${path}: ${answer.body}`).toBe(false);
    }
  });
});
