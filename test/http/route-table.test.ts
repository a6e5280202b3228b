/**
 * The declared route table: every route with its method, path, operation name, auth level and,
 * for admin routes, the role it needs is listed here (a new route needs a row; an admin route
 * without a role cannot be listed), a table that lacks an auth level, a role or an operation name is
 * refused before the server starts, and each level is enforced on a running orgwarden that
 * requires the caller token: `public` answers without any credential, `caller` is 401 without
 * the caller token, `admin` is 401 without the admin token and 403 with a wrong one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declareRoutes, type Route } from '../../src/http/route-table.js';
import { sendRaw } from '../support/raw-http.js';
import {
  CALLER_HEADER,
  CALLER_TOKEN,
  concreteMethod,
  concretePath,
  GUARD_REFUSAL,
  observableState,
  requestFor,
  startWalkApp,
  type WalkApp,
} from '../support/route-walk.js';

const TABLE = [
  'POST /v1/authorize authorize caller',
  'POST /v1/authorize/batch authorize_batch caller',
  'POST /v1/events/filter events_filter caller',
  'POST /v1/jobs/authorize jobs_authorize caller',
  'POST /access/v1/evaluation authzen_evaluation caller',
  'POST /access/v1/evaluations authzen_evaluations caller',
  'GET /.well-known/authzen-configuration authzen_configuration public',
  'ANY /v1/forward-auth/* forward_auth caller',
  'GET /healthz healthz public',
  'GET /readyz readyz public',
  'GET /metrics metrics public',
  'GET /v1/policy policy_status caller',
  'POST /v1/admin/policy/reload policy_reload admin operator',
  'GET /v1/admin/policy/shadow policy_shadow_status admin auditor',
  'POST /v1/admin/policy/shadow policy_shadow_load admin operator',
  'DELETE /v1/admin/policy/shadow policy_shadow_clear admin operator',
  'GET /v1/admin/tenancy tenancy_status admin auditor',
  'PUT /v1/admin/tenancy tenancy_set admin operator',
  'GET /v1/admin/rollout rollout_status admin auditor',
  'PUT /v1/admin/rollout rollout_set admin operator',
  'GET /v1/admin/audit audit_read admin auditor',
  'GET /v1/features features caller',
  'GET /v1/directory/orgs/:org directory_org_get admin auditor',
  'PUT /v1/directory/orgs/:org directory_org_put admin directory-writer',
  'DELETE /v1/directory/orgs/:org directory_org_delete admin directory-writer',
  'PUT /v1/directory/orgs/:org/members/:user directory_member_put admin directory-writer',
  'DELETE /v1/directory/orgs/:org/members/:user directory_member_delete admin directory-writer',
  'GET /v1/admin/directory/seed directory_seed_status admin auditor',
  'POST /v1/admin/directory/seed directory_seed_confirm admin operator',
  'GET /v1/openapi.json openapi caller',
  'GET /ui/ ui_page admin auditor',
  'GET /ui/explorer.js ui_script admin auditor',
  'GET /ui/explorer.css ui_style admin auditor',
  'GET /ui/api/decisions ui_decisions admin auditor',
  'GET /ui/api/overview ui_overview admin auditor',
];

let walk: WalkApp;
beforeAll(async () => {
  walk = await startWalkApp();
});
afterAll(() => walk.app.stop());

const WRONG_ADMIN = { authorization: 'Bearer not-the-admin-token-0123456789' };

describe('the table', () => {
  it('declares every route with its operation, auth level and (admin routes) role', () => {
    expect(
      walk.app.routes.map(
        (r) => `${r.method} ${r.path} ${r.operation} ${r.auth}${r.role ? ` ${r.role}` : ''}`,
      ),
    ).toEqual(TABLE);
  });

  it('every admin route names a role, and no other route does', () => {
    for (const route of walk.app.routes)
      expect([route.path, route.method, route.role !== null]).toEqual([
        route.path,
        route.method,
        route.auth === 'admin',
      ]);
  });
});

describe('each auth level is enforced', () => {
  it('public: answers 200 without any credential', async () => {
    for (const route of walk.app.routes.filter((r) => r.auth === 'public')) {
      const answer = await sendRaw(walk.port, { method: route.method, target: route.path });
      expect([route.path, answer.status]).toEqual([route.path, 200]);
    }
  });

  it('caller and admin: 401 from the caller guard without the caller token, nothing changed', async () => {
    const before = await observableState(walk);
    for (const route of walk.app.routes.filter((r) => r.auth !== 'public')) {
      const method = concreteMethod(route);
      const path = concretePath(route);
      const answer = await sendRaw(walk.port, {
        method,
        target: path,
        ...requestFor(walk, method, path),
      });
      expect([`${method} ${path}`, answer.status, answer.json]).toEqual([
        `${method} ${path}`,
        401,
        GUARD_REFUSAL,
      ]);
    }
    expect(await observableState(walk)).toEqual(before);
  });

  it('admin: with the caller token, 401 without the admin token and 403 with a wrong one, nothing changed', async () => {
    const before = await observableState(walk);
    for (const route of walk.app.routes.filter((r) => r.auth === 'admin')) {
      const method = concreteMethod(route);
      const path = concretePath(route);
      const { body } = requestFor(walk, method, path);
      const send = (headers: Record<string, string>) =>
        sendRaw(walk.port, {
          method,
          target: path,
          headers: {
            [CALLER_HEADER]: CALLER_TOKEN,
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          ...(body ? { body } : {}),
        });
      const none = await send({});
      expect([
        `${method} ${path}`,
        none.status,
        (none.json as { error: { code: string } }).error.code,
      ]).toEqual([`${method} ${path}`, 401, 'unauthorized']);
      // The explorer, which a browser opens, challenges with Basic; every other admin route Bearer.
      expect(none.headers['www-authenticate']).toBe(
        path.startsWith('/ui/') ? 'Basic realm="orgwarden", charset="UTF-8"' : 'Bearer',
      );
      const wrong = await send(WRONG_ADMIN);
      expect([
        `${method} ${path}`,
        wrong.status,
        (wrong.json as { error: { code: string } }).error.code,
      ]).toEqual([`${method} ${path}`, 403, 'forbidden']);
    }
    expect(await observableState(walk)).toEqual(before);
  });

  it('caller: with the caller token (and no admin token) the route runs', async () => {
    for (const route of walk.app.routes.filter((r) => r.auth === 'caller' && r.method !== 'ANY')) {
      const method = concreteMethod(route);
      const path = concretePath(route);
      const { headers, body } = requestFor(walk, method, path);
      const answer = await sendRaw(walk.port, {
        method,
        target: path,
        headers: { ...headers, [CALLER_HEADER]: CALLER_TOKEN },
        ...(body ? { body } : {}),
      });
      expect([`${method} ${path}`, answer.status]).toEqual([`${method} ${path}`, 200]);
    }
  });
});

describe('a table the server would not start with', () => {
  const handle = () => Promise.resolve();
  const route = (over: Record<string, unknown>): Route => ({
    surface: 'decision',
    method: 'POST',
    path: '/v1/x',
    operation: 'x',
    auth: 'caller',
    handle,
    ...over,
  });
  it.each([
    [
      'no auth level',
      { auth: undefined },
      'route POST /v1/x: no auth level; declare one of public, caller, admin',
    ],
    ['an unknown auth level', { auth: 'none' }, 'route POST /v1/x: no auth level'],
    ['no operation name', { operation: undefined }, 'route POST /v1/x: no operation name'],
    ['an empty operation name', { operation: '' }, 'route POST /v1/x: no operation name'],
    ['the reserved operation name', { operation: 'other' }, 'route POST /v1/x: no operation name'],
    ['no handler', { handle: undefined }, 'route POST /v1/x: no handler'],
    [
      'an admin route without a role (fails closed: the server does not start)',
      { auth: 'admin' },
      'route POST /v1/x: an admin route must declare the role it needs, one of auditor, operator, directory-writer, admin',
    ],
    [
      'an admin route with an unknown role',
      { auth: 'admin', role: 'root' },
      'route POST /v1/x: an admin route must declare the role it needs',
    ],
    [
      'a role on a route that is not admin',
      { role: 'operator' },
      'route POST /v1/x: only admin routes declare a role (auth is "caller")',
    ],
    ['an unknown method', { method: 'PATCH' }, 'route PATCH /v1/x: method must be one of'],
    [
      'ANY on express',
      { surface: 'management', method: 'ANY' },
      'route ANY /v1/x: ANY and prefix paths are for decision routes only',
    ],
  ])('%s', (_name, over, message) => {
    expect(() => declareRoutes([route(over)])).toThrow(message);
  });

  it('two routes with one method and path, or one operation name twice', () => {
    expect(() => declareRoutes([route({}), route({ operation: 'y' })])).toThrow(
      'route POST /v1/x: declared twice',
    );
    expect(() => declareRoutes([route({}), route({ path: '/v1/y' })])).toThrow(
      'route POST /v1/y: operation "x" is already declared',
    );
  });

  it('a path public for one method and not for another (the caller guard reads paths only)', () => {
    expect(() =>
      declareRoutes([route({ auth: 'public', method: 'GET', operation: 'y' }), route({})]),
    ).toThrow('route POST /v1/x: the path has a public route');
  });
});
