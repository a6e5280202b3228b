/**
 * The surfaces over the shared Redis directory (real Redis): each delivery, job run and features
 * request reads the directory through the replica's cache, so a write made on one replica is seen
 * by the next call on that replica at once and on another replica within the propagation bound.
 * And a Redis that cannot answer denies (fail closed), never delivers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deletePrefix,
  startScratchRedis,
  uniquePrefix,
  waitUntil,
  type ScratchRedis,
} from '../directory/helpers.js';
import { postJson, session } from '../support/app.js';
import { startSurfaceApp, type SurfaceApp } from './helpers.js';

const acmeEvent = (recipients: { id: string; user: string; org: string }[]) => ({
  channel: 'websocket',
  event: { type: 'alert', org: 'acme' },
  recipients,
});

describe('two replicas sharing one Redis', () => {
  const prefix = uniquePrefix();
  let a: SurfaceApp;
  let b: SurfaceApp;
  beforeAll(async () => {
    const redis = { url: 'redis://127.0.0.1:6379/0', key_prefix: prefix };
    a = await startSurfaceApp({ multiTenant: true, redis });
    b = await startSurfaceApp({ multiTenant: true, redis });
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await deletePrefix(prefix);
  });

  it('a removed member stops receiving: next delivery on the writing replica, within 1 s on the other', async () => {
    const body = acmeEvent([{ id: 'v1', user: 'vera', org: 'acme' }]);
    expect((await postJson(`${a.url}/v1/events/filter`, body)).json?.allowed).toEqual(['v1']);
    expect((await postJson(`${b.url}/v1/events/filter`, body)).json?.allowed).toEqual(['v1']); // b's cache is warm
    await a.app.directory.removeMember('acme', 'vera');
    expect((await postJson(`${a.url}/v1/events/filter`, body)).json?.denied).toEqual([
      { id: 'v1', reason: 'access_denied' },
    ]);
    await waitUntil(
      async () => (await postJson(`${b.url}/v1/events/filter`, body)).json?.denied?.length === 1,
      1000,
    );
  });

  it('a job of a since-removed admin is denied on every replica', async () => {
    const job = {
      job: {
        id: 'j1',
        type: 'export',
        org: 'acme',
        enqueued_by: { user: 'bob' },
        action: 'org.update',
      },
    };
    expect((await postJson(`${b.url}/v1/jobs/authorize`, job)).json?.allow).toBe(true);
    await a.app.directory.removeMember('acme', 'bob');
    expect((await postJson(`${a.url}/v1/jobs/authorize`, job)).json).toMatchObject({
      allow: false,
      reason: 'access_denied',
    });
    await waitUntil(
      async () =>
        (await postJson(`${b.url}/v1/jobs/authorize`, job)).json?.reason === 'access_denied',
      1000,
    );
  });

  it('features lists the orgs from the shared directory', async () => {
    const res = await fetch(`${b.url}/v1/features`, {
      headers: { authorization: `Bearer ${await session('carol')}` },
    });
    expect(await res.json()).toEqual({
      multi_tenant: true,
      orgs: [
        { id: 'default', role: 'viewer' },
        { id: 'acme', role: 'editor' },
      ],
    });
  });
});

describe('a Redis that cannot answer', () => {
  let redis: ScratchRedis;
  let s: SurfaceApp;
  beforeAll(async () => {
    redis = await startScratchRedis();
    s = await startSurfaceApp({
      multiTenant: true,
      redis: { url: redis.url, key_prefix: uniquePrefix(), command_timeout_ms: 50 },
    });
    await redis.kill();
  });
  afterAll(() => s.stop());

  it('events: every recipient is denied directory_unavailable', async () => {
    const res = await postJson(
      `${s.url}/v1/events/filter`,
      acmeEvent([
        { id: 'a', user: 'alice', org: 'acme' },
        { id: 'm', user: 'mallory', org: 'acme' },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      allowed: [],
      denied: [
        { id: 'a', reason: 'directory_unavailable' },
        { id: 'm', reason: 'directory_unavailable' },
      ],
    });
  });

  it('jobs: denied directory_unavailable (503)', async () => {
    const res = await postJson(`${s.url}/v1/jobs/authorize`, {
      job: {
        id: 'j',
        type: 't',
        org: 'acme',
        enqueued_by: { user: 'alice' },
        action: 'resource.read',
      },
    });
    expect(res.json).toMatchObject({ allow: false, reason: 'directory_unavailable', status: 503 });
  });

  it('features: 503 with the error document, never a partial list', async () => {
    const res = await fetch(`${s.url}/v1/features`, {
      headers: { authorization: `Bearer ${await session('alice')}` },
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { code: 'unavailable', message: 'the directory cannot answer' },
    });
  });
});
