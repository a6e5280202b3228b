/**
 * A policy reload keeps the forward-auth route manifest honest: a candidate whose catalogue drops
 * an action the manifest maps a route to, or flips that action's org-management flag (which
 * decides whether the route is invisible while multi-tenant is off), is refused at the `routes`
 * step; the active policy keeps serving, and the route keeps answering as before.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { session, startTestApp } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { reload, rewrite, scratch, type Scratch } from './helpers.js';

let tmp: Scratch;
const apps: App[] = [];
beforeAll(() => {
  tmp = scratch();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop()));
});
afterAll(() => tmp.remove());

async function withCatalogue(
  edit: (actions: Record<string, { org_management: boolean }>) => void,
): Promise<Buffer> {
  return rewrite(readFileSync(TEST_BUNDLE), (files) => {
    const data = JSON.parse(files.get('data.json')!.toString()) as {
      orgwarden: { catalogue: { actions: Record<string, { org_management: boolean }> } };
    };
    edit(data.orgwarden.catalogue.actions);
    files.set('data.json', Buffer.from(JSON.stringify(data)));
  });
}

async function start(name: string) {
  const file = tmp.publish(name, readFileSync(TEST_BUNDLE));
  const started = await startTestApp({
    multiTenant: true,
    extra: {
      policy: { bundle: file, routes: path.resolve('policies', 'routes.yaml'), watch: false },
    },
  });
  apps.push(started.app);
  const token = await session('carol');
  const chat = () =>
    fetch(`${started.url}/v1/forward-auth`, {
      headers: {
        'x-forwarded-method': 'POST',
        'x-forwarded-uri': '/api/ai/chat',
        'x-org-id': 'acme',
        authorization: `Bearer ${token}`,
      },
    });
  return { ...started, file, chat };
}

describe('the routes step of a reload', () => {
  it('refuses a catalogue without an action a route maps to; the route keeps working', async () => {
    const { url, app, file, chat } = await start('drop-action.tar.gz');
    const revision = app.policy.current()!.revision;
    expect((await chat()).status).toBe(200);
    tmp.publish(path.basename(file), await withCatalogue((actions) => delete actions['ai.chat']));
    const res = await reload(url);
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: 'policy_rejected', step: 'routes' });
    expect(res.json.error?.message).toBe(
      "the route manifest maps routes to actions this policy's catalogue lacks: ai.chat",
    );
    expect(res.json.last_reload).toMatchObject({ ok: false, step: 'routes', changed: false });
    expect(app.policy.current()!.revision).toBe(revision);
    expect((await chat()).status).toBe(200);
  });

  it("refuses a flip of a route action's org_management flag", async () => {
    const { url, file } = await start('flip-flag.tar.gz');
    tmp.publish(
      path.basename(file),
      await withCatalogue((actions) => (actions['ai.chat']!.org_management = true)),
    );
    const res = await reload(url);
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: 'policy_rejected', step: 'routes' });
    expect(res.json.error?.message).toContain(
      'changes org_management of action(s) the route manifest uses (ai.chat)',
    );
  });

  it('accepts a catalogue that only adds an action', async () => {
    const { url, file } = await start('add-action.tar.gz');
    tmp.publish(
      path.basename(file),
      await withCatalogue((actions) => {
        actions['reports.export'] = {
          ...(actions['resource.read'] as object),
          org_management: false,
        };
      }),
    );
    const res = await reload(url);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, changed: true });
  });
});
