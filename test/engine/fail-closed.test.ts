/**
 * Fail closed: every way the policy can fail — a real compiled WASM answering a malformed
 * document, an undefined decision, an evaluation-time abort, memory growth past the cap — and
 * the shapes only a stub can produce (null, several results) end as `{ok:false}`, and through
 * the decision core as a deny with reason `policy_error`.
 */
import path from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../src/authz/authorizer.js';
import { createLocalTenancySwitch } from '../../src/tenancy/local-tenancy-switch.js';
import { createActivePolicy } from '../../src/engine/active-policy.js';
import { checkDecision } from '../../src/engine/decision-schema.js';
import { compilePolicyDir } from '../../src/bundle/opa-cli.js';
import { loadPolicyBundle, parseBundle } from '../../src/bundle/policy-bundle.js';
import { createPolicyEngine, engineOver, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import type { PolicyInput } from '../../src/contract/policy-io.js';
import { TEST_BUNDLE } from '../support/paths.js';

const BROKEN = path.resolve('test', 'support', 'fixtures', 'broken-policies');

const input = (overrides: Partial<PolicyInput> = {}): PolicyInput => ({
  kind: 'request',
  now: 1_800_000_000,
  tenancy: { multi_tenant: true, default_org: 'default' },
  authn: { ok: true },
  principal: { id: 'alice', kind: 'session', scopes: [], bound_orgs: null, auth_time: null },
  action: 'org.read',
  requested_org: { id: 'acme', source: 'header' },
  resource: null,
  context: {},
  directory: {
    available: true,
    org: { exists: true, status: 'active' },
    member_role: 'owner',
    target_role: null,
    resource_org: null,
    resource_shares: [],
  },
  ...overrides,
});

const brokenEngines: Record<string, PolicyEngine> = {};

beforeAll(async () => {
  for (const name of ['malformed', 'undefined', 'conflict']) {
    brokenEngines[name] = await createPolicyEngine(
      await parseBundle(await compilePolicyDir(path.join(BROKEN, name)), name),
    );
  }
});

describe('compiled WASM failure shapes', () => {
  it('a malformed allow document is not an allow', () => {
    const result = brokenEngines.malformed!.evaluate(input());
    expect(result).toEqual({
      ok: false,
      error: 'policy decision status undefined does not match reason allowed',
    });
  });

  it('an undefined decision ([]) is an error', () => {
    expect(brokenEngines.undefined!.evaluate(input())).toEqual({
      ok: false,
      error: 'policy decision is undefined',
    });
  });

  it('an evaluation-time abort (thrown string) is an error', () => {
    const result = brokenEngines.conflict!.evaluate(input());
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(
      /^policy evaluation failed: abort: .*var assignment conflict/,
    );
  });

  it('memory growth past the cap is an error, and the engine keeps serving afterwards', async () => {
    const engine = await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE }));
    const huge = input({ context: { blob: 'x'.repeat(80 * 1024 * 1024) } });
    const result = engine.evaluate(huge);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^policy evaluation failed: RangeError/);
    const after = engine.evaluate(input());
    expect(after).toMatchObject({ ok: true, decision: { allow: true, reason: 'allowed' } });
  });
});

describe('strings that are not well-formed Unicode', () => {
  it('abort the compiled WASM when handed over raw (why the engine never hands them over)', async () => {
    const bundle = await loadPolicyBundle({ bundle: TEST_BUNDLE });
    const raw = await loadPolicy(bundle.wasm);
    raw.setData(bundle.data);
    expect(
      () =>
        raw.evaluate(input({ context: { note: '\ud800' } }), 'orgwarden/authz/decision') as unknown,
    ).toThrow();
  });

  it('never reach the evaluator: the engine reports them as an error of its own', () => {
    let calls = 0;
    const engine = engineOver(
      { evaluate: () => (calls += 1) },
      { revision: 'sha256:test', data: {} },
      new Date(0),
    );
    for (const bad of [
      input({ action: '\udfff' }),
      input({ context: { ['k\ud800']: 'v' } }),
      input({ requested_org: { id: 'a\udbff', source: 'path' } }),
    ]) {
      expect(engine.evaluate(bad)).toEqual({
        ok: false,
        error: 'policy input holds a string that is not well-formed Unicode',
      });
    }
    expect(calls).toBe(0);
  });
});

