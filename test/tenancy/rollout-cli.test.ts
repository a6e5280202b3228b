/**
 * `orgwarden rollout` end to end: two real replicas sharing the real Redis (private key prefix),
 * a real Prometheus scraping both and evaluating a quiet-alert rule, and the command talking to
 * one replica's admin API and to Prometheus's HTTP API. Every stage change the command makes is
 * served by the other replica within one second; an advance is refused while the stage's quiet
 * alert fires, forced past it only with a reason (counted as overridden), refused while held or
 * killed and for a signer the plan does not name; rollback goes back one stage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { App } from '../../src/app.js';
import { rollout } from '../../src/cli/rollout.js';
import { deletePrefix, uniquePrefix, waitUntil } from '../directory/helpers.js';
import { waitFor } from '../observability/helpers.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { authorizeAcme, putTenancy } from './helpers.js';

/** Every replica sharing the Redis serves a change within one second. */
const PROPAGATION_BOUND_MS = 1000;
const QUIET_ALERT = 'OrgwardenTestSpoofSeen';
const dir = mkdtempSync(join(tmpdir(), 'orgwarden-rollout-cli-'));
const prefix = uniquePrefix();
const replicas: { app: App; url: string }[] = [];
let prometheus: TestPrometheus | undefined;
let promUrl = '';

const plan = {
  default_org: 'default',
  prometheus: { selector: 'job="orgwarden"', window: '30s' },
  stages: [
    { name: 'off', cohort: { mode: 'off' }, sign_off: { role: 'release-owner', names: ['alice'] } },
    {
      name: 'pilot',
      cohort: { mode: 'cohort', orgs: ['acme'] },
      soak: '1s',
      quiet_alerts: [QUIET_ALERT],
      bounds: { spoof_per_s: 1000, org_switch_failures_per_s: 1000, cross_org_denials_per_s: 1000 },
      sign_off: { role: 'release-owner', names: ['alice'] },
    },
    {
      name: 'wide',
      cohort: { mode: 'cohort', orgs: ['acme', 'globex'], percent: 50 },
      sign_off: { role: 'security-owner', names: ['carol'] },
    },
    { name: 'on', cohort: { mode: 'on' }, sign_off: { role: 'release-owner' } },
  ],
};

