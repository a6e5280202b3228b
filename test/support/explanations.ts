/**
 * Explanations for tests of what carries them (decision log, UI): the twelve checks of
 * contract/explain.ts with any facts, and a generator of hostile ones.
 */
import fc from 'fast-check';
import { EXPLAIN_CHECKS, type ExplainFact, type Explanation } from '../../src/contract/explain.js';
import { logFieldText } from './arbitraries.js';

/** A deny decided at `at` (a check's index) with `facts` on that step; others pass or skip. */
export function denyExplanation(
  at: number,
  reason: string,
  detail: string | null,
  facts: Record<string, ExplainFact> = {},
): Explanation {
  return EXPLAIN_CHECKS.map((check, i) =>
    i < at
      ? { check, passed: true as const, facts: {} }
      : i === at
        ? { check, passed: false as const, reason, detail, facts }
        : { check, passed: 'skipped' as const, facts: {} },
  );
}

const fact: fc.Arbitrary<ExplainFact> = fc.oneof(
  logFieldText,
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.array(logFieldText, { maxLength: 40 }),
);

/** Any well-shaped explanation with hostile fact text (huge, astral, lone surrogates, quotes). */
export const anyExplanation: fc.Arbitrary<Explanation> = fc
  .tuple(
    fc.integer({ min: 0, max: EXPLAIN_CHECKS.length - 1 }),
    fc.constantFrom('access_denied', 'cross_org', 'missing_scope'),
    fc.option(logFieldText, { nil: null }),
    fc.dictionary(fc.constantFrom('member_role', 'bound_orgs', 'share_id', 'scopes'), fact),
  )
  .map(([at, reason, detail, facts]) => denyExplanation(at, reason, detail, facts));
