/**
 * Hot reload: a policy that fails any step (read, compile, load, smoke; signatures have their own
 * file) never becomes active — the old one keeps serving and the failure shows in the reload
 * answer (422 with the step), in GET /v1/policy (`last_reload`), in the log and in the load-failure
 * metric. A good one becomes active for the next decision. Reloads never run concurrently. The
 * watcher reloads on file changes (bundle file and policy folder); rollback is a reload of the
 * previous bundle.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { PolicyEngine } from '../../src/engine/wasm-engine.js';
import { createPolicyReloader } from '../../src/policy-rollout/reloader.js';
import { PolicyRejectedError, type Candidate } from '../../src/policy-rollout/policy-loader.js';
import { silentLogger } from '../../src/contract/logger.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { waitUntil } from '../directory/helpers.js';
import { memoryLogger } from '../tenancy/helpers.js';
import {
  ADMIN,
  PACK_SMOKE_CASES,
  PENDING_SHARES_GRANT,
  STRICTER_ROLES,
  candidatePolicies,
  compile,
  metric,
  policyStatus,
  reload,
  rewrite,
  scratch,
  type Scratch,
} from './helpers.js';

let tmp: Scratch;
let v1: Buffer;
let v1Revision: string;
let stricter: Buffer;
let pendingShares: Buffer;
const apps: App[] = [];

beforeAll(async () => {
  tmp = scratch();
  v1 = readFileSync(TEST_BUNDLE);
  stricter = await compile(candidatePolicies(tmp, 'stricter', STRICTER_ROLES));
  pendingShares = await compile(candidatePolicies(tmp, 'pending', PENDING_SHARES_GRANT));
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(() => tmp.remove());

async function start(bundleName: string, policy: Record<string, unknown> = { watch: false }) {
  const file = tmp.publish(bundleName, v1);
  const logger = memoryLogger();
  const started = await startTestApp({ extra: { policy: { bundle: file, ...policy } }, logger });
  apps.push(started.app);
  v1Revision = started.app.policy.current()!.revision;
  return { ...started, file, logger };
}

/** vera is a viewer of acme: the default pack lets her read a resource, the stricter candidate does not. */
async function veraReads(url: string) {
  return (
    await postJson(`${url}/v1/authorize`, {
      token: await session('vera'),
      org: 'acme',
      action: 'resource.read',
    })
  ).json as { allow: boolean; reason: string; policy_revision: string };
}

