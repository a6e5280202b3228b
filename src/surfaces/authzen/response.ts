/**
 * The AuthZEN answer to one evaluation: `decision` and a `context` that carries orgwarden's reason,
 * the status the PEP should answer its own client with, whether the org was spoofed, the org the
 * decision is for, the decision id (the decision log's key) and `retryable`.
 *
 * `retryable` tells a denial from "could not evaluate": it is true exactly for the reasons whose
 * contract status is 500 or 503 (`policy_error`, `directory_unavailable`, `keys_unavailable`), read
 * from the one vocabulary so a reason added there is classified by its status, never by a second
 * list. 501 (`feature_disabled`) is not among them: the feature is off, a lasting answer. Such a
 * decision is still `decision: false` (fail closed); asking again later may succeed.
 */
import type { Decision } from '../../contract/decision.js';
import { REASON_STATUS, type Reason } from '../../contract/reasons.js';

export interface AuthzenDecision {
  decision: boolean;
  context: {
    reason: Reason;
    status: number;
    spoof: boolean;
    effective_org: string | null;
    decision_id: string;
    retryable: boolean;
  };
}

/** The statuses of the reasons that mean "could not evaluate": a failure, not an answer. */
const COULD_NOT_EVALUATE: ReadonlySet<number> = new Set([500, 503]);

/** Whether a decision with this reason could not be evaluated (asking again may succeed). */
export const isRetryable = (reason: Reason): boolean =>
  COULD_NOT_EVALUATE.has(REASON_STATUS[reason]);

export function authzenDecision(d: Decision): AuthzenDecision {
  return {
    decision: d.allow,
    context: {
      reason: d.reason,
      status: d.status,
      spoof: d.spoof,
      effective_org: d.effective_org,
      decision_id: d.decision_id,
      retryable: isRetryable(d.reason),
    },
  };
}
