/**
 * The fail-closed check of the explain entrypoint's result: only the twelve checks in order that
 * agree with the decision pass; every other shape is an error (the caller drops the explanation,
 * the decision is untouched). And an engine over a bundle without the entrypoint explains nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Explanation } from '../../src/contract/explain.js';
import type { PolicyDecision } from '../../src/contract/policy-io.js';
import { checkExplainResultSet, checkExplanation } from '../../src/engine/explain-schema.js';
import { engineOver } from '../../src/engine/wasm-engine.js';
import { DECISION_ENTRYPOINT } from '../../src/bundle/entrypoints.js';
import { denyExplanation } from '../support/explanations.js';

const deny: PolicyDecision = {
  allow: false,
  reason: 'access_denied',
  detail: 'not_member',
  status: 403,
  effective_org: null,
  role: null,
  spoof: true,
};
const allow: PolicyDecision = {
  ...deny,
  allow: true,
  reason: 'allowed',
  detail: null,
  status: 200,
};
const good = denyExplanation(7, 'access_denied', 'not_member', { member_role: null });
const edit = (f: (steps: Explanation) => void): unknown => {
  const steps = structuredClone<Explanation>(good);
  f(steps);
  return steps;
};

describe('explanation check', () => {
  it('accepts the twelve checks that agree with the decision', () => {
    expect(checkExplanation(good, deny)).toEqual({ ok: true, explain: good });
    expect(checkExplainResultSet([{ result: good }], deny)).toMatchObject({ ok: true });
  });

  it.each([
    ['not a list', {}, 'is not a list of 12 steps'],
    ['eleven steps', good.slice(1), 'is not a list of 12 steps'],
    ['checks out of order', edit((s) => s.reverse()), 'step 0: check is not authenticate'],
    [
      'a passed that is no verdict',
      edit((s) => void ((s[0] as { passed: unknown }).passed = 'maybe')),
      'passed is malformed',
    ],
    [
      'a fact of the wrong type',
      edit((s) => void ((s[7]!.facts as Record<string, unknown>).x = { a: 1 })),
      'a fact has the wrong type',
    ],
    [
      'a stray key',
      edit((s) => void ((s[0] as unknown as Record<string, unknown>).why = 'x')),
      'unexpected keys why',
    ],
    [
      'another reason',
      edit((s) => void (s[7]!.reason = 'cross_org')),
      'disagrees with the decision',
    ],
    [
      'another detail',
      edit((s) => void (s[7]!.detail = 'token_org_mismatch')),
      'disagrees with the decision',
    ],
    [
      'two failed checks',
      edit(
        (s) =>
          void Object.assign(s[3]!, {
            passed: false,
            reason: 'access_denied',
            detail: 'not_member',
          }),
      ),
      'no single failed check',
    ],
    [
      'a check after the deciding one that passed',
      edit((s) => void (s[9]!.passed = true)),
      'a check after the deciding one',
    ],
  ])('refuses %s', (_name, value, error) => {
    const checked = checkExplanation(value, deny);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error).toContain(error);
  });

  it('refuses a failed check on an allow, and a result set that is not exactly one result', () => {
    expect(checkExplanation(good, allow)).toMatchObject({ ok: false });
    expect(checkExplainResultSet([], deny)).toMatchObject({ ok: false });
    expect(checkExplainResultSet([{ result: good }, { result: good }], deny)).toMatchObject({
      ok: false,
    });
  });

  it('an engine over a bundle without the explain entrypoint explains nothing and still decides', () => {
    const engine = engineOver(
      { evaluate: () => [{ result: deny }] },
      { revision: 'r', data: {} },
      new Date(),
      [DECISION_ENTRYPOINT],
    );
    const input = {} as Parameters<typeof engine.evaluate>[0];
    expect(engine.evaluate(input)).toMatchObject({ ok: true, decision: deny });
    expect(engine.explain(input, deny)).toEqual({
      ok: false,
      error: 'policy has no explain entrypoint',
    });
  });
});
