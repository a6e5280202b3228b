/**
 * The decision memo inside the decision core (real compiled policy, real HS256 authenticator):
 * what a hit skips (the evaluation only) and what it does not (ids, observers, the shadow hook),
 * that a memo belongs to one engine instance, that failures are never held, the config keys and
 * the hits/misses counter of a real app.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer, type AuthorizerDeps } from '../../src/authz/authorizer.js';
import { createDecisionMemo } from '../../src/authz/decision-memo.js';
import type { App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { DecisionRecord } from '../../src/contract/decision.js';
import type { DecisionRequest } from '../../src/contract/decision-request.js';
import type { PolicyInput } from '../../src/contract/policy-io.js';
import { createActivePolicy } from '../../src/engine/active-policy.js';
import type { PolicyEngine } from '../../src/engine/wasm-engine.js';
import { policyConfigSchema } from '../../src/policy-rollout/config.js';
import { createLocalTenancySwitch } from '../../src/tenancy/local-tenancy-switch.js';
import { createTestApp, session, testConfigDoc, TEST_BUNDLE } from '../support/app.js';
import { loadCoreParts, type CoreParts } from '../support/core-over-records.js';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';

let parts: CoreParts;
let token: string;
beforeAll(async () => {
  parts = await loadCoreParts();
  token = await mintHs256(TEST_SECRET, { sub: 'carol' }, { now: parts.now });
});

/** The real engine, counting its evaluations. */
function counting(engine: PolicyEngine): PolicyEngine & { calls: number } {
  const counted = {
    calls: 0,
    revision: engine.revision,
    entrypoints: engine.entrypoints,
    loadedAt: engine.loadedAt,
    data: engine.data,
    evaluate(input: PolicyInput) {
      counted.calls++;
      return engine.evaluate(input);
    },
    explain: engine.explain,
  };
  return counted;
}

const directory = {
  getOrg: (id: string) =>
    Promise.resolve(
      id === 'acme'
        ? {
            id,
            status: 'active' as const,
            members: [{ user: 'carol', role: 'editor' as const }],
            shares: [],
          }
        : null,
    ),
  listOrgsForUser: () => Promise.resolve([]),
};

function coreWith(engine: PolicyEngine, memo: AuthorizerDeps['memo']) {
  const records: DecisionRecord[] = [];
  const inputs: PolicyInput[] = [];
  const policy = createActivePolicy(engine);
  const outcomes: string[] = [];
  const authorizer = createAuthorizer({
    tenancy: { default_org: 'default' },
    authenticator: parts.authenticator,
    directory,
    policy,
    tenancySwitch: createLocalTenancySwitch(true),
    now: () => parts.now,
    observers: [{ onDecision: (r) => records.push(r) }],
    onEvaluated: (input) => inputs.push(input),
    ...(memo ? { memo: { ...memo, onLookup: (o) => outcomes.push(o) } } : {}),
  });
  return { authorizer, records, inputs, policy, outcomes };
}

const request = (): DecisionRequest => ({
  kind: 'request',
  token,
  named_org: { id: 'acme', source: 'field' },
  action: 'resource.read',
  resource: { type: 'node', id: 'n1', org: 'acme' },
  context: {},
});

describe('the decision memo in the decision core', () => {
  it('skips only the evaluation: each decision has its own id, observers and the shadow hook see it', async () => {
    const engine = counting(parts.engine);
    const core = coreWith(engine, { entries: 100, bytes: 1 << 20 });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await core.authorizer.decide(request()));
    // Stored from the input's second evaluation on; answered from the memo after that.
    expect(engine.calls).toBe(2);
    expect(core.outcomes).toEqual(['miss', 'miss', 'hit', 'hit']);
    expect(decisions.map((d) => d.allow)).toEqual([true, true, true, true]);
    expect(new Set(decisions.map((d) => d.decision_id)).size).toBe(4);
    expect(core.records.map((r) => r.decision)).toEqual(decisions);
    expect(core.inputs).toHaveLength(4);
    expect(core.inputs[3]).toEqual(core.inputs[0]);
  });

  it('belongs to one engine instance: a reload starts an empty memo', async () => {
    const first = counting(parts.engine);
    const second = counting(parts.engine);
    const core = coreWith(first, { entries: 100, bytes: 1 << 20 });
    for (let i = 0; i < 3; i++) await core.authorizer.decide(request());
    core.policy.swap(second);
    for (let i = 0; i < 3; i++) await core.authorizer.decide(request());
    expect([first.calls, second.calls]).toEqual([2, 2]);
    expect(core.outcomes).toEqual(['miss', 'miss', 'hit', 'miss', 'miss', 'hit']);
  });

  it('never stores a one-off input: only an input evaluated twice is held', async () => {
    const engine = counting(parts.engine);
    const core = coreWith(engine, { entries: 100, bytes: 1 << 20 });
    const about = (id: string): DecisionRequest => ({
      ...request(),
      resource: { type: 'node', id, org: 'acme' },
    });
    for (let i = 0; i < 50; i++) await core.authorizer.decide(about(`r${i}`));
    for (let i = 0; i < 50; i++) await core.authorizer.decide(about(`r${i}`));
    expect(core.outcomes.filter((o) => o === 'hit')).toHaveLength(0);
    for (let i = 0; i < 50; i++) await core.authorizer.decide(about(`r${i}`));
    expect(core.outcomes.filter((o) => o === 'hit')).toHaveLength(50);
    expect(engine.calls).toBe(100);
  });

  it('never holds a failed evaluation', async () => {
    const failing = { ...counting(parts.engine), calls: 0 };
    failing.evaluate = () => {
      failing.calls++;
      return { ok: false, error: 'policy decision is undefined' };
    };
    const core = coreWith(failing, { entries: 100, bytes: 1 << 20 });
    for (let i = 0; i < 3; i++)
      expect((await core.authorizer.decide(request())).reason).toBe('policy_error');
    expect(failing.calls).toBe(3);
  });

  it('is off without options, or with 0 entries or 0 bytes', async () => {
    for (const memo of [undefined, { entries: 0, bytes: 1 << 20 }, { entries: 100, bytes: 0 }]) {
      const engine = counting(parts.engine);
      const core = coreWith(engine, memo);
      for (let i = 0; i < 3; i++) await core.authorizer.decide(request());
      expect(engine.calls).toBe(3);
      expect(core.outcomes).toEqual([]);
    }
  });
});

