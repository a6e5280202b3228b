/** The decision as callers see it (contract section 4) and as observers (metrics, log) see it. */
import type { DecisionKind } from './decision-kinds.js';
import type { Explanation } from './explain.js';
import type { OrgSource, SpoofSource } from './org-sources.js';
import type { PrincipalKind } from './principal.js';
import type { Reason } from './reasons.js';

export interface Decision {
  decision_id: string;
  allow: boolean;
  reason: Reason;
  detail: string | null;
  status: number;
  effective_org: string | null;
  principal: { id: string; kind: PrincipalKind } | null;
  role: string | null;
  spoof: boolean;
  policy_revision: string | null;
  multi_tenant: boolean;
  /** The policy's explanation, only when the request asked for it (`?explain=true`). */
  explain?: Explanation;
}

/** Everything about one decision that an observer may record. Never holds a token. */
export interface DecisionRecord {
  kind: DecisionKind;
  decision: Decision;
  requested_org: { id: string; source: OrgSource };
  action: string;
  resource: { type: string | null; id: string | null; org: string | null } | null;
  /** The forward-auth route the request matched (its manifest name); undefined on other surfaces. */
  route?: string | undefined;
  /** Where a spoofed org came from, when `decision.spoof`. */
  spoof_source: SpoofSource | null;
  time: Date;
  latency_s: number;
  /** The policy's explanation: on every deny the policy decided, and when the request asked. */
  explain?: Explanation;
  /** Set when a decision failed closed: what broke, for the log (never sent to callers). */
  error?: string;
}

export interface DecisionObserver {
  onDecision(record: DecisionRecord): void;
}
