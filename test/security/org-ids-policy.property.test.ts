/**
 * The policy and src/contract/ids.ts decide the same org ids. For generated ids (grammar ids,
 * look-alikes of the default org, dot-only ids, prototype names, strings outside the grammar) and
 * generated default orgs, the compiled policy (WASM, through the engine) answers invalid_org /
 * malformed_org_id exactly when `orgIdProblem` names a problem; otherwise it goes on to the
 * directory (here: an existing, active org where the caller is admin) and allows.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../src/contract/policy-io.js';
import { isAcceptableOrgId, orgIdProblem } from '../../src/contract/ids.js';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { grammarOrgId, orgIdCandidate } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_BUNDLE } from '../support/paths.js';

let engine: PolicyEngine;

beforeAll(async () => {
  engine = await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE }));
});

function inputFor(org: string, defaultOrg: string): PolicyInput {
  return {
    kind: 'request',
    now: 1_700_000_000,
    tenancy: { multi_tenant: true, default_org: defaultOrg },
    authn: { ok: true },
    principal: { id: 'alice', kind: 'session', scopes: [], bound_orgs: null, auth_time: null },
    action: 'org.read',
    requested_org: { id: org, source: 'header' },
    resource: null,
    context: {},
    directory: {
      available: true,
      org: { exists: true, status: 'active' },
      member_role: 'admin',
      target_role: null,
      resource_org: null,
      resource_shares: [],
    },
  };
}

/** Default orgs a deployment may configure: `default`, or any acceptable id. */
const defaultOrg = fc.oneof(
  fc.constant('default'),
  grammarOrgId.filter((id) => isAcceptableOrgId(id, id)),
);

describe('org ids: the policy agrees with the contract module', () => {
  it('refuses an id as malformed_org_id exactly when orgIdProblem names a problem', () => {
    fc.assert(
      fc.property(
        defaultOrg.chain((d) => fc.tuple(fc.constant(d), orgIdCandidate(d))),
        ([configured, id]) => {
          const result = engine.evaluate(inputFor(id, configured));
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          const problem = orgIdProblem(id, configured);
          const refused =
            result.decision.reason === 'invalid_org' &&
            result.decision.detail === 'malformed_org_id';
          expect(
            refused,
            JSON.stringify({ id, configured, problem, decision: result.decision }),
          ).toBe(problem !== null);
          if (problem === null) expect(result.decision.allow).toBe(true);
        },
      ),
      fuzzParams(1000),
    );
  });

  it('refuses the named look-alikes of the finding', () => {
    for (const id of ['Default', 'DEFAULT', '.', '..', '__proto__', 'constructor', 'prototype']) {
      const result = engine.evaluate(inputFor(id, 'default'));
      expect(result.ok && result.decision, id).toMatchObject({
        allow: false,
        reason: 'invalid_org',
        detail: 'malformed_org_id',
      });
    }
  });
});