async function cli(...argv: string[]) {
  const lines: string[] = [];
  const code = await rollout(
    [
      ...argv,
      '--plan',
      join(dir, 'rollout.yaml'),
      '--url',
      replicas[0]!.url,
      '--prometheus',
      promUrl,
    ],
    {
      out: (line) => lines.push(line),
      env: { ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
      now: Date.now,
    },
  );
  return { code, out: lines.join('\n') };
}

/** The other replica serves `stage` within the bound (timed from the command's answer). */
async function followed(stage: number | null) {
  const b = replicas[1]!.app;
  await waitUntil(() => b.tenancy.status().rollout.stage === stage, PROPAGATION_BOUND_MS);
}

beforeAll(async () => {
  writeFileSync(join(dir, 'rollout.yaml'), stringify(plan));
  const redis = {
    url: 'redis://127.0.0.1:6379/0',
    key_prefix: prefix,
    max_reconnect_delay_ms: 200,
  };
  for (let i = 0; i < 2; i++) {
    const { app, url } = await startTestApp({
      redis,
      extra: { tenancy: { rollout: { mode: 'off' } } },
    });
    replicas.push({ app, url });
  }
  prometheus = await startPrometheus({
    rules: [{ alert: QUIET_ALERT, expr: 'sum(orgwarden_spoof_attempts_total) > 0' }],
    targets: replicas.map((r) => new URL(r.url).host),
  });
  promUrl = prometheus.url;
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(replicas.map((r) => r.app.stop()));
  await deletePrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('orgwarden rollout against two replicas, Redis and Prometheus', () => {
  it('walks the plan with its checkpoints; every change reaches the other replica within 1 s', async () => {
    const [a, b] = replicas as [{ app: App; url: string }, { app: App; url: string }];
    const alice = await session('alice');
    const erin = await session('erin');

    // from no stage to the plan's first (off), then to the pilot
    let run = await cli('advance', '--signed-off-by', 'alice');
    expect(run.code, run.out).toBe(0);
    await followed(0);
    run = await cli('advance', '--signed-off-by', 'alice');
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/advancing to stage 1 pilot/);
    await followed(1);
    expect(await authorizeAcme(b.url, alice)).toMatchObject({ allow: true, multi_tenant: true });
    const globex = await postJson(`${b.url}/v1/authorize`, {
      token: erin,
      org: 'globex',
      action: 'org.read',
    });
    expect(globex.json).toMatchObject({ reason: 'feature_disabled', multi_tenant: false });
    expect(b.app.tenancy.status().rollout.signed_off_by).toBe('alice (release-owner)');

    // the stage's quiet alert fires: the advance is refused with the reason and changes nothing
    const mallory = await session('mallory');
    for (let i = 0; i < 5; i++)
      await postJson(`${a.url}/v1/authorize`, { token: mallory, org: 'acme', action: 'org.read' });
    await waitFor(
      `${QUIET_ALERT} to fire`,
      async () => {
        const res = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as {
          data: { alerts: { state: string; labels: { alertname: string } }[] };
        };
        return res.data.alerts.some(
          (x) => x.state === 'firing' && x.labels.alertname === QUIET_ALERT,
        )
          ? true
          : undefined;
      },
      30_000,
      250,
    );
    run = await cli('advance', '--signed-off-by', 'alice');
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(new RegExp(`refused: quiet alerts: firing: ${QUIET_ALERT}`));
    expect(run.out).toMatch(/met +spoof attempts rate/);
    expect(a.app.tenancy.status().rollout.stage).toBe(1);

    // a signer the plan does not name for the stage's role is refused
    run = await cli('advance', '--signed-off-by', 'mallory', '--force', '--reason', 'x');
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/mallory does not hold the role release-owner/);

    // forced past the firing alert, with a reason: counted as overridden on the replica asked
    run = await cli(
      'advance',
      '--signed-off-by',
      'alice',
      '--force',
      '--reason',
      'known noise from a load test',
    );
    expect(run.code, run.out).toBe(0);
    await followed(2);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^orgwarden_rollout_advances_total\{criteria="overridden"\} 1$/m);
    expect(metrics).toMatch(/^orgwarden_rollout_advances_total\{criteria="met"\} 2$/m);
    expect(b.app.tenancy.status().rollout).toMatchObject({
      mode: 'cohort',
      orgs: ['acme', 'globex'],
      percent: 50,
      reason: 'known noise from a load test',
    });

    // hold pins the stage
    expect((await cli('hold')).code).toBe(0);
    await waitUntil(() => b.app.tenancy.status().rollout.held, PROPAGATION_BOUND_MS);
    run = await cli('advance', '--signed-off-by', 'carol');
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/refused: the stage is held/);
    expect((await cli('hold', '--release')).code).toBe(0);

    // rollback goes back one stage, everywhere
    run = await cli('rollback', '--reason', 'drill');
    expect(run.code, run.out).toBe(0);
    await followed(1);

    // the kill switch (one command, on the other replica) stops advances and keeps the stage
    expect((await putTenancy(b.url, { multi_tenant: false })).status).toBe(200);
    await waitUntil(() => a.app.tenancy.status().killed, PROPAGATION_BOUND_MS);
    expect(await authorizeAcme(a.url, alice)).toMatchObject({ reason: 'feature_disabled' });
    run = await cli('advance', '--signed-off-by', 'alice', '--force', '--reason', 'x');
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/refused: the kill switch is engaged/);
    run = await cli('status');
    expect(run.out).toMatch(/KILL SWITCH ENGAGED/);
    expect(run.out).toMatch(/stage: 1 pilot/);
    expect((await putTenancy(a.url, { multi_tenant: true })).status).toBe(200);
    await waitUntil(() => !b.app.tenancy.status().killed, PROPAGATION_BOUND_MS);
    expect(await authorizeAcme(b.url, alice)).toMatchObject({ allow: true, multi_tenant: true });

    // rollback from the first stage goes to off
    expect((await cli('rollback', '--to-off')).code).toBe(0);
    await followed(null);
    expect(b.app.tenancy.status().state).toBe('off');
  }, 120_000);
});
