/**
 * The staged rollout end to end, as an operator runs it (docs/runbook.md, "Staged rollout, step by
 * step"): two replicas sharing the real Redis (private key prefix), each with named admin
 * credentials (operators alice and bob, auditor audrey), a directory with an org listed in the
 * cohort (acme), one the hash takes in at the wide stage (globex) and one outside every cohort
 * (stark). The `orgwarden rollout` command (in process) walks the plan off → pilot → wide → on,
 * then the kill switch engages and resumes. At every step, on both replicas (the one not asked
 * within 1 s of the change): what each org's member gets from authorize and `/v1/features`, a
 * spoof attempt, the denials by action it caused (exactly), and the rollout gauges. At the end the
 * audit trail names every change with its actor, before and after, in one sequence across both
 * replicas; the auditor may read it and may not change the rollout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createApp, type App } from '../../src/app.js';
import { rollout } from '../../src/cli/rollout.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/contract/logger.js';
import { cohortBucket } from '../../src/tenancy/cohort-hash.js';
import type { Page } from '../audit/helpers.js';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix, waitUntil } from '../directory/helpers.js';
import { scrape, seriesOf, valueOf } from '../observability/helpers.js';
import { postJson, session, testConfigDoc } from '../support/app.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import { watchContract } from '../support/contract/contract-watch.js';

/** Every replica sharing the Redis serves a change within one second. */
const PROPAGATION_BOUND_MS = 1000;
const WIDE_PERCENT = 25;

const TOKENS = {
  alice: 'alice-operator-token-0123456789',
  bob: 'bob-operator-token-0123456789ab',
  audrey: 'audrey-auditor-token-0123456789',
} as const;
type Actor = keyof typeof TOKENS;
const ENV = {
  [TEST_SECRET_ENV]: TEST_SECRET,
  ALICE_TOKEN: TOKENS.alice,
  BOB_TOKEN: TOKENS.bob,
  AUDREY_TOKEN: TOKENS.audrey,
};
const TOKEN_ENV: Record<Actor, string> = {
  alice: 'ALICE_TOKEN',
  bob: 'BOB_TOKEN',
  audrey: 'AUDREY_TOKEN',
};

/** acme is listed from the pilot on, globex joins by hash at the wide stage, stark only at `on`. */
const DIRECTORY = {
  orgs: [
    { id: 'default', status: 'active', members: [] },
    { id: 'acme', status: 'active', members: [{ user: 'ana', role: 'owner' }] },
    { id: 'globex', status: 'active', members: [{ user: 'gus', role: 'owner' }] },
    { id: 'stark', status: 'active', members: [{ user: 'oli', role: 'owner' }] },
  ],
};

const PLAN = {
  default_org: 'default',
  prometheus: { selector: 'job="orgwarden"', window: '5m' },
  stages: [
    {
      name: 'off',
      cohort: { mode: 'off' },
      sign_off: { role: 'release-owner', names: ['alice', 'bob'] },
    },
    {
      name: 'pilot',
      cohort: { mode: 'cohort', orgs: ['acme'] },
      soak: '0s',
      sign_off: { role: 'release-owner', names: ['alice', 'bob'] },
    },
    {
      name: 'wide',
      cohort: { mode: 'cohort', orgs: ['acme'], percent: WIDE_PERCENT },
      soak: '0s',
      sign_off: { role: 'release-owner', names: ['alice', 'bob'] },
    },
    { name: 'on', cohort: { mode: 'on' }, sign_off: { role: 'release-owner' } },
  ],
};

/** What a replica serves: the state, the plan stage and the kill switch. */
interface Served {
  state: 'off' | 'cohort' | 'on';
  stage: number;
  killed: boolean;
}

const ON: Served = { state: 'on', stage: 3, killed: false };
const EVERY_ORG = ['acme', 'globex', 'stark'];

const dir = mkdtempSync(join(tmpdir(), 'orgwarden-rollout-e2e-'));
const prefix = uniquePrefix();
interface Replica {
  name: string;
  app: App;
  url: string;
}
const replicas: Replica[] = [];