describe('policy.memo_entries and policy.memo_bytes', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('default to 10 000 answers and 16 MiB, accept 0, refuse a negative', () => {
    const policy = parseConfig(testConfigDoc()).policy;
    expect([policy.memo_entries, policy.memo_bytes]).toEqual([10_000, 16 * 1024 * 1024]);
    const off = parseConfig(
      testConfigDoc({ extra: { policy: { bundle: TEST_BUNDLE, memo_entries: 0 } } }),
    );
    expect(off.policy.memo_entries).toBe(0);
    expect(() =>
      parseConfig(testConfigDoc({ extra: { policy: { bundle: TEST_BUNDLE, memo_bytes: -1 } } })),
    ).toThrow(/policy\.memo_bytes/);
  });

  it('are documented in docs/config.md', () => {
    const doc = readFileSync(path.resolve('docs', 'config.md'), 'utf8');
    const section = doc.slice(doc.indexOf('\n## `policy`\n'));
    const keys = Object.keys(policyConfigSchema({ baseDir: '.', env: null }).unwrap().shape);
    for (const key of ['memo_entries', 'memo_bytes']) {
      expect(keys).toContain(key);
      expect(section).toContain(`\n| \`${key}\` |`);
    }
  });

  it('count hits and misses in orgwarden_decision_memo_lookups_total; 0 counts nothing', async () => {
    const body = { token: await session('carol'), org: 'acme', action: 'resource.read' };
    const lookups = async (a: App) =>
      (await a.metrics.registry.metrics())
        .split('\n')
        .filter((l) => l.startsWith('orgwarden_decision_memo_lookups_total'))
        .sort();
    // One clock reading for all three: the policy's `now` (seconds) is part of the key.
    const now = Date.now();
    app = await createTestApp({ now: () => now });
    for (let i = 0; i < 3; i++) await app.authorizer.authorize(body);
    expect(await lookups(app)).toEqual([
      'orgwarden_decision_memo_lookups_total{outcome="hit"} 1',
      'orgwarden_decision_memo_lookups_total{outcome="miss"} 2',
    ]);
    await app.stop();
    app = await createTestApp({
      now: () => now,
      extra: { policy: { bundle: TEST_BUNDLE, memo_entries: 0 } },
    });
    for (let i = 0; i < 3; i++) await app.authorizer.authorize(body);
    expect(await lookups(app)).toEqual([
      'orgwarden_decision_memo_lookups_total{outcome="hit"} 0',
      'orgwarden_decision_memo_lookups_total{outcome="miss"} 0',
    ]);
  });
});

describe('the decision memo alone', () => {
  const allow = {
    allow: true,
    reason: 'allowed',
    detail: null,
    status: 200,
    effective_org: 'acme',
    role: 'editor',
    spoof: false,
  };
  const engine = {
    revision: 'r',
    entrypoints: [],
    loadedAt: new Date(0),
    data: {},
    evaluate: () => ({ ok: true as const, decision: { ...allow } }),
  } as unknown as PolicyEngine;
  const inputAbout = (id: string) =>
    ({ kind: 'request', context: { note: id.padEnd(200, '.') } }) as unknown as PolicyInput;

  it('keeps answers and first sightings together within memo_bytes and each within memo_entries', () => {
    const limits = { entries: 40, bytes: 32 * 1024 };
    const memo = createDecisionMemo(limits);
    let largest = 0;
    for (let i = 0; i < 2000; i++) {
      // Every input comes twice, a few others apart, so both lists fill and evict.
      memo(engine, inputAbout(`i${Math.floor(i / 2) + (i % 2) * 3}`));
      const held = memo.footprint();
      expect(held.answers).toBeLessThanOrEqual(limits.entries);
      expect(held.sightings).toBeLessThanOrEqual(limits.entries);
      expect(held.bytes).toBeLessThanOrEqual(limits.bytes);
      largest = Math.max(largest, held.bytes);
    }
    expect(memo.footprint().answers).toBeGreaterThan(0);
    // Both lists are full at the end: the bound is reached, not avoided.
    expect(largest).toBeGreaterThan(limits.bytes / 2);
  });
});
