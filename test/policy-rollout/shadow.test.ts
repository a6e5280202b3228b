/**
 * Shadow mode with a real candidate: the default pack with one rule changed (a role must exceed the
 * action's minimum instead of reaching it). Live traffic is decided by the active policy only; the
 * candidate sees the same inputs afterwards, and every disagreement — allow differs, or both deny
 * for different reasons — is counted and logged with the decision id, the action and both
 * outcomes, never a token.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createAuthorizer } from '../../src/authz/authorizer.js';
import type { Decision } from '../../src/contract/decision.js';
import type { PolicyInput } from '../../src/contract/policy-io.js';
import { createLocalTenancySwitch } from '../../src/tenancy/local-tenancy-switch.js';
import { createActivePolicy } from '../../src/engine/active-policy.js';
import { parseBundle } from '../../src/bundle/policy-bundle.js';
import { createPolicyEngine, engineOver, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { silentLogger } from '../../src/contract/logger.js';
import { createShadowPolicy, type ShadowDisagreement } from '../../src/policy-rollout/shadow.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { waitUntil } from '../directory/helpers.js';
import { scrape, valueOf } from '../observability/helpers.js';
import { memoryLogger } from '../tenancy/helpers.js';
import {
  ADMIN,
  PENDING_SHARES_GRANT,
  STRICTER_ROLES,
  candidatePolicies,
  compile,
  policyStatus,
  scratch,
  type Scratch,
} from './helpers.js';

let tmp: Scratch;
let stricterFile: string;
let pendingFile: string;
const apps: App[] = [];

beforeAll(async () => {
  tmp = scratch();
  stricterFile = tmp.write(
    'stricter.tar.gz',
    await compile(candidatePolicies(tmp, 'stricter', STRICTER_ROLES)),
  );
  pendingFile = tmp.write(
    'pending.tar.gz',
    await compile(candidatePolicies(tmp, 'pending', PENDING_SHARES_GRANT)),
  );
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(() => tmp.remove());

async function start(policy: Record<string, unknown> = {}) {
  const logger = memoryLogger();
  const started = await startTestApp({
    extra: { policy: { bundle: TEST_BUNDLE, watch: false, ...policy } },
    logger,
  });
  apps.push(started.app);
  return { ...started, logger };
}

/** What GET and POST /v1/admin/policy/shadow answer: the candidate (null when none) and how its last load went. */
interface ShadowAnswer {
  shadow?: { source?: string } | null;
  last_load?: Record<string, unknown> | null;
}

const shadowRequest = (url: string, body: unknown, headers: Record<string, string> = ADMIN) =>
  postJson(`${url}/v1/admin/policy/shadow`, body, headers);

/** The traffic, what the active policy answers, and how the stricter candidate differs. */
async function traffic() {
  const now = Math.floor(Date.now() / 1000);
  const fresh = await session('alice', { auth_time: now });
  return [
    {
      body: { token: await session('alice'), org: 'acme', action: 'org.read' },
      active: 'allowed',
      differs: null,
    },
    {
      body: { token: await session('vera'), org: 'acme', action: 'resource.read' },
      active: 'allowed',
      differs: 'allow',
    },
    {
      body: { token: await session('carol'), org: 'acme', action: 'resource.write' },
      active: 'allowed',
      differs: 'allow',
    },
    {
      body: { token: await session('bob'), org: 'acme', action: 'org.update' },
      active: 'allowed',
      differs: 'allow',
    },
    {
      body: { token: await session('vera'), org: 'acme', action: 'resource.write' },
      active: 'insufficient_role',
      differs: null,
    },
    {
      body: { token: await session('erin'), org: 'acme', action: 'org.read' },
      active: 'access_denied',
      differs: null,
    },
    {
      body: {
        token: fresh,
        org: 'acme',
        action: 'org.ownership.transfer',
        context: { target_user: 'bob' },
      },
      active: 'allowed',
      differs: 'allow',
    },
    {
      body: {
        token: fresh,
        org: 'acme',
        action: 'org.ownership.transfer',
        context: { target_user: 'zed' },
      },
      active: 'owner_transfer_requires_member',
      differs: 'reason',
    },
    {
      body: {
        token: await session('alice'),
        org: 'acme',
        action: 'org.ownership.transfer',
        context: { target_user: 'bob' },
      },
      active: 'fresh_session_required',
      differs: 'reason',
    },
    {
      body: { token: 'not-a-jwt', org: 'acme', action: 'org.read' },
      active: 'unauthenticated',
      differs: null,
    },
  ] as const;
}

