/**
 * The generated org-boundary suite against the compiled default policy, in process: every decision
 * case agrees with the oracle, every applicable cell the in-process run can reach is exercised, and
 * a policy that disagrees with the contract fails with the case named.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/engine/wasm-engine.js';
import { fixtureSecret } from '../../src/evidence/boundary/fixture.js';
import {
  boundaryCoverage,
  runBoundaryOnEngine,
  type BoundarySuite,
} from '../../src/evidence/boundary/index.js';
import { defaultPack } from './boundary-helpers.js';

/** Cells only a gateway run reaches (the org in the path). */
const GATEWAY_ONLY = ['org_by_path', 'org_path_header_disagree'];

let engine: PolicyEngine;
let suite: BoundarySuite;
beforeAll(async () => {
  ({ engine, suite } = await defaultPack());
});

describe('the generated org-boundary suite on the compiled default policy', () => {
  it('agrees with the oracle on every decision case', async () => {
    const run = await runBoundaryOnEngine(suite, engine, fixtureSecret());
    const failed = run.results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.message ?? ''}`);
    expect(failed).toEqual([]);
    expect(run.results.length).toBe(suite.cases.filter((c) => c.surface === 'decide').length);
    const coverage = boundaryCoverage(suite, [run]);
    expect(coverage.failing).toEqual([]);
    // Everything but the gateway-only cells is exercised in process.
    expect(coverage.unexercised.filter((c) => !GATEWAY_ONLY.includes(c.boundary))).toEqual([]);
    expect(coverage.exercised).toBeGreaterThan(0);
  });

  it('fails a policy that lets a viewer invite, naming the cells and the case', async () => {
    const lax: PolicyEngine = {
      ...engine,
      evaluate(input) {
        const result = engine.evaluate(input);
        if (
          result.ok &&
          input.action === 'org.members.invite' &&
          result.decision.reason === 'insufficient_role'
        )
          return {
            ok: true,
            decision: { ...result.decision, allow: true, reason: 'allowed', status: 200 },
          };
        return result;
      },
    };
    const run = await runBoundaryOnEngine(suite, lax, fixtureSecret());
    const coverage = boundaryCoverage(suite, [run]);
    const own = coverage.failing.find(
      (c) => c.action === 'org.members.invite' && c.boundary === 'own_org',
    );
    expect(own?.cases).toContainEqual(
      'wasm: org.members.invite × own_org × session:viewer: allow: expected false, got true',
    );
    expect(coverage.failing.every((c) => c.action === 'org.members.invite')).toBe(true);
    expect(coverage.percent).toBeLessThan(100);
  });

  it("fails a policy that ignores a share's state", async () => {
    const lax: PolicyEngine = {
      ...engine,
      evaluate(input) {
        const pending = input.directory.resource_shares.map((s) => ({ ...s, state: 'accepted' }));
        return engine.evaluate({
          ...input,
          directory: { ...input.directory, resource_shares: pending },
        });
      },
    };
    const run = await runBoundaryOnEngine(suite, lax, fixtureSecret());
    const failing = boundaryCoverage(suite, [run]).failing;
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((c) => c.boundary === 'resource_pending_share')).toBe(true);
  });
});