async function startReplica(name: string): Promise<Replica> {
  const doc = testConfigDoc({
    directoryFile: join(dir, 'directory.yaml'),
    // a generous command timeout: on a loaded host the sidecar's own pauses would otherwise turn
    // a Redis that answered in time into a 503 (docs/config.md, redis.command_timeout_ms)
    redis: {
      url: SHARED_REDIS_URL,
      key_prefix: prefix,
      max_reconnect_delay_ms: 200,
      command_timeout_ms: 2000,
    },
    extra: {
      tenancy: { rollout: { mode: 'off' } },
      admin: {
        credentials: [
          { name: 'alice', role: 'operator', token_env: TOKEN_ENV.alice },
          { name: 'bob', role: 'operator', token_env: TOKEN_ENV.bob },
          { name: 'audrey', role: 'auditor', token_env: TOKEN_ENV.audrey },
        ],
      },
      audit: { sink: 'none', replica: name },
    },
  });
  const app = await createApp(parseConfig(doc, { env: ENV, checkEnvironment: true }), {
    env: ENV,
    logger: silentLogger,
  });
  watchContract(app);
  const { port } = await app.start();
  return { name, app, url: `http://127.0.0.1:${port}` };
}

/** `orgwarden rollout …` in process, as `actor`, against one replica. */
async function cli(actor: Actor, via: Replica, ...argv: string[]) {
  const lines: string[] = [];
  const code = await rollout(
    [
      ...argv,
      '--plan',
      join(dir, 'rollout.yaml'),
      '--url',
      via.url,
      '--token-env',
      TOKEN_ENV[actor],
    ],
    { out: (line) => lines.push(line), env: ENV, now: Date.now },
  );
  return { code, out: lines.join('\n') };
}