describe('shadow policy on live traffic', () => {
  it('counts and logs each disagreement with the candidate, never enforcing it', async () => {
    const { app, url, logger } = await start();
    const loaded = await shadowRequest(url, { bundle: stricterFile });
    expect(loaded.status).toBe(200);
    expect(loaded.json?.shadow).toMatchObject({
      source: `policy.bundle ${stricterFile}`,
      evaluated: 0,
      disagreed: { allow: 0, reason: 0 },
    });
    const heard: ShadowDisagreement[] = [];
    app.rollout.shadow.onDisagreement((d) => heard.push(d));

    const requests = await traffic();
    const decisions: { decision_id: string; policy_revision: string }[] = [];
    for (const request of requests) {
      const res = await postJson(`${url}/v1/authorize`, request.body);
      expect(res.json?.reason, request.body.action).toBe(request.active); // the active policy decides
      decisions.push(res.json as { decision_id: string; policy_revision: string });
    }
    await waitUntil(() => app.rollout.shadow.status()!.evaluated === requests.length, 5000);

    const status = app.rollout.shadow.status()!;
    expect(status).toMatchObject({
      evaluated: 10,
      agreed: 4,
      disagreed: { allow: 4, reason: 2 },
      errors: 0,
      dropped: 0,
      logs_suppressed: 0,
    });
    expect((await policyStatus(url)).shadow).toMatchObject({
      revision: status.revision,
      evaluated: 10,
      agreed: 4,
      disagreed: { allow: 4, reason: 2 },
    });
    // the stricter candidate only ever denies more: every disagreement is a shadow deny
    const { samples } = await scrape(url);
    expect(
      valueOf(samples, 'orgwarden_shadow_disagreements_total', {
        differs: 'allow',
        shadow: 'deny',
      }),
    ).toBe(4);
    expect(
      valueOf(samples, 'orgwarden_shadow_disagreements_total', {
        differs: 'reason',
        shadow: 'deny',
      }),
    ).toBe(2);
    expect(
      valueOf(samples, 'orgwarden_shadow_disagreements_total', {
        differs: 'allow',
        shadow: 'allow',
      }),
    ).toBe(0);

    const expected = requests.flatMap((r, i) => (r.differs ? [{ i, differs: r.differs }] : []));
    expect(heard.map((d) => d.decision_id)).toEqual(
      expected.map(({ i }) => decisions[i]!.decision_id),
    );
    const lines = logger.lines.filter((l) => l.msg === 'shadow policy disagrees');
    expect(lines).toHaveLength(6);
    const transfer = lines.find((l) => l.fields.decision_id === decisions[7]!.decision_id)!;
    expect(transfer).toEqual({
      level: 'warn',
      msg: 'shadow policy disagrees',
      fields: {
        component: 'policy',
        decision_id: decisions[7]!.decision_id,
        kind: 'request',
        action: 'org.ownership.transfer',
        requested_org: 'acme',
        differs: 'reason',
        active: {
          allow: false,
          reason: 'owner_transfer_requires_member',
          detail: null,
          revision: decisions[7]!.policy_revision,
        },
        shadow: {
          allow: false,
          reason: 'owner_required',
          detail: 'owner',
          revision: status.revision,
        },
      },
    });
    const logged = JSON.stringify(logger.lines);
    for (const request of requests) expect(logged).not.toContain(request.body.token);
  });

  it('GET shows the candidate, DELETE stops shadowing, a rejected candidate leaves the previous shadow', async () => {
    const { app, url } = await start();
    await shadowRequest(url, { bundle: stricterFile });
    const rejected = await shadowRequest(url, { bundle: pendingFile });
    expect(rejected.status).toBe(422);
    expect(rejected.json?.error).toMatchObject({
      code: 'policy_rejected',
      step: 'smoke',
      message: expect.stringContaining('a pending share grants nothing') as unknown,
    });
    const shown = await fetch(`${url}/v1/admin/policy/shadow`, { headers: ADMIN }).then(
      (r) => r.json() as Promise<ShadowAnswer>,
    );
    expect(shown.shadow?.source).toBe(`policy.bundle ${stricterFile}`);
    expect(shown.last_load).toMatchObject({
      ok: false,
      step: 'smoke',
      source: `policy.bundle ${pendingFile}`,
    });

    const cleared = await fetch(`${url}/v1/admin/policy/shadow`, {
      method: 'DELETE',
      headers: ADMIN,
    }).then((r) => r.json());
    expect(cleared).toEqual({ shadow: null, cleared: true });
    await postJson(`${url}/v1/authorize`, {
      token: await session('vera'),
      org: 'acme',
      action: 'resource.read',
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.rollout.shadow.status()).toBeNull();
    expect((await policyStatus(url)).shadow).toBeNull();
  });

  it('admin only, with a strict body', async () => {
    const { url } = await start();
    expect((await shadowRequest(url, { bundle: stricterFile }, {})).status).toBe(401);
    expect((await fetch(`${url}/v1/admin/policy/shadow`, { method: 'DELETE' })).status).toBe(401);
    for (const body of [
      { bundle: 'relative.tar.gz' },
      { bundle: 5 },
      { file: stricterFile },
      { bundle: stricterFile, dir: '/x' },
      [stricterFile],
    ]) {
      const res = await shadowRequest(url, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const none = await shadowRequest(url, {});
    expect(none.status).toBe(422);
    expect(none.json?.error?.message).toBe(
      'no shadow source given and policy.shadow is not configured',
    );
  });

  it('policy.shadow in the config is loaded at start; one that fails is reported but never stops the start', async () => {
    const { app, url } = await start({ shadow: { bundle: stricterFile } });
    expect(app.rollout.shadow.status()).toMatchObject({ source: `policy.bundle ${stricterFile}` });
    expect((await shadowRequest(url, {})).json?.shadow).toMatchObject({ evaluated: 0 }); // {} reloads the configured one
    const bodiless = await fetch(`${url}/v1/admin/policy/shadow`, {
      method: 'POST',
      headers: ADMIN,
    });
    expect(bodiless.status).toBe(200);
    expect(((await bodiless.json()) as ShadowAnswer).shadow).toMatchObject({
      source: `policy.bundle ${stricterFile}`,
    });

    const broken = await start({ shadow: { bundle: pendingFile } });
    expect(broken.app.rollout.shadow.status()).toBeNull();
    expect(broken.app.rollout.lastShadowLoad()).toMatchObject({ ok: false, step: 'smoke' });
    expect(
      broken.logger.lines.some(
        (l) =>
          l.level === 'error' &&
          l.msg === 'shadow policy rejected; the previous shadow (if any) stays',
      ),
    ).toBe(true);
    expect((await fetch(`${broken.url}/readyz`)).status).toBe(200);
  });
});

describe('shadow evaluator', () => {
  let active: PolicyEngine;
  let stricter: PolicyEngine;
  beforeAll(async () => {
    active = await createPolicyEngine(await parseBundle(readFileSync(TEST_BUNDLE), 'active'));
    stricter = await createPolicyEngine(await parseBundle(readFileSync(stricterFile), 'stricter'));
  });

  const viewerRead = (): PolicyInput => ({
    kind: 'request',
    now: 1_700_000_000,
    tenancy: { multi_tenant: true, default_org: 'default' },
    authn: { ok: true },
    principal: { id: 'vera', kind: 'session', scopes: [], bound_orgs: null, auth_time: null },
    action: 'resource.read',
    requested_org: { id: 'acme', source: 'header' },
    resource: null,
    context: {},
    directory: {
      available: true,
      org: { exists: true, status: 'active' },
      member_role: 'viewer',
      target_role: null,
      resource_org: null,
      resource_shares: [],
    },
  });
  const allowed = (id: string) =>
    ({
      decision_id: id,
      allow: true,
      reason: 'allowed',
      detail: null,
      policy_revision: active.revision,
    }) as Decision;

  it('observe only queues: the queue is bounded, what does not fit is dropped and counted', () => {
    const shadow = createShadowPolicy({ logger: silentLogger, queueMax: 3 });
    shadow.set(stricter, 'test');
    for (let i = 0; i < 5; i++) shadow.observe(viewerRead(), allowed(`d${i}`));
    expect(shadow.status()).toMatchObject({ evaluated: 0, dropped: 2 });
    shadow.flush();
    expect(shadow.status()).toMatchObject({
      evaluated: 3,
      disagreed: { allow: 3, reason: 0 },
      dropped: 2,
    });
    shadow.close();
  });

  it('disagreement logs are rate-limited; what is not logged is still counted', () => {
    const logger = memoryLogger();
    const shadow = createShadowPolicy({ logger, now: () => 5_000, logsPerSecond: 2 });
    shadow.set(stricter, 'test');
    for (let i = 0; i < 5; i++) shadow.observe(viewerRead(), allowed(`d${i}`));
    shadow.flush();
    expect(shadow.status()).toMatchObject({
      disagreed: { allow: 5, reason: 0 },
      logs_suppressed: 3,
    });
    expect(logger.lines).toHaveLength(2);
    shadow.close();
  });

  it('a candidate that fails to evaluate counts as policy_error (an error and a disagreement with an allow)', () => {
    const shadow = createShadowPolicy({ logger: silentLogger });
    shadow.set(
      engineOver({ evaluate: () => [] }, { revision: 'broken', data: {} }, new Date()),
      'broken',
    );
    shadow.observe(viewerRead(), allowed('d1'));
    shadow.flush();
    expect(shadow.status()).toMatchObject({
      evaluated: 1,
      errors: 1,
      disagreed: { allow: 1, reason: 0 },
    });
  });

  it('the core hands the evaluated input over after deciding; a throwing hook never changes the decision', async () => {
    const seen: [PolicyInput, Decision][] = [];
    const make = (onEvaluated: (input: PolicyInput, decision: Decision) => void) =>
      createAuthorizer({
        tenancy: { default_org: 'default' },
        authenticator: {
          authenticate: () =>
            Promise.resolve({ ok: false, code: 'token_missing', message: 'no token' }),
          close: () => Promise.resolve(),
        },
        directory: {
          getOrg: () => Promise.resolve(null),
          listOrgsForUser: () => Promise.resolve([]),
          ping: () => Promise.resolve(true),
        } as never,
        policy: createActivePolicy(active),
        tenancySwitch: createLocalTenancySwitch(true),
        onEvaluated,
      });
    const request = {
      kind: 'request',
      action: 'org.read',
      named_org: { id: 'acme', source: 'field' },
      resource: null,
      context: {},
    } as const;
    const decision = await make((input, d) => seen.push([input, d])).decide(request as never);
    expect(seen).toHaveLength(1);
    expect(seen[0]![1]).toBe(decision);
    expect(seen[0]![0]).toMatchObject({
      action: 'org.read',
      requested_org: { id: 'acme', source: 'field' },
      authn: { ok: false, code: 'token_missing' },
    });
    const despite = await make(() => {
      throw new Error('shadow exploded');
    }).decide(request as never);
    expect(despite).toMatchObject({ allow: false, reason: 'unauthenticated' });
  });
});
