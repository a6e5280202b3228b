/**
 * `orgwarden rollout advance` and `hold` never overwrite a change made between their read of the
 * rollout and their write: the write carries the rollout they decided on (`expected_rollout`), and
 * the sidecar refuses it with 409 when another operator changed the rollout meanwhile (here: a
 * rollback made while the command is on its way). One process, no Redis: the precondition is the
 * sidecar's, whatever its store.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { App } from '../../src/app.js';
import { rollout } from '../../src/cli/rollout.js';
import { startTestApp } from '../support/app.js';
import { ADMIN } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'orgwarden-rollout-race-'));
const planFile = join(dir, 'rollout.yaml');
writeFileSync(
  planFile,
  stringify({
    default_org: 'default',
    stages: [
      { name: 'pilot', cohort: { mode: 'cohort', orgs: ['acme'] }, sign_off: { role: 'owner' } },
      { name: 'on', cohort: { mode: 'on' }, sign_off: { role: 'owner' } },
    ],
  }),
);
const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command; just before its PUT reaches the sidecar, another operator sets `meanwhile`. */
async function racedBy(url: string, meanwhile: object, ...argv: string[]) {
  const lines: string[] = [];
  const racing: typeof fetch = async (input, init) => {
    if (init?.method === 'PUT') {
      const res = await fetch(`${url}/v1/admin/rollout`, {
        method: 'PUT',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify(meanwhile),
      });
      expect(res.status).toBe(200);
    }
    return fetch(input, init);
  };
  const code = await rollout([...argv, '--plan', planFile, '--url', url], {
    out: (line) => lines.push(line),
    env: { ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
    now: Date.now,
    fetch: racing,
  });
  return { code, out: lines.join('\n') };
}

async function start() {
  const { app, url } = await startTestApp({ extra: { tenancy: { rollout: { mode: 'off' } } } });
  apps.push(app);
  return { app, url };
}

describe('orgwarden rollout: a change made meanwhile is never overwritten', () => {
  it('advance after a concurrent rollback is refused (409) and the rollback stays', async () => {
    const { app, url } = await start();
    const result = await racedBy(
      url,
      { mode: 'off', reason: 'incident 42' },
      'advance',
      '--signed-off-by',
      'alice',
    );
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/the sidecar answered 409: the rollout changed since it was read/);
    expect(app.tenancy.status().rollout).toMatchObject({ mode: 'off', reason: 'incident 42' });
  });

  it('hold after a concurrent stage change is refused and the change stays', async () => {
    const { app, url } = await start();
    const result = await racedBy(url, { mode: 'on', stage: 1 }, 'hold');
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/409/);
    expect(app.tenancy.status().rollout).toMatchObject({ mode: 'on', stage: 1, held: false });
  });

  it('a write meanwhile that changed nothing does not refuse the advance', async () => {
    const { app, url } = await start();
    const result = await racedBy(url, { mode: 'off' }, 'advance', '--signed-off-by', 'alice');
    expect(result.code).toBe(0);
    expect(app.tenancy.status().rollout).toMatchObject({ mode: 'cohort', stage: 0 });
  });
});