describe('POST /v1/admin/policy/reload', () => {
  it('reloading an unchanged bundle: 200, nothing changes; GET /v1/policy reports it', async () => {
    const { url } = await start('unchanged.tar.gz');
    const res = await reload(url);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      ok: true,
      trigger: 'api',
      changed: false,
      revision: v1Revision,
      active_revision: v1Revision,
      step: null,
      error: null,
      smoke: { cases: PACK_SMOKE_CASES, builtin: 2 },
    });
    const status = await policyStatus(url);
    expect(status).toMatchObject({
      revision: v1Revision,
      last_reload: { ok: true, trigger: 'api', step: null, error: null, changed: false },
      shadow: null,
    });
  });

  it('a new bundle becomes active for the next decision', async () => {
    const { url } = await start('swap.tar.gz');
    expect(await veraReads(url)).toMatchObject({ allow: true, policy_revision: v1Revision });
    tmp.publish('swap.tar.gz', stricter);
    const res = await reload(url);
    expect(res.json).toMatchObject({ ok: true, changed: true });
    expect(res.json.revision).not.toBe(v1Revision);
    expect(await veraReads(url)).toMatchObject({
      allow: false,
      reason: 'insufficient_role',
      policy_revision: res.json.revision,
    });
    expect((await policyStatus(url)).revision).toBe(res.json.revision);
  });

  it('a policy failing any step never becomes active: 422 naming the step, the old one serves, last_reload, log and metric show it', async () => {
    const { url, file, logger } = await start('failing.tar.gz');
    const weakenedSmoke = await rewrite(v1, (f) => {
      const data = JSON.parse(f.get('data.json')!.toString()) as {
        orgwarden: { smoke: { cases: unknown[] } };
      };
      data.orgwarden.smoke.cases = [];
      f.set('data.json', Buffer.from(JSON.stringify(data)));
    });
    const cases: [string, () => void | Promise<void>, string, RegExp][] = [
      [
        'not a bundle',
        () => tmp.publish('failing.tar.gz', Buffer.from('definitely not gzip')),
        'read',
        /not a readable gzip archive/,
      ],
      [
        'no policy.wasm',
        async () =>
          tmp.publish('failing.tar.gz', await rewrite(v1, (f) => f.delete('policy.wasm'))),
        'read',
        /bundle has no policy\.wasm/,
      ],
      [
        'a WASM that does not compile',
        async () =>
          tmp.publish(
            'failing.tar.gz',
            await rewrite(v1, (f) => f.set('policy.wasm', Buffer.from('\0asm garbage'))),
          ),
        'load',
        /./,
      ],
      [
        'a tenant-isolation regression (pending shares grant)',
        () => tmp.publish('failing.tar.gz', pendingShares),
        'smoke',
        /"a pending share grants nothing": allow is true, want false/,
      ],
      [
        'smoke cases emptied',
        () => tmp.publish('failing.tar.gz', weakenedSmoke),
        'smoke',
        /cases must be a non-empty list/,
      ],
      ['an emptied file', () => writeFileSync(file, ''), 'read', /not a readable gzip archive/],
    ];
    let failures = await metric(url, 'orgwarden_policy_load_failures_total');
    for (const [what, publish, step, message] of cases) {
      await publish();
      const res = await reload(url);
      expect(res.status, what).toBe(422);
      expect(res.json.error, what).toMatchObject({ code: 'policy_rejected', step });
      expect(res.json.error?.message, what).toMatch(message);
      expect(res.json.last_reload, what).toMatchObject({
        ok: false,
        step,
        active_revision: v1Revision,
        changed: false,
      });
      expect(await veraReads(url), what).toMatchObject({
        allow: true,
        policy_revision: v1Revision,
      });
      expect((await policyStatus(url)).last_reload, what).toMatchObject({
        ok: false,
        trigger: 'api',
        step,
        error: res.json.error?.message,
      });
      expect(await metric(url, 'orgwarden_policy_load_failures_total'), what).toBe(++failures);
      expect(logger.lines.at(-1), what).toMatchObject({
        level: 'error',
        msg: 'policy reload failed; the active policy keeps serving',
        fields: { step, trigger: 'api', active_revision: v1Revision },
      });
    }
    // and a good one still goes in afterwards
    tmp.publish('failing.tar.gz', stricter);
    expect((await reload(url)).json).toMatchObject({ ok: true, changed: true });
  });

  it('needs the admin token: 401 or 403, and nothing is reloaded', async () => {
    const { app, url } = await start('guarded.tar.gz');
    tmp.publish('guarded.tar.gz', stricter);
    expect((await reload(url, {})).status).toBe(401);
    expect((await reload(url, { authorization: 'Bearer wrong-admin-token-0000' })).status).toBe(
      403,
    );
    expect(app.rollout.lastReload()).toMatchObject({ trigger: 'start' });
    expect(app.policy.current()!.revision).toBe(v1Revision);
  });

  it('concurrent reload requests all answer with the policy published before they asked', async () => {
    const { app, url } = await start('concurrent.tar.gz');
    const outcomes: string[] = [];
    app.rollout.onReload((o) => outcomes.push(o.trigger));
    tmp.publish('concurrent.tar.gz', stricter);
    const answers = await Promise.all(Array.from({ length: 8 }, () => reload(url)));
    const revision = app.policy.current()!.revision;
    expect(revision).not.toBe(v1Revision);
    for (const res of answers)
      expect(res.json).toMatchObject({ ok: true, active_revision: revision });
    // How many reloads those 8 ran depends on HTTP timing; the coalescing itself, without it:
    // calls made in one turn share one reload, and calls made while it runs share exactly one more.
    outcomes.length = 0;
    const first = Array.from({ length: 4 }, () => app.rollout.reload('api'));
    await Promise.resolve();
    await Promise.resolve(); // the first reload has started (it reads files); none has finished
    const second = Array.from({ length: 4 }, () => app.rollout.reload('api'));
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    await Promise.all([...first, ...second]);
    expect(outcomes).toEqual(['api', 'api']);
  });

  it('rollback: publish the previous bundle again and reload', async () => {
    const { url } = await start('rollback.tar.gz');
    tmp.publish('rollback.tar.gz', stricter);
    const v2 = (await reload(url)).json.revision as string;
    expect(await veraReads(url)).toMatchObject({ allow: false, policy_revision: v2 });
    tmp.publish('rollback.tar.gz', v1); // the previous bundle, kept beside the new one
    expect((await reload(url)).json).toMatchObject({
      ok: true,
      changed: true,
      revision: v1Revision,
    });
    expect(await veraReads(url)).toMatchObject({ allow: true, policy_revision: v1Revision });
  });
});