async function admin(actor: Actor, via: Replica, method: string, path: string, body?: unknown) {
  const res = await fetch(via.url + path, {
    method,
    headers: {
      authorization: `Bearer ${TOKENS[actor]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The replica serves `want` (read through its admin API); returns how long that took. */
function serving(replica: Replica, want: Served, boundMs: number): Promise<number> {
  return waitUntil(async () => {
    const { json } = await admin('audrey', replica, 'GET', '/v1/admin/rollout');
    const r = json.rollout as { stage: number | null };
    return json.state === want.state && json.killed === want.killed && r.stage === want.stage;
  }, boundMs);
}

/** Denials by `action|reason`, summed over routes. */
async function denials(replica: Replica): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const s of seriesOf((await scrape(replica.url)).samples, 'orgwarden_denials_total')) {
    const key = `${s.labels.action ?? '?'}|${s.labels.reason ?? '?'}`;
    counts.set(key, (counts.get(key) ?? 0) + s.value);
  }
  return counts;
}

function moved(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}

/** The probes of one step; `on` lists the orgs served multi-tenant at that step. */
const PROBES = [
  { who: 'ana', org: 'acme', action: 'org.read' },
  { who: 'gus', org: 'globex', action: 'org.members.list' },
  { who: 'oli', org: 'stark', action: 'org.shares.list' },
] as const;
// a member of globex naming acme, an org it is not a member of
const SPOOF = { who: 'gus', org: 'acme', action: 'org.update' } as const;

async function probe(replica: Replica, on: ReadonlySet<string>): Promise<Record<string, number>> {
  const expected: Record<string, number> = {};
  const denied = (action: string, reason: string) => {
    const key = `${action}|${reason}`;
    expected[key] = (expected[key] ?? 0) + 1;
  };
  const before = await denials(replica);
  for (const p of PROBES) {
    const token = await session(p.who);
    const res = await postJson(`${replica.url}/v1/authorize`, {
      token,
      org: p.org,
      action: p.action,
    });
    const where = `${replica.name}: ${p.who} ${p.action} in ${p.org}`;
    if (on.has(p.org)) {
      expect(res.json, where).toMatchObject({ allow: true, effective_org: p.org, spoof: false });
    } else {
      expect(res.json, where).toMatchObject({
        allow: false,
        reason: 'feature_disabled',
        multi_tenant: false,
      });
      denied(p.action, 'feature_disabled');
    }
    const features = await fetch(`${replica.url}/v1/features`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await features.json()) as { multi_tenant: boolean; orgs?: { id: string }[] };
    if (on.has(p.org)) {
      expect(body.multi_tenant, where).toBe(true);
      const listed = (body.orgs ?? []).map((o) => o.id);
      expect(listed, where).toContain(p.org);
      for (const id of listed) expect(id === 'default' || on.has(id), where).toBe(true);
    } else {
      expect(body, where).toEqual({ multi_tenant: false });
    }
  }
  const spoof = await postJson(`${replica.url}/v1/authorize`, {
    token: await session(SPOOF.who),
    org: SPOOF.org,
    action: SPOOF.action,
  });
  const where = `${replica.name}: spoof`;
  if (on.has(SPOOF.org)) {
    expect(spoof.json, where).toMatchObject({
      allow: false,
      reason: 'access_denied',
      detail: 'not_member',
      spoof: true,
    });
    denied(SPOOF.action, 'access_denied');
  } else {
    expect(spoof.json, where).toMatchObject({ allow: false, reason: 'feature_disabled' });
    denied(SPOOF.action, 'feature_disabled');
  }
  expect(moved(before, await denials(replica)), `${replica.name}: denials by action`).toEqual(
    expected,
  );
  return expected;
}

/** `orgwarden rollout advance` as `actor` through `via`; when it answered (performance.now()). */
async function advance(actor: Actor, via: Replica): Promise<number> {
  const run = await cli(actor, via, 'advance', '--signed-off-by', actor);
  const answeredAt = performance.now();
  expect(run.code, run.out).toBe(0);
  return answeredAt;
}

/** The kill switch (`false`) or resume (`true`) as `actor` through `via`; when it answered. */
async function flipSwitch(actor: Actor, via: Replica, multiTenant: boolean): Promise<number> {
  const res = await admin(actor, via, 'PUT', '/v1/admin/tenancy', { multi_tenant: multiTenant });
  const answeredAt = performance.now();
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return answeredAt;
}

/**
 * Both replicas after a change made through `via` that answered at `answeredAt`: `via` serves it
 * at once, the other within the bound of the answer; then the probes and the gauges on each.
 */
async function check(via: Replica, answeredAt: number, want: Served, on: readonly string[]) {
  const other = replicas.find((r) => r !== via) as Replica;
  await serving(via, want, 0);
  await serving(other, want, PROPAGATION_BOUND_MS - (performance.now() - answeredAt));
  for (const replica of [via, other]) {
    await probe(replica, new Set(on));
    const samples = (await scrape(replica.url)).samples;
    for (const state of ['off', 'cohort', 'on'])
      expect(valueOf(samples, 'orgwarden_rollout_state', { state }), replica.name).toBe(
        state === want.state ? 1 : 0,
      );
    expect(valueOf(samples, 'orgwarden_rollout_stage_index'), replica.name).toBe(want.stage);
    expect(valueOf(samples, 'orgwarden_rollout_killed'), replica.name).toBe(want.killed ? 1 : 0);
  }
}

beforeAll(async () => {
  writeFileSync(join(dir, 'directory.yaml'), stringify(DIRECTORY));
  writeFileSync(join(dir, 'rollout.yaml'), stringify(PLAN));
  replicas.push(await startReplica('replica-a'), await startReplica('replica-b'));
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.app.stop()));
  await deletePrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('a staged rollout end to end on two replicas sharing Redis', () => {
  it('off → pilot → wide → on → kill → resume: both replicas, the denials by action, the audit trail', async () => {
    const [a, b] = replicas as [Replica, Replica];
    // the directory's orgs sit where the test needs them under the pinned hash
    expect(cohortBucket('globex')).toBeLessThan(WIDE_PERCENT * 100);
    expect(cohortBucket('stark')).toBeGreaterThanOrEqual(WIDE_PERCENT * 100);

    // alice, through replica a: from no stage to the plan's first (off), then the pilot
    await check(a, await advance('alice', a), { state: 'off', stage: 0, killed: false }, []);
    await check(a, await advance('alice', a), { state: 'cohort', stage: 1, killed: false }, [
      'acme',
    ]);

    // bob, through replica b: the wide stage (listed orgs plus a percentage), then on
    await check(b, await advance('bob', b), { state: 'cohort', stage: 2, killed: false }, [
      'acme',
      'globex',
    ]);
    await check(b, await advance('bob', b), ON, EVERY_ORG);
    // every advance met its criteria: none was forced
    const advances = (await scrape(a.url)).samples.concat((await scrape(b.url)).samples);
    const overridden = advances.filter(
      (s) => s.name === 'orgwarden_rollout_advances_total' && s.labels.criteria === 'overridden',
    );
    expect(overridden.map((s) => s.value)).toEqual([0, 0]);

    // the auditor may read but not change: refused (403), nothing changed, nothing recorded
    const trailBefore = (await admin('audrey', a, 'GET', '/v1/admin/audit?since=0&limit=1000'))
      .json as unknown as Page;
    const run = await cli('audrey', a, 'rollback', '--to-off', '--reason', 'not mine to do');
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/403/);
    const kill = await admin('audrey', b, 'PUT', '/v1/admin/tenancy', { multi_tenant: false });
    expect(kill.status).toBe(403);
    expect(JSON.stringify(kill.json)).toMatch(/operator/);
    const set = await admin('audrey', a, 'PUT', '/v1/admin/rollout', { mode: 'off' });
    expect(set.status).toBe(403);
    await check(a, performance.now(), ON, EVERY_ORG);
    expect((await admin('audrey', b, 'GET', '/v1/admin/audit?since=0&limit=1000')).json).toEqual(
      trailBefore,
    );

    // alice engages the kill switch on replica b: every org off, the rollout kept
    await check(
      b,
      await flipSwitch('alice', b, false),
      { state: 'off', stage: 3, killed: true },
      [],
    );
    // bob resumes on replica a: exactly the kept rollout again
    await check(a, await flipSwitch('bob', a, true), ON, EVERY_ORG);

    // the trail, read by the auditor from either replica: one sequence, each change's actor
    const page = (await admin('audrey', b, 'GET', '/v1/admin/audit?since=0&limit=1000'))
      .json as unknown as Page;
    expect((await admin('audrey', a, 'GET', '/v1/admin/audit?since=0&limit=1000')).json).toEqual(
      page,
    );
    const seqs = page.entries.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
    const changes = page.entries.filter(
      (e) => ['rollout.set', 'tenancy.set'].includes(e.action) && e.outcome === 'applied',
    );
    for (const applied of changes) {
      const started = page.entries.find((e) => e.seq === applied.ref);
      expect(started).toMatchObject({
        outcome: 'started',
        actor: applied.actor,
        replica: applied.replica,
      });
    }
    const rolloutAt = (stage: number | null, extra: Record<string, unknown> = {}) => ({
      stage,
      ...extra,
    });
    expect(
      changes.map((e) => ({
        action: e.action,
        actor: e.actor,
        replica: e.replica,
        before: e.before,
        after: e.after,
      })),
    ).toMatchObject([
      {
        action: 'rollout.set',
        actor: 'alice',
        replica: 'replica-a',
        before: rolloutAt(null, { mode: 'off' }),
        after: rolloutAt(0, { mode: 'off', signed_off_by: 'alice (release-owner)' }),
      },
      {
        action: 'rollout.set',
        actor: 'alice',
        replica: 'replica-a',
        before: rolloutAt(0, { mode: 'off' }),
        after: rolloutAt(1, {
          mode: 'cohort',
          orgs: ['acme'],
          percent: 0,
          signed_off_by: 'alice (release-owner)',
        }),
      },
      {
        action: 'rollout.set',
        actor: 'bob',
        replica: 'replica-b',
        before: rolloutAt(1, { mode: 'cohort', orgs: ['acme'] }),
        after: rolloutAt(2, {
          mode: 'cohort',
          orgs: ['acme'],
          percent: WIDE_PERCENT,
          signed_off_by: 'bob (release-owner)',
        }),
      },
      {
        action: 'rollout.set',
        actor: 'bob',
        replica: 'replica-b',
        before: rolloutAt(2, { mode: 'cohort', percent: WIDE_PERCENT }),
        after: rolloutAt(3, { mode: 'on', signed_off_by: 'bob (release-owner)' }),
      },
      {
        action: 'tenancy.set',
        actor: 'alice',
        replica: 'replica-b',
        before: { multi_tenant: true },
        after: { multi_tenant: false },
      },
      {
        action: 'tenancy.set',
        actor: 'bob',
        replica: 'replica-a',
        before: { multi_tenant: false },
        after: { multi_tenant: true },
      },
    ]);
    expect(changes).toHaveLength(6);
    // each change is exactly its started and applied records: none failed, none left open
    const rolloutRecords = page.entries.filter((e) =>
      ['rollout.set', 'tenancy.set'].includes(e.action),
    );
    expect(rolloutRecords.map((e) => e.outcome).sort()).toEqual([
      ...Array<string>(6).fill('applied'),
      ...Array<string>(6).fill('started'),
    ]);
  }, 60_000);
});
