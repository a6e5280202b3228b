/**
 * The kill-switch procedures of docs/runbook.md, end to end on two replicas sharing Redis: turn
 * multi-tenant off on one replica and check, on the other, everything the runbook promises users
 * see — decisions, forward-auth, the features gate, resources of other orgs, API tokens — then
 * turn it back on and check nothing was merged or lost.
 */
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { apiToken, postJson, session, startTestApp, TEST_BUNDLE } from '../support/app.js';
import type { ResponseBody } from '../support/response-body.js';
import { deletePrefix, uniquePrefix, waitUntil } from '../directory/helpers.js';
import { getTenancy, putTenancy } from './helpers.js';

const ROUTES = path.resolve('policies', 'routes.yaml');
const apps: App[] = [];
const prefix = uniquePrefix();
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(async () => {
  await deletePrefix(prefix);
});

async function replica() {
  const started = await startTestApp({
    multiTenant: true,
    redis: { url: 'redis://127.0.0.1:6379/0', key_prefix: prefix },
    extra: { policy: { bundle: TEST_BUNDLE, routes: ROUTES, watch: false } },
  });
  apps.push(started.app);
  return started;
}

const decide = async (url: string, body: Record<string, unknown>) =>
  (await postJson(`${url}/v1/authorize`, body)).json;
const features = async (url: string, token: string) =>
  (await fetch(`${url}/v1/features`, { headers: { authorization: `Bearer ${token}` } })).text();
const forwardAuth = (url: string, uri: string, token: string) =>
  fetch(`${url}/v1/forward-auth${uri}`, { headers: { authorization: `Bearer ${token}` } });

describe('runbook: the kill switch', () => {
  it('off on one replica: every replica answers as the runbook says, nothing is merged; on again restores it all', async () => {
    const a = await replica();
    const b = await replica();
    const alice = await session('alice');
    const carol = await session('carol');
    const boundToAcme = await apiToken('tok_acme', { scope: 'monitoring:read', org_id: 'acme' });

    // before: multi-tenant
    expect(await decide(b.url, { token: alice, org: 'acme', action: 'org.read' })).toMatchObject({
      allow: true,
      role: 'owner',
    });
    expect(
      (JSON.parse(await features(b.url, alice)) as ResponseBody).orgs?.map((o) => o.id),
    ).toEqual(['default', 'acme', 'globex']);

    // the procedure: PUT on any replica
    const put = await putTenancy(a.url, { multi_tenant: false });
    expect(put.json).toMatchObject({ multi_tenant: false, changed: true, store: 'redis' });
    await waitUntil(() => !b.app.tenancy.isMultiTenant(), 1000);
    for (const { url } of [a, b]) {
      expect((await getTenancy(url)).json).toMatchObject({ multi_tenant: false, synced: true });
      expect(await fetch(`${url}/metrics`).then((r) => r.text())).toMatch(
        /^orgwarden_multi_tenant 0$/m,
      );
    }

    // what users see (on the other replica)
    expect(await decide(b.url, { token: alice, org: 'acme', action: 'org.read' })).toMatchObject({
      allow: false,
      reason: 'feature_disabled',
      status: 501,
      detail: 'org_not_default',
    });
    expect(
      await decide(b.url, { token: alice, org: 'nonexistent', action: 'org.read' }),
    ).toMatchObject({ reason: 'feature_disabled' }); // existing or not: same answer
    expect(await decide(b.url, { token: alice, action: 'org.members.list' })).toMatchObject({
      reason: 'feature_disabled',
      detail: 'org_management',
    });
    expect(await features(b.url, alice)).toBe('{"multi_tenant":false}');
    const orgRoute = await forwardAuth(b.url, '/api/orgs/acme', alice);
    expect([orgRoute.status, ((await orgRoute.json()) as { error: string }).error]).toEqual([
      404,
      'not_found',
    ]);
    const dataPlane = await forwardAuth(b.url, '/api/resources/node/n1', alice);
    expect([dataPlane.status, dataPlane.headers.get('x-orgwarden-org')]).toEqual([200, 'default']);

    // data of non-default orgs is unreachable, whichever way it is asked for
    expect(
      await decide(b.url, {
        token: alice,
        action: 'resource.read',
        resource: { type: 'node', id: 'n1', org: 'acme' },
      }),
    ).toMatchObject({ reason: 'feature_disabled', detail: 'resource_org_not_default' });
    expect(await decide(b.url, { token: boundToAcme, action: 'resource.read' })).toMatchObject({
      reason: 'feature_disabled',
      detail: 'org_not_default',
    });
    // nothing merged: carol, an editor of acme, is only what the default org says she is
    expect(await decide(b.url, { token: carol, action: 'resource.write' })).toMatchObject({
      allow: false,
      reason: 'insufficient_role',
      effective_org: 'default',
      role: 'viewer',
    });

    // on again: the orgs, roles and shares are back as they were
    expect((await putTenancy(b.url, { multi_tenant: true })).status).toBe(200);
    await waitUntil(() => a.app.tenancy.isMultiTenant(), 1000);
    expect(await decide(a.url, { token: alice, org: 'acme', action: 'org.read' })).toMatchObject({
      allow: true,
      role: 'owner',
    });
    expect(
      await decide(a.url, { token: carol, org: 'acme', action: 'resource.write' }),
    ).toMatchObject({ allow: true, role: 'editor' });
    expect(await decide(a.url, { token: boundToAcme, action: 'resource.read' })).toMatchObject({
      allow: true,
      effective_org: 'acme',
    });
    expect(
      (JSON.parse(await features(a.url, alice)) as ResponseBody).orgs?.map((o) => o.id),
    ).toEqual(['default', 'acme', 'globex']);
  });
});