describe('reloads are serialized', () => {
  const fakeCandidate = (revision: string): Candidate =>
    ({
      engine: { revision } as PolicyEngine,
      bundle: { revision },
      smoke: { cases: 0, builtin: 2 },
      signed: false,
    }) as unknown as Candidate;

  it('never two loads at once; requests made during a load share one more load that starts after it', async () => {
    let running = 0;
    let maxRunning = 0;
    let loads = 0;
    const startedAt: number[] = [];
    const reloader = await createPolicyReloader(
      { bundle: '/nowhere' },
      {
        logger: silentLogger,
        now: Date.now,
        load: async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          loads += 1;
          startedAt.push(performance.now());
          await new Promise((resolve) => setTimeout(resolve, 30));
          running -= 1;
          return fakeCandidate(`rev-${loads}`);
        },
      },
    );
    expect(reloader.active.current()!.revision).toBe('rev-1');
    const first = reloader.reload('api');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the first load is running now
    const asked = performance.now();
    const during = await Promise.all(Array.from({ length: 9 }, () => reloader.reload('watch')));
    expect((await first).revision).toBe('rev-2');
    expect(maxRunning).toBe(1);
    expect(loads).toBe(3); // start, the first, one shared by the nine
    for (const outcome of during)
      expect(outcome).toMatchObject({ ok: true, revision: 'rev-3', trigger: 'watch' });
    expect(startedAt[2]!).toBeGreaterThan(asked);
    expect(reloader.active.current()!.revision).toBe('rev-3');
  });

  it('a failed load leaves the active engine, tells the listeners, and a throwing listener changes nothing', async () => {
    let fail = false;
    const reloader = await createPolicyReloader(
      { bundle: '/nowhere' },
      {
        logger: silentLogger,
        now: () => 0,
        load: () =>
          fail
            ? Promise.reject(new PolicyRejectedError('smoke', '1 smoke case(s) failed'))
            : Promise.resolve(fakeCandidate('good')),
      },
    );
    const heard: unknown[] = [];
    reloader.onReload(() => {
      throw new Error('metrics exploded');
    });
    reloader.onReload((o) => heard.push([o.ok, o.step]));
    fail = true;
    expect(await reloader.reload('sighup')).toMatchObject({
      ok: false,
      step: 'smoke',
      error: '1 smoke case(s) failed',
      active_revision: 'good',
      at: new Date(0).toISOString(),
    });
    expect(reloader.active.current()!.revision).toBe('good');
    expect(heard).toEqual([[false, 'smoke']]);
  });

  it('a policy that cannot load at start stops the start, naming the step', async () => {
    const err = await createPolicyReloader(
      { bundle: '/x' },
      {
        logger: silentLogger,
        now: Date.now,
        load: () => Promise.reject(new PolicyRejectedError('read', 'cannot be read')),
      },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'policy_rejected',
      step: 'read',
      message: 'policy.bundle /x: rejected at step read: cannot be read',
    });
  });
});

describe('reload on file change (policy.watch)', () => {
  it('bundle: publishing a new bundle (rename) reloads it; a broken one is refused and the last good one serves', async () => {
    const { app, url } = await start('watched.tar.gz', { watch: true, watch_debounce_ms: 50 });
    tmp.publish('watched.tar.gz', stricter);
    await waitUntil(() => app.policy.current()!.revision !== v1Revision, 10_000);
    const v2 = app.policy.current()!.revision;
    expect(app.rollout.lastReload()).toMatchObject({ ok: true, trigger: 'watch', changed: true });
    tmp.publish('watched.tar.gz', pendingShares);
    await waitUntil(() => app.rollout.lastReload()?.ok === false, 10_000);
    expect(app.rollout.lastReload()).toMatchObject({ ok: false, trigger: 'watch', step: 'smoke' });
    expect(app.policy.current()!.revision).toBe(v2);
    expect((await policyStatus(url)).last_reload).toMatchObject({
      ok: false,
      trigger: 'watch',
      step: 'smoke',
    });
    // other files in the same folder do not trigger reloads
    const before = app.rollout.lastReload();
    tmp.write('unrelated.txt', 'x');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(app.rollout.lastReload()).toBe(before);
  });

  it('policy.dir: editing a Rego file recompiles and activates it; a compile error is refused (step compile, also via the API)', async () => {
    const dir = candidatePolicies(tmp, 'live', {});
    const logger = memoryLogger();
    const { app, url } = await startTestApp({
      extra: { policy: { dir, watch: true, watch_debounce_ms: 100 } },
      logger,
    });
    apps.push(app);
    const first = app.policy.current()!.revision;
    const roles = path.join(dir, 'orgwarden', 'authz', 'roles.rego');
    const [from, to] = STRICTER_ROLES['orgwarden/authz/roles.rego']!;
    writeFileSync(roles, readFileSync(roles, 'utf8').replace(from, to));
    await waitUntil(() => app.policy.current()!.revision !== first, 20_000, 20);
    expect(await veraReads(url)).toMatchObject({ allow: false, reason: 'insufficient_role' });

    const second = app.policy.current()!.revision;
    writeFileSync(roles, `${readFileSync(roles, 'utf8')}\nthis is not rego\n`);
    await waitUntil(() => app.rollout.lastReload()?.ok === false, 20_000, 20);
    expect(app.rollout.lastReload()).toMatchObject({
      ok: false,
      trigger: 'watch',
      step: 'compile',
    });
    const res = await reload(url, ADMIN);
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({
      step: 'compile',
      message: expect.stringContaining(`opa build of ${dir} failed`) as unknown,
    });
    expect(app.policy.current()!.revision).toBe(second);
  });
});
