/**
 * When the next JWKS fetch may start. Pure: the state is a value, each outcome gives a new one.
 *
 * Invariant (the fetch budget): two fetches of one JWKS URL start at least
 *   - `cooldownMs` apart when the first succeeded, and
 *   - `backoffMs · 2^(n−1)`, capped at `backoffMaxMs`, apart when the first was the n-th failure
 *     in a row,
 * measured from the moment the first one settled. No token, known `kid` or not, opens the gate
 * early; so over any time span T a replica fetches at most 1 + T / min(cooldownMs, backoffMs)
 * times, and far fewer while the endpoint keeps failing.
 */
export interface RefetchPolicy {
  cooldownMs: number;
  backoffMs: number;
  backoffMaxMs: number;
}

export interface GateState {
  /** Earliest time (ms) the next fetch may start; 0 before the first fetch. */
  readonly openAt: number;
  /** Failed fetches since the last success. */
  readonly failures: number;
}

export const INITIAL_GATE: GateState = Object.freeze({ openAt: 0, failures: 0 });

export const isOpen = (gate: GateState, nowMs: number): boolean => nowMs >= gate.openAt;

export function afterSuccess(policy: RefetchPolicy, settledAtMs: number): GateState {
  return { openAt: settledAtMs + policy.cooldownMs, failures: 0 };
}

export function afterFailure(
  policy: RefetchPolicy,
  gate: GateState,
  settledAtMs: number,
): GateState {
  const failures = gate.failures + 1;
  return { openAt: settledAtMs + failureWaitMs(policy, failures), failures };
}

/** The wait after the n-th consecutive failure: doubling from `backoffMs`, never past the cap. */
function failureWaitMs(policy: RefetchPolicy, failures: number): number {
  const doublings = Math.min(Math.max(failures - 1, 0), 40);
  return Math.min(policy.backoffMs * 2 ** doublings, policy.backoffMaxMs);
}
