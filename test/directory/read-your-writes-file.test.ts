/**
 * Read your writes in one process with the file directory: a decision asked with the revision a
 * write answered reflects that write; a revision this process has not reached is waited for up to
 * `directory.revision_wait_ms` and then denied `directory_revision_not_reached` (503, retryable);
 * a value that is not an integer from 0 is refused (400) and decides nothing.
 */
import { copyFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIRECTORY, postJson, session, startTestApp } from '../support/app.js';
import { tempDir } from './helpers.js';
import { ADMIN_TOKEN } from './replica-scenarios.js';

interface SurfaceApp {
  url: string;
  stop(): Promise<void>;
}

/** An app over a private copy of the fixture directory, waiting `waitMs` for a revision. */
async function startSurfaceApp(waitMs: number): Promise<SurfaceApp> {
  const tmp = await tempDir();
  const file = await tmp.file('directory.yaml', '');
  await copyFile(FIXTURE_DIRECTORY, file);
  const { app, url } = await startTestApp({
    extra: { directory: { file, revision_wait_ms: waitMs } },
  });
  return {
    url,
    async stop() {
      await app.stop();
      await tmp.remove();
    },
  };
}

let s: SurfaceApp;
const WAIT_MS = 150;

beforeAll(async () => {
  s = await startSurfaceApp(WAIT_MS);
});
afterAll(() => s.stop());

async function write(method: 'PUT' | 'DELETE', path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${s.url}/v1/directory/orgs/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { revision: number }).revision;
}

const ask = async (min: unknown) =>
  postJson(`${s.url}/v1/authorize`, {
    token: await session('zed'),
    org: 'acme',
    action: 'resource.read',
    min_directory_revision: min,
  });

describe('min_directory_revision with the file directory', () => {
  it('reflects the write whose revision it names: grant, then revoke', async () => {
    const granted = await write('PUT', 'acme/members/zed', { role: 'viewer' });
    expect((await ask(granted)).json).toMatchObject({ allow: true, reason: 'allowed' });
    const revoked = await write('DELETE', 'acme/members/zed');
    expect(revoked).toBeGreaterThan(granted);
    expect((await ask(revoked)).json).toMatchObject({ allow: false, reason: 'access_denied' });
    // an older revision is reached already: no wait, the current state
    expect((await ask(0)).json).toMatchObject({ allow: false, reason: 'access_denied' });
  });

  it('denies directory_revision_not_reached (503) after the wait when the revision is ahead', async () => {
    const current = await write('PUT', 'acme/members/zed', { role: 'viewer' });
    const started = performance.now();
    const res = await ask(current + 1);
    const waited = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      allow: false,
      reason: 'directory_revision_not_reached',
      status: 503,
    });
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 10);
    expect(waited).toBeLessThan(WAIT_MS + 2000);
  });

  it('answers as soon as a write reaches the revision during the wait', async () => {
    const longer = await startSurfaceApp(5000);
    try {
      const current = await (async () => {
        const res = await fetch(`${longer.url}/v1/directory/orgs/acme/members/zed`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ role: 'viewer' }),
        });
        return ((await res.json()) as { revision: number }).revision;
      })();
      const pending = postJson(`${longer.url}/v1/authorize`, {
        token: await session('zed'),
        org: 'acme',
        action: 'resource.read',
        min_directory_revision: current + 1,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = performance.now();
      await fetch(`${longer.url}/v1/directory/orgs/acme/members/zed`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const res = await pending;
      expect(performance.now() - started).toBeLessThan(2000);
      expect(res.json).toMatchObject({ allow: false, reason: 'access_denied' });
    } finally {
      await longer.stop();
    }
  });

  it.each([-1, 1.5, '3', null, true, 2 ** 53])(
    'refuses min_directory_revision %j with 400',
    async (bad) => {
      const res = await ask(bad);
      expect(res.status).toBe(400);
      expect(res.text).toContain('min_directory_revision');
    },
  );

  it('batch items, AuthZEN and events take it too, and deny when it is not reached', async () => {
    const current = await write('PUT', 'acme/members/zed', { role: 'viewer' });
    const item = {
      token: await session('zed'),
      org: 'acme',
      action: 'resource.read',
      min_directory_revision: current + 1,
    };
    const batch = await postJson(`${s.url}/v1/authorize/batch`, { items: [item] });
    expect(batch.json?.results?.[0]).toMatchObject({ reason: 'directory_revision_not_reached' });
    const authzen = await postJson(`${s.url}/access/v1/evaluation`, {
      subject: { type: 'user', id: 'zed' },
      action: { name: 'org.read' },
      resource: { type: 'org', id: 'acme' },
      context: { min_directory_revision: current + 1 },
    });
    expect(authzen.json).toMatchObject({
      decision: false,
      context: { reason: 'directory_revision_not_reached', status: 503, retryable: true },
    });
    const refused = await postJson(`${s.url}/access/v1/evaluation`, {
      subject: { type: 'user', id: 'zed' },
      action: { name: 'org.read' },
      resource: { type: 'org', id: 'acme' },
      context: { min_directory_revision: 'soon' },
    });
    expect(refused.status).toBe(400);
    const events = await postJson(`${s.url}/v1/events/filter`, {
      channel: 'websocket',
      event: { type: 'alert', org: 'acme' },
      recipients: [{ id: 'r1', user: 'zed', org: 'acme' }],
      min_directory_revision: current + 1,
    });
    expect(events.json?.denied).toEqual([{ id: 'r1', reason: 'directory_revision_not_reached' }]);
  });
});
