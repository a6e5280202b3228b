/**
 * Fail-closed checking of what the policy returned. The WASM evaluator can hand back `null`
 * (an error), `[]` (undefined), several results, or a value of any shape; only one exact
 * decision document is accepted, everything else is reported as a policy error.
 */
import { POLICY_DECISION_KEYS, type PolicyDecision } from '../contract/policy-io.js';
import { REASON_STATUS, isReason } from '../contract/reasons.js';

export type CheckedDecision = { ok: true; decision: PolicyDecision } | { ok: false; error: string };

export function checkResultSet(resultSet: unknown): CheckedDecision {
  if (resultSet === null || resultSet === undefined)
    return { ok: false, error: 'policy returned no result set' };
  if (!Array.isArray(resultSet)) return { ok: false, error: 'policy result set is not a list' };
  if (resultSet.length === 0) return { ok: false, error: 'policy decision is undefined' };
  if (resultSet.length > 1) return { ok: false, error: 'policy returned more than one result' };
  const first: unknown = resultSet[0];
  if (!isObject(first) || !Object.hasOwn(first, 'result'))
    return { ok: false, error: 'policy result has no value' };
  return checkDecision(first.result);
}

export function checkDecision(value: unknown): CheckedDecision {
  if (!isObject(value)) return { ok: false, error: 'policy decision is not an object' };
  const extra = Object.keys(value).filter(
    (k) => !(POLICY_DECISION_KEYS as readonly string[]).includes(k),
  );
  if (extra.length > 0)
    return { ok: false, error: `policy decision has unexpected keys: ${extra.join(', ')}` };
  const { allow, reason, detail, status, effective_org, role, spoof } = value;
  if (typeof allow !== 'boolean') return bad('allow');
  if (!isReason(reason))
    return { ok: false, error: `policy decision has unknown reason ${JSON.stringify(reason)}` };
  if (allow !== (reason === 'allowed'))
    return { ok: false, error: 'policy decision allow and reason disagree' };
  if (status !== REASON_STATUS[reason])
    return {
      ok: false,
      error: `policy decision status ${String(status)} does not match reason ${reason}`,
    };
  if (!(detail === null || typeof detail === 'string')) return bad('detail');
  if (!(effective_org === null || typeof effective_org === 'string')) return bad('effective_org');
  if (!(role === null || typeof role === 'string')) return bad('role');
  if (typeof spoof !== 'boolean') return bad('spoof');
  if (allow && (spoof || effective_org === null))
    return { ok: false, error: 'policy allowed without an effective org or with spoof set' };
  return {
    ok: true,
    decision: { allow, reason, detail, status: REASON_STATUS[reason], effective_org, role, spoof },
  };
}

const bad = (key: string): CheckedDecision => ({
  ok: false,
  error: `policy decision field ${key} has the wrong type`,
});
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
