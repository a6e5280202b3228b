/**
 * The runbook's "Redis lost the directory" procedure, on two replicas sharing a private
 * redis-server (flushed here; never the shared 6379): after a revocation, the data is lost; the
 * revoked member is never allowed again on either replica, both answer directory_unavailable and
 * /readyz 503 with the reason, until the operator refreshes the directory file and confirms with
 * POST /v1/admin/directory/seed. Then both serve the refreshed directory, the revocation included.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIRECTORY, postJson, session } from '../support/app.js';
import {
  startScratchRedis,
  tempDir,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
  type TempDir,
} from './helpers.js';
import { ADMIN_TOKEN, startReplicas, write, type Replica } from './replica-scenarios.js';

const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

let server: ScratchRedis;
let tmp: TempDir;
let file: string;
let a: Replica;
let b: Replica;

/** What beforeAll has started, undone in reverse order after the suite (also after a half-failed start). */
const undo: (() => unknown)[] = [];

beforeAll(async () => {
  server = await startScratchRedis();
  undo.push(() => server.kill());
  tmp = await tempDir();
  undo.push(() => tmp.remove());
  file = await tmp.file('directory.yaml', await readFile(FIXTURE_DIRECTORY, 'utf8'));
  [a, b] = await startReplicas(
    { url: server.url, key_prefix: uniquePrefix(), command_timeout_ms: 1000 },
    file,
  );
  undo.push(() => Promise.all([a.app.stop(), b.app.stop()]));
});

afterAll(async () => {
  for (const step of undo.reverse()) await step();
});

async function decide(
  replica: Replica,
  user: string,
): Promise<{ allow: boolean; reason: string | null }> {
  const res = await postJson(`${replica.url}/v1/authorize`, {
    token: await session(user),
    org: 'acme',
    action: 'resource.read',
  });
  expect(res.status).toBe(200);
  return { allow: res.json?.allow as boolean, reason: res.json?.reason ?? null };
}

async function seed(replica: Replica, body: unknown, headers: Record<string, string> = ADMIN) {
  return postJson(`${replica.url}/v1/admin/directory/seed`, body, headers);
}

describe('Redis lost the directory: two replicas', () => {
  it('never allow the revoked member again, report why, and serve the refreshed directory once the operator confirms', async () => {
    await write(a, 'DELETE', 'acme/members/bob');
    for (const r of [a, b]) expect((await decide(r, 'bob')).allow).toBe(false);

    const redis = new Redis(server.url);
    await redis.flushdb();
    redis.disconnect();

    // From the loss on, bob is never allowed; each replica ends on directory_unavailable.
    await waitUntil(
      async () => {
        const answers = await Promise.all([
          decide(a, 'bob'),
          decide(b, 'bob'),
          decide(a, 'alice'),
          decide(b, 'alice'),
        ]);
        for (const answer of answers.slice(0, 2)) expect(answer.allow).toBe(false);
        return answers.every((answer) => answer.reason === 'directory_unavailable');
      },
      5000,
      20,
    );
    for (const r of [a, b]) {
      const ready = await fetch(`${r.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as {
        checks: Record<string, boolean>;
        reasons?: Record<string, string>;
      };
      expect(body.checks.directory).toBe(false);
      expect(body.reasons?.directory).toMatch(/^seed held: the redis prefix is empty/);
      const status = await fetch(`${r.url}/v1/admin/directory/seed`, { headers: ADMIN });
      expect(await status.json()).toMatchObject({ state: 'held' });
    }

    // Refused confirmations change nothing.
    expect((await seed(a, { source: 'file' }, {})).status).toBe(401);
    const bad = await seed(a, { source: 'backup' });
    expect(bad.status).toBe(400);
    expect(bad.json?.error?.message).toBe('source: must be "file" or "empty", got "backup"');
    expect((await seed(a, {})).json?.error?.message).toMatch(/^source: required/);
    expect((await decide(b, 'alice')).reason).toBe('directory_unavailable');

    // The runbook: refresh the file from the main API (bob is gone there), then confirm on one replica.
    const refreshed = (await readFile(file, 'utf8')).replace(
      /^\s*- \{ user: bob, role: admin \}\n/m,
      '',
    );
    expect(refreshed).not.toMatch(/user: bob/);
    await writeFile(file, refreshed);
    const confirmed = await seed(a, { source: 'file' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json).toMatchObject({
      source: 'file',
      skipped: 0,
      state: 'ready',
      reason: null,
    });
    expect(confirmed.json?.written).toBeGreaterThan(0);

    await waitUntil(async () => (await decide(b, 'alice')).allow, 3000, 20);
    for (const r of [a, b]) {
      expect(await decide(r, 'alice')).toEqual({ allow: true, reason: 'allowed' });
      expect(await decide(r, 'bob')).toMatchObject({ allow: false, reason: 'access_denied' });
      expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
    }
    const again = await seed(b, { source: 'file' });
    expect(again.status).toBe(409);
    expect(again.json?.error?.code).toBe('conflict');
  });
});
