/**
 * Fail-closed checking of what the explain entrypoint returned, as decision-schema.ts does for the
 * decision: only the exact shape of src/contract/explain.ts that agrees with the decision is
 * accepted (the twelve checks in order; on a deny exactly one false step, carrying the decision's
 * reason and detail, and only skipped steps after it; on an allow no false step). Anything else is
 * an error the caller logs and drops: an explanation never changes a decision.
 */
import {
  EXPLAIN_CHECKS,
  type ExplainFact,
  type ExplainStep,
  type Explanation,
} from '../contract/explain.js';
import type { PolicyDecision } from '../contract/policy-io.js';

export type CheckedExplanation = { ok: true; explain: Explanation } | { ok: false; error: string };

/** More facts than any check reads: a policy that sends more is not the one documented. */
const MAX_FACTS = 16;

export function checkExplainResultSet(
  resultSet: unknown,
  decision: PolicyDecision,
): CheckedExplanation {
  if (!Array.isArray(resultSet) || resultSet.length !== 1)
    return { ok: false, error: 'explanation is not exactly one result' };
  const first: unknown = resultSet[0];
  if (!isObject(first) || !Object.hasOwn(first, 'result'))
    return { ok: false, error: 'explanation result has no value' };
  return checkExplanation(first.result, decision);
}

export function checkExplanation(value: unknown, decision: PolicyDecision): CheckedExplanation {
  if (!Array.isArray(value) || value.length !== EXPLAIN_CHECKS.length)
    return { ok: false, error: `explanation is not a list of ${EXPLAIN_CHECKS.length} steps` };
  const steps: ExplainStep[] = [];
  for (const [i, check] of EXPLAIN_CHECKS.entries()) {
    const step = checkStep(value[i], check);
    if (typeof step === 'string') return { ok: false, error: `explanation step ${i}: ${step}` };
    steps.push(step);
  }
  const falseAt = steps.flatMap((s, i) => (s.passed === false ? [i] : []));
  if (decision.allow)
    return falseAt.length === 0
      ? { ok: true, explain: steps }
      : { ok: false, error: 'explanation has a failed check on an allow' };
  const [at, ...more] = falseAt;
  const deciding = at === undefined ? undefined : steps[at];
  if (at === undefined || deciding === undefined || more.length > 0)
    return { ok: false, error: 'explanation of a deny has no single failed check' };
  if (deciding.reason !== decision.reason || deciding.detail !== decision.detail)
    return { ok: false, error: 'explanation disagrees with the decision' };
  if (steps.slice(at + 1).some((s) => s.passed !== 'skipped'))
    return { ok: false, error: 'explanation has a check after the deciding one' };
  return { ok: true, explain: steps };
}

function checkStep(raw: unknown, check: string): ExplainStep | string {
  if (!isObject(raw)) return 'not an object';
  if (raw.check !== check) return `check is not ${check}`;
  const { passed, reason, detail, facts } = raw;
  if (!(passed === true || passed === false || passed === 'skipped')) return 'passed is malformed';
  if (!isObject(facts)) return 'facts is not an object';
  const keys = Object.keys(facts);
  if (keys.length > MAX_FACTS) return 'too many facts';
  if (!keys.every((k) => isFact(facts[k]))) return 'a fact has the wrong type';
  const extra = Object.keys(raw).filter((k) => !STEP_KEYS.has(k));
  if (extra.length > 0) return `unexpected keys ${extra.join(', ')}`;
  const step: ExplainStep = {
    check: check as ExplainStep['check'],
    passed,
    facts: facts as Record<string, ExplainFact>,
  };
  if (passed !== false) return reason === undefined && detail === undefined ? step : 'stray reason';
  if (typeof reason !== 'string') return 'a failed check has no reason';
  if (!(detail === null || typeof detail === 'string')) return 'detail is malformed';
  return { check: step.check, passed, reason, detail, facts: step.facts };
}

const STEP_KEYS = new Set(['check', 'passed', 'reason', 'detail', 'facts']);

const isFact = (v: unknown): v is ExplainFact =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v)) ||
  (Array.isArray(v) && v.every((x) => typeof x === 'string'));

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
