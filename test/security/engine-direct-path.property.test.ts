/**
 * The engine's direct path into the compiled policy changes nothing about what it decides:
 * - the text check that lets the engine skip its walk over the input (no `\ud` in the JSON text)
 *   never passes an input that holds a string which is not well-formed Unicode, keys included;
 * - over the real compiled WASM, the engine answers exactly what opa-wasm's own `evaluate` answers
 *   for the same input, for generated inputs (known and unknown actions, roles, orgs, tokens, ids
 *   with any characters), and an input with a lone surrogate is refused before the policy runs.
 */
import fc from 'fast-check';
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../src/contract/policy-io.js';
import { isWellFormedDeep } from '../../src/contract/ids.js';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { DECISION_ENTRYPOINT } from '../../src/bundle/entrypoints.js';
import { checkResultSet } from '../../src/engine/decision-schema.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_BUNDLE } from '../support/paths.js';

let engine: PolicyEngine;
let library: LoadedPolicy;

beforeAll(async () => {
  const bundle = await loadPolicyBundle({ bundle: TEST_BUNDLE });
  engine = await createPolicyEngine(bundle);
  library = await loadPolicy(bundle.wasm, { initial: 5, maximum: 1024 });
  library.setData(bundle.data);
});

/** Any string: lone surrogates, escapes, backslashes and `\ud` spelled out included. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('\ud800', '\udfff', 'a\udbffb', '\\ud800', '\\\\ud83d', '😀', '"\\', ''),
);

describe('the text check before the walk over the input', () => {
  it('an input whose JSON text has no "\\ud" holds only well-formed strings', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        anyString,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(anyString, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        if (!isWellFormedDeep(v)) expect(text.includes('\\ud'), text).toBe(true);
      }),
      fuzzParams(2000),
    );
  });
});

const role = fc.constantFrom(null, 'viewer', 'editor', 'admin', 'owner', 'member', 'Owner', 'x');
const org = fc.oneof(fc.constantFrom('acme', 'default', 'Default', 'globex', '..'), anyString);
const input = fc.record({
  kind: fc.constantFrom('request', 'batch_item', 'event', 'job', 'forward_auth'),
  now: fc.constant(1_700_000_000),
  tenancy: fc.record({ multi_tenant: fc.boolean(), default_org: fc.constantFrom('default', 'd') }),
  authn: fc.oneof(
    fc.constant({ ok: true }),
    fc.record({ ok: fc.constant(false), code: fc.constantFrom('token_expired', 'x') }),
  ),
  principal: fc.oneof(
    fc.constant(null),
    fc.record({
      id: fc.oneof(fc.constantFrom('carol', 'dave'), anyString),
      kind: fc.constantFrom('session', 'api_token', 'robot'),
      scopes: fc.array(fc.constantFrom('*', 'settings:read', 'monitoring:read'), { maxLength: 2 }),
      bound_orgs: fc.oneof(fc.constant(null), fc.array(org, { maxLength: 3 })),
      auth_time: fc.constantFrom(null, 1_699_999_990, 1_600_000_000, 1_800_000_000),
    }),
  ),
  action: fc.oneof(
    fc.constantFrom(
      'resource.read',
      'resource.write',
      'orgs.list',
      'org.members.remove',
      'org.members.update_role',
      'org.ownership.transfer',
      'events.receive',
    ),
    anyString,
  ),
  requested_org: fc.record({
    id: org,
    source: fc.constantFrom('field', 'header', 'token', 'default', 'path'),
  }),
  resource: fc.oneof(
    fc.constant(null),
    fc.record({ type: fc.constantFrom('node', 'event'), id: anyString, org: fc.option(org) }),
  ),
  context: fc.record(
    { target_user: anyString, target_role: role, event_user: anyString },
    { requiredKeys: [] },
  ),
  directory: fc.record({
    available: fc.boolean(),
    org: fc.record({ exists: fc.boolean(), status: fc.constantFrom('active', 'suspended') }),
    member_role: role,
    target_role: role,
    resource_org: fc.constant(null),
    resource_shares: fc.constant([]),
  }),
}) as fc.Arbitrary<PolicyInput>;

describe('the direct path into the compiled policy', () => {
  it("answers what opa-wasm's own evaluate answers, and never hands over a lone surrogate", () => {
    fc.assert(
      fc.property(input, (i) => {
        const direct = engine.evaluate(i);
        if (!isWellFormedDeep(i)) {
          expect(direct).toEqual({
            ok: false,
            error: 'policy input holds a string that is not well-formed Unicode',
          });
          return;
        }
        const expected = checkResultSet(library.evaluate(i, DECISION_ENTRYPOINT));
        expect(direct, JSON.stringify(i)).toEqual(expected);
        expect(direct.ok).toBe(true);
      }),
      fuzzParams(1500),
    );
  });

  it('serves inputs larger than the memory it has, growing it as the library does', () => {
    const big: PolicyInput = {
      kind: 'request',
      now: 1_700_000_000,
      tenancy: { multi_tenant: true, default_org: 'default' },
      authn: { ok: true },
      principal: { id: 'carol', kind: 'session', scopes: [], bound_orgs: null, auth_time: null },
      action: 'resource.read',
      requested_org: { id: 'acme', source: 'header' },
      resource: null,
      context: { note: 'é'.repeat(400_000) },
      directory: {
        available: true,
        org: { exists: true, status: 'active' },
        member_role: 'editor',
        target_role: null,
        resource_org: null,
        resource_shares: [],
      },
    };
    const expected = checkResultSet(library.evaluate(big, DECISION_ENTRYPOINT));
    expect(expected).toMatchObject({ ok: true, decision: { allow: true } });
    expect(engine.evaluate(big)).toEqual(expected);
  });
});