describe('evaluator shapes only a stub can produce', () => {
  const bundle = { revision: 'sha256:test', data: {} };
  const stub = (value: unknown) => engineOver({ evaluate: () => value }, bundle, new Date(0));
  const thrower = (value: unknown) =>
    engineOver(
      {
        evaluate: () => {
          throw value;
        },
      },
      bundle,
      new Date(0),
    );

  it.each([
    ['null', stub(null), 'policy returned no result set'],
    ['a non-list', stub({ result: {} }), 'policy result set is not a list'],
    ['two results', stub([{ result: {} }, { result: {} }]), 'policy returned more than one result'],
    ['no result key', stub([{}]), 'policy result has no value'],
    ['a thrown string', thrower('boom'), 'policy evaluation failed: abort: boom'],
    [
      'a thrown RangeError',
      thrower(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded')),
      'policy evaluation failed: RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded',
    ],
    ['a thrown non-error', thrower(42), 'policy evaluation failed: unknown error'],
  ])('%s', (_name, engine, error) => {
    expect(engine.evaluate(input())).toEqual({ ok: false, error });
  });
});

describe('decision schema', () => {
  const good = {
    allow: false,
    reason: 'access_denied',
    detail: 'not_member',
    status: 403,
    effective_org: null,
    role: null,
    spoof: true,
  };
  it('accepts the exact document', () => {
    expect(checkDecision(good)).toEqual({ ok: true, decision: good });
  });
  it.each([
    ['an extra key', { ...good, admin: true }, 'policy decision has unexpected keys: admin'],
    [
      'an unknown reason',
      { ...good, reason: 'because' },
      'policy decision has unknown reason "because"',
    ],
    [
      'allow with a deny reason',
      { ...good, allow: true },
      'policy decision allow and reason disagree',
    ],
    [
      'a deny with reason allowed',
      { ...good, reason: 'allowed', status: 200 },
      'policy decision allow and reason disagree',
    ],
    [
      'a status that does not match',
      { ...good, status: 200 },
      'policy decision status 200 does not match reason access_denied',
    ],
    [
      'allow as a string',
      { ...good, allow: 'false' },
      'policy decision field allow has the wrong type',
    ],
    [
      'spoof missing',
      { ...good, spoof: undefined },
      'policy decision field spoof has the wrong type',
    ],
    [
      'an allow without an effective org',
      { ...good, allow: true, reason: 'allowed', status: 200, spoof: false },
      'policy allowed without an effective org or with spoof set',
    ],
    ['an array', [good], 'policy decision is not an object'],
  ])('rejects %s', (_name, value, error) => {
    expect(checkDecision(value)).toEqual({ ok: false, error });
  });
});

describe('through the decision core', () => {
  const principal = {
    id: 'alice',
    kind: 'session' as const,
    scopes: [],
    bound_orgs: null,
    auth_time: null,
  };
  const directory = {
    getOrg: (id: string) =>
      Promise.resolve({
        id,
        status: 'active' as const,
        members: [{ user: 'alice', role: 'owner' as const }],
        shares: [],
      }),
    listOrgsForUser: () => Promise.resolve([]),
  };
  const decideWith = (engine: PolicyEngine | null) =>
    createAuthorizer({
      tenancy: { default_org: 'default' },
      authenticator: {
        authenticate: () => Promise.resolve({ ok: true, principal }),
        close: () => Promise.resolve(),
      },
      directory,
      policy: createActivePolicy(engine),
      tenancySwitch: createLocalTenancySwitch(true),
    }).decide({
      kind: 'request',
      token: 't',
      named_org: { id: 'acme', source: 'header' },
      action: 'org.read',
      resource: null,
      context: {},
    });

  it.each(['malformed', 'undefined', 'conflict'])(
    'the %s policy denies with policy_error (500)',
    async (name) => {
      const decision = await decideWith(brokenEngines[name]!);
      expect(decision).toMatchObject({
        allow: false,
        reason: 'policy_error',
        status: 500,
        effective_org: null,
        spoof: false,
      });
      expect(decision.principal).toEqual({ id: 'alice', kind: 'session' });
    },
  );

  it('no active policy denies with policy_error', async () => {
    expect(await decideWith(null)).toMatchObject({
      allow: false,
      reason: 'policy_error',
      policy_revision: null,
    });
  });
});
