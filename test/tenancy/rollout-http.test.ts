/**
 * The staged rollout over HTTP on a single process (no Redis): a cohort from the config key,
 * per-org invisibility on every surface (authorize, features, forward-auth), the kill switch that
 * keeps the rollout, `GET|PUT /v1/admin/rollout` with refusals that name the field and change
 * nothing, the rollout metrics, and the `onChange` hook the audit log listens on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { RolloutChange } from '../../src/tenancy/index.js';
import { postJson, session, startTestApp, testConfigDoc } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { check, DEFAULT_ROUTES } from '../forward-auth/helpers.js';
import { ADMIN, putTenancy } from './helpers.js';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

const PILOT = { mode: 'cohort', orgs: ['acme'] };

async function start(rollout: Record<string, unknown> = PILOT) {
  const started = await startTestApp({
    extra: {
      tenancy: { rollout },
      policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES },
    },
  });
  apps.push(started.app);
  const port = (started.app.http.server.address() as { port: number }).port;
  return { ...started, port };
}

async function authorize(url: string, user: string, org: string, extra: object = {}) {
  const res = await postJson(`${url}/v1/authorize`, {
    token: await session(user),
    org,
    action: 'org.read',
    ...extra,
  });
  return res.json as { allow: boolean; reason: string; multi_tenant: boolean };
}

async function features(url: string, user: string) {
  const res = await fetch(`${url}/v1/features`, {
    headers: { authorization: `Bearer ${await session(user)}` },
  });
  return res.json();
}

async function putRollout(url: string, body: unknown) {
  const res = await fetch(`${url}/v1/admin/rollout`, {
    method: 'PUT',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function getRollout(url: string) {
  const res = await fetch(`${url}/v1/admin/rollout`, { headers: ADMIN });
  return (await res.json()) as Record<string, unknown>;
}

async function metric(url: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('a cohort stage: per-org invisibility', () => {
  it('an org in the cohort is multi-tenant; one outside answers feature_disabled, as all-off', async () => {
    const { url } = await start();
    expect(await authorize(url, 'alice', 'acme')).toMatchObject({
      allow: true,
      multi_tenant: true,
    });
    expect(await authorize(url, 'erin', 'globex')).toMatchObject({
      allow: false,
      reason: 'feature_disabled',
      multi_tenant: false,
    });
    // the default org stays single-tenant during a cohort stage (no org management there)
    expect(await authorize(url, 'alice', 'default')).toMatchObject({
      reason: 'feature_disabled',
      multi_tenant: false,
    });
    // a resource of an org outside the cohort is never reached from one inside it
    expect(
      await authorize(url, 'erin', 'globex', {
        action: 'resource.read',
        resource: { type: 'node', id: 'n1', org: 'acme' },
      }),
    ).toMatchObject({ allow: false, reason: 'feature_disabled', multi_tenant: false });
  });

  it('/v1/features: only cohort orgs are listed (with the default org); outside only: multi_tenant false', async () => {
    const { url } = await start();
    // alice: owner of acme (in), viewer of globex (out)
    expect(await features(url, 'alice')).toEqual({
      multi_tenant: true,
      orgs: [
        { id: 'default', role: null },
        { id: 'acme', role: 'owner' },
      ],
    });
    // erin belongs only to globex, outside the cohort: exactly what the all-off switch answers
    expect(await features(url, 'erin')).toEqual({ multi_tenant: false });
    // a user with no org at all
    expect(await features(url, 'mallory')).toEqual({ multi_tenant: false });
  });

  it('forward-auth: org routes of an org outside the cohort are 404, inside they pass', async () => {
    const { port } = await start();
    const alice = `Bearer ${await session('alice')}`;
    const inside = await check(port, 'caddy', 'GET', '/api/orgs/acme', { authorization: alice });
    expect(inside.status).toBe(200);
    const outside = await check(port, 'caddy', 'GET', '/api/orgs/globex', { authorization: alice });
    expect(outside.status).toBe(404);
  });

  it('a percentage cohort puts orgs in by the stable hash, the same on every start', async () => {
    const none = await start({ mode: 'cohort', percent: 0 });
    expect(await authorize(none.url, 'alice', 'acme')).toMatchObject({ multi_tenant: false });
    const all = await start({ mode: 'cohort', percent: 100 });
    expect(await authorize(all.url, 'alice', 'acme')).toMatchObject({ multi_tenant: true });
    expect(await authorize(all.url, 'alice', 'default')).toMatchObject({ multi_tenant: false });
  });
});

describe('the kill switch keeps the rollout', () => {
  it('PUT tenancy false forces every org off; true resumes the same cohort', async () => {
    const { url, app } = await start();
    const heard: RolloutChange[] = [];
    app.tenancy.onChange((c) => heard.push(c));

    expect((await putTenancy(url, { multi_tenant: false })).status).toBe(200);
    expect(await authorize(url, 'alice', 'acme')).toMatchObject({ reason: 'feature_disabled' });
    expect(await getRollout(url)).toMatchObject({
      state: 'off',
      killed: true,
      rollout: { mode: 'cohort', orgs: ['acme'] },
    });
    expect(await metric(url, 'orgwarden_rollout_killed')).toBe(1);
    expect(await metric(url, 'orgwarden_rollout_state{state="off"}')).toBe(1);

    expect((await putTenancy(url, { multi_tenant: true })).status).toBe(200);
    expect(await authorize(url, 'alice', 'acme')).toMatchObject({ allow: true });
    expect(await authorize(url, 'erin', 'globex')).toMatchObject({ reason: 'feature_disabled' });

    expect(
      heard.map((c) => [c.source, c.before.killed, c.after.killed, c.after.changed_by]),
    ).toEqual([
      ['admin', false, true, 'admin'],
      ['admin', true, false, 'admin'],
    ]);
  });
});

describe('GET|PUT /v1/admin/rollout', () => {
  it('sets the rollout for the next decision, counts advances and shows the stage in the metrics', async () => {
    const { url } = await start();
    expect(await metric(url, 'orgwarden_rollout_advances_total{criteria="met"}')).toBe(0);
    const put = await putRollout(url, {
      mode: 'cohort',
      orgs: ['acme', 'globex'],
      percent: 5,
      stage: 2,
      signed_off_by: 'carol (security-owner)',
      reason: 'quiet alert still settling',
      criteria: 'overridden',
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      changed: true,
      state: 'cohort',
      rollout: { stage: 2, signed_off_by: 'carol (security-owner)', orgs: ['acme', 'globex'] },
      changed_by: 'admin',
    });
    expect(await authorize(url, 'erin', 'globex')).toMatchObject({
      allow: true,
      multi_tenant: true,
    });
    expect(await metric(url, 'orgwarden_rollout_advances_total{criteria="overridden"}')).toBe(1);
    expect(await metric(url, 'orgwarden_rollout_stage_index')).toBe(2);
    expect(await metric(url, 'orgwarden_rollout_cohort_orgs')).toBe(2);
    expect(await metric(url, 'orgwarden_rollout_cohort_percent')).toBe(5);
    expect(await metric(url, 'orgwarden_rollout_state{state="cohort"}')).toBe(1);
    expect(await metric(url, 'orgwarden_multi_tenant')).toBe(1);

    // holding keeps the soak clock: `since` does not move
    const since = (put.json.rollout as { since: string }).since;
    const held = await putRollout(url, {
      mode: 'cohort',
      orgs: ['globex', 'acme'],
      percent: 5,
      stage: 2,
      held: true,
    });
    expect(held.json).toMatchObject({ rollout: { held: true, since } });
  });

  it.each([
    [{ mode: 'sometimes' }, /^mode: /],
    [{ mode: 'on', orgs: ['acme'] }, /^orgs: only a cohort lists orgs/],
    [{ mode: 'off', percent: 10 }, /^percent: /],
    [{ mode: 'cohort', percent: 101 }, /^percent: /],
    [{ mode: 'cohort', percent: 1.234 }, /^percent: at most two decimals/],
    [{ mode: 'cohort', orgs: ['default'] }, /^orgs: the default org/],
    [{ mode: 'cohort', orgs: ['bad id!'] }, /^orgs\[0\]: /],
    [{ mode: 'on', stage: 1, criteria: 'met' }, /^criteria: /],
    [{ mode: 'on', stage: 1, signed_off_by: 'a', criteria: 'overridden' }, /^reason: /],
    [{ mode: 'on', surprise: true }, /surprise/],
  ])('refuses %j with 400 naming the field, and changes nothing', async (body, message) => {
    const { url } = await start();
    const before = await getRollout(url);
    const put = await putRollout(url, body);
    expect(put.status).toBe(400);
    expect((put.json.error as { message: string }).message).toMatch(message);
    expect(await getRollout(url)).toEqual(before);
  });

  it('expected_rollout: the change is made only on the rollout the caller read, else 409 and nothing changes', async () => {
    const { url } = await start();
    const read = (await getRollout(url)) as { rollout: Record<string, unknown> };
    const first = await putRollout(url, {
      mode: 'cohort',
      orgs: ['acme', 'globex'],
      stage: 1,
      expected_rollout: read.rollout,
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ changed: true, rollout: { stage: 1 } });
    // a second writer that decided on the rollout read before the first change
    const stale = await putRollout(url, { mode: 'on', stage: 2, expected_rollout: read.rollout });
    expect(stale.status).toBe(409);
    const refusal = stale.json.error as { code: string; message: string };
    expect(refusal.code).toBe('conflict');
    expect(refusal.message).toMatch(/^the rollout changed since it was read \(now cohort, stage 1/);
    const after = (await getRollout(url)) as { rollout: Record<string, unknown> };
    expect(after.rollout).toMatchObject({ mode: 'cohort', stage: 1, orgs: ['acme', 'globex'] });
    expect(await authorize(url, 'erin', 'globex')).toMatchObject({ multi_tenant: true });
    // the orgs' order does not matter; every other field does
    const listedOtherwise = { ...after.rollout, orgs: ['globex', 'acme'] };
    expect(
      (
        await putRollout(url, {
          mode: 'cohort',
          orgs: ['acme', 'globex'],
          stage: 1,
          held: true,
          expected_rollout: listedOtherwise,
        })
      ).status,
    ).toBe(200);
    const heldNow = (await getRollout(url)) as { rollout: Record<string, unknown> };
    expect(
      (
        await putRollout(url, {
          mode: 'on',
          stage: 2,
          expected_rollout: { ...heldNow.rollout, held: false },
        })
      ).status,
    ).toBe(409);
    expect(((await getRollout(url)) as { rollout: { mode: string } }).rollout.mode).toBe('cohort');
  });

  it('refuses an expected_rollout that is not a rollout with 400 naming the field', async () => {
    const { url } = await start();
    const put = await putRollout(url, { mode: 'on', expected_rollout: { mode: 'on' } });
    expect(put.status).toBe(400);
    expect((put.json.error as { message: string }).message).toMatch(/^expected_rollout\./);
  });

  it('needs the admin token', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/v1/admin/rollout`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'on' }),
    });
    expect(res.status).toBe(401);
    expect(await authorize(url, 'erin', 'globex')).toMatchObject({ multi_tenant: false });
  });
});

describe('config: tenancy.rollout', () => {
  const refuse = (tenancy: unknown) => () =>
    parseConfig({ ...testConfigDoc(), tenancy }, { env: {} });
  it('names the key of every problem', () => {
    expect(refuse({ multi_tenant: true, rollout: { mode: 'on' } })).toThrow(
      /tenancy\.rollout: set either tenancy\.multi_tenant: true or tenancy\.rollout/,
    );
    expect(refuse({ rollout: { mode: 'cohort', orgs: ['default'] } })).toThrow(
      /tenancy\.rollout\.orgs: the default org/,
    );
    expect(refuse({ rollout: { mode: 'cohort', percent: -1 } })).toThrow(
      /tenancy\.rollout\.percent/,
    );
    expect(refuse({ rollout: { mode: 'half' } })).toThrow(/tenancy\.rollout\.mode/);
  });
});
