/**
 * Expectations that change over a run, from the times the suite's own calls were sent and
 * answered: a revoked member (allow until the revocation is sent, either until its answer plus the
 * propagation bound, deny after), and a switch flipped on and off (the state of the last answered
 * flip once the bound has passed, either while a flip is in flight or inside its bound).
 */
import type { Expectation } from './load.js';

export interface RevocationTimeline {
  /** The revocation was sent at `at` (performance.now()). */
  sent(at: number): void;
  /** Its answer came at `at`: acknowledged (200) or not (outcome unknown: either, for good). */
  answered(at: number, acknowledged: boolean): void;
  expect(sentAt: number): Expectation;
  /** performance.now() of the answer, or null while none came or it was not acknowledged. */
  readonly acknowledgedAt: number | null;
}

export function revocationTimeline(boundMs: number): RevocationTimeline {
  let sentAt: number | null = null;
  let denyFrom = Infinity;
  let acknowledgedAt: number | null = null;
  return {
    sent(at) {
      sentAt = at;
    },
    answered(at, acknowledged) {
      if (!acknowledged) return;
      acknowledgedAt = at;
      denyFrom = at + boundMs;
    },
    expect(at) {
      if (sentAt === null || at < sentAt) return 'allow';
      return at >= denyFrom ? 'deny' : 'any';
    },
    get acknowledgedAt() {
      return acknowledgedAt;
    },
  };
}

export interface SwitchTimeline {
  /** A flip to `state` was sent at `at`. */
  sent(at: number): void;
  /** Its answer came at `at`; `applied` false (refused) leaves the state as it was. */
  answered(at: number, state: boolean, applied: boolean): void;
  /** The state every replica must be in for a request sent at `sentAt`, or null while in flux. */
  stateAt(sentAt: number): boolean | null;
}

export function switchTimeline(initial: boolean, boundMs: number): SwitchTimeline {
  let state = initial;
  let fluxFrom = Infinity;
  let fluxUntil = -Infinity;
  return {
    sent(at) {
      fluxFrom = at;
      fluxUntil = Infinity;
    },
    answered(at, next, applied) {
      if (applied) state = next;
      fluxUntil = at + boundMs;
    },
    stateAt(at) {
      return at >= fluxFrom && at < fluxUntil ? null : state;
    },
  };
}
