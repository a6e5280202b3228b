/**
 * Walking every registered route of a real orgwarden: an app that requires the caller token, with a
 * directory file of its own (writes are applied to it), the concrete request for each route of
 * `app.routes` — a body its handler would accept, the credential it would want — and the state a
 * handler that ran would have changed.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app.js';
import type { RegisteredRoute } from '../../src/http/route-inventory.js';
import { FIXTURE_DIRECTORY, session, startTestApp, TEST_BUNDLE } from './app.js';
import type { RawAnswer } from './raw-http.js';

export const CALLER_TOKEN = 'caller-token-for-route-walks-0123456789';
export const CALLER_HEADER = 'x-orgwarden-caller-token';
const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface WalkApp {
  app: App;
  port: number;
  directoryFile: string;
  /** A session for alice, owner of acme. */
  userToken: string;
}

export async function startWalkApp(): Promise<WalkApp> {
  const directoryFile = path.join(
    mkdtempSync(path.join(os.tmpdir(), 'orgwarden-route-walk-')),
    'directory.yaml',
  );
  copyFileSync(FIXTURE_DIRECTORY, directoryFile);
  const { app } = await startTestApp({
    multiTenant: true,
    directoryFile,
    extra: {
      server: { host: '127.0.0.1', port: 0, caller_token_env: 'ORGWARDEN_CALLER_TOKEN' },
      policy: { bundle: TEST_BUNDLE, routes: path.resolve('policies', 'routes.yaml') },
      authzen: { base_url: 'https://pdp.example.com' },
    },
    env: { ORGWARDEN_CALLER_TOKEN: CALLER_TOKEN },
  });
  return {
    app,
    port: (app.http.server.address() as { port: number }).port,
    directoryFile,
    userToken: await session('alice'),
  };
}

/** The routes that need the caller token: all but the ones the table declares public. */
export const guardedRoutes = (app: App): RegisteredRoute[] =>
  app.routes.filter((r) => r.auth !== 'public');

/** The paths the table declares public (answered without the caller token). */
export const publicPaths = (app: App): string[] => [
  ...new Set(app.routes.filter((r) => r.auth === 'public').map((r) => r.path)),
];

/** Sample values for path parameters: an org and a member that exist, so a handler would act. */
const PARAMS: Record<string, string> = { org: 'acme', user: 'carol' };

/** The route's path with its parameters filled in (`*` becomes an Envoy-style original path). */
export function concretePath(route: RegisteredRoute): string {
  return route.path
    .replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => PARAMS[name] ?? 'x')
    .replace(/\/\*$/, '/api/orgs/acme');
}

/** A method the route answers (`ANY` takes one no other route of the path has). */
export const concreteMethod = (route: RegisteredRoute): string =>
  route.method === 'ANY' ? 'GET' : route.method;

/**
 * Headers and body that the route's handler would act on: the admin token for admin and directory
 * routes, the user's token elsewhere, and a body whose effect is visible in `observableState`.
 */
export function requestFor(
  walk: WalkApp,
  method: string,
  path: string,
): { headers: Record<string, string>; body?: string } {
  const admin = path.startsWith('/v1/admin/') || path.startsWith('/v1/directory/');
  const headers: Record<string, string> = {
    authorization: `Bearer ${admin ? ADMIN_TOKEN : walk.userToken}`,
  };
  const json = bodyFor(method, path, walk.userToken);
  if (json === undefined) return { headers };
  return {
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  };
}

function bodyFor(method: string, path: string, token: string): unknown {
  if (method === 'GET' || method === 'DELETE') return undefined;
  const authorize = { token, org: 'acme', action: 'org.read' };
  if (path === '/v1/authorize') return authorize;
  if (path === '/v1/authorize/batch') return { items: [authorize] };
  if (path === '/v1/events/filter')
    return {
      channel: 'websocket',
      event: { type: 'alert', org: 'acme' },
      recipients: [{ id: 's1', user: 'alice', org: 'acme' }],
    };
  if (path === '/v1/jobs/authorize')
    return {
      job: {
        id: 'j1',
        type: 'report',
        org: 'acme',
        enqueued_by: { user: 'alice' },
        action: 'org.read',
      },
    };
  const authzen = {
    subject: { type: 'user', id: 'alice', properties: { token } },
    action: { name: 'org.read' },
    resource: { type: 'org', id: 'acme' },
  };
  if (path === '/access/v1/evaluation') return authzen;
  if (path === '/access/v1/evaluations') return { ...authzen, evaluations: [{}] };
  if (path === '/v1/admin/tenancy') return { multi_tenant: false };
  if (path === '/v1/admin/policy/shadow') return { bundle: TEST_BUNDLE };
  if (/^\/v1\/directory\/orgs\/[^/]+\/members\//.test(path)) return { role: 'viewer' };
  if (path.startsWith('/v1/directory/orgs/'))
    return { status: 'suspended', members: [{ user: 'alice', role: 'owner' }] };
  return undefined;
}

/** Everything a handler that ran would have changed: the kill switch, the directory, the policy, decisions made. */
export async function observableState(walk: WalkApp): Promise<Record<string, unknown>> {
  const { app } = walk;
  const counter = async (name: string) => {
    const metric = app.metrics.registry.getSingleMetric(name);
    const values = metric ? (await metric.get()).values : [];
    return values.reduce((sum, v) => sum + v.value, 0);
  };
  return {
    multiTenant: app.tenancy.isMultiTenant(),
    acme: await app.directory.getOrg('acme'),
    directoryFile: readFileSync(walk.directoryFile, 'utf8'),
    lastReload: app.rollout.lastReload(),
    shadow: app.rollout.shadow.status()?.revision ?? null,
    decisions: await counter('orgwarden_decisions_total'),
    forwardAuthRefusals: await counter('orgwarden_forward_auth_refusals_total'),
  };
}

export const GUARD_REFUSAL = {
  error: { code: 'unauthorized', message: `missing or wrong ${CALLER_HEADER}` },
};

/**
 * Answered by the caller-token guard, or refused as a target before it — by orgwarden, or by
 * Node's HTTP parser (a bare 400 with no body, for a target it cannot parse): no route ran.
 */
export function refusedBeforeAnyRoute(answer: RawAnswer): boolean {
  if (answer.status === 401) return JSON.stringify(answer.json) === JSON.stringify(GUARD_REFUSAL);
  if (answer.status !== 400) return false;
  if (answer.body === '') return true;
  const error = (answer.json as { error?: { code?: unknown; message?: unknown } } | undefined)
    ?.error;
  return (
    error?.code === 'invalid_request' &&
    typeof error.message === 'string' &&
    error.message.startsWith('request target refused: ')
  );
}
