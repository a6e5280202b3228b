/** The decision as callers see it (contract section 4) and as observers (metrics, log) see it. */
import type { DecisionKind } from './decision-kinds.js';
import type { ResourceRef } from './decision-request.js';
import type { Explanation } from './explain.js';
import type { NamedOrgSource, OrgSource, SpoofSource } from './org-sources.js';
import type { AuthErrorCode, Principal, PrincipalKind } from './principal.js';
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
  /**
   * The directory revision the decision read its org at (the requested org's revision in Redis,
   * the directory's in file mode); null when it read none (no principal, the store failed).
   */
  directory_revision?: number | null;
  /** The question as the core saw it, so a replay (`orgwarden diff`) can ask it again. */
  request?: RecordedRequest;
  /** The policy's explanation: on every deny the policy decided, and when the request asked. */
  explain?: Explanation;
  /** Set when a decision failed closed: what broke, for the log (never sent to callers). */
  error?: string;
}

/**
 * A decision's normalised request as a replay needs it. Who asked is the principal the core
 * resolved, never a credential: a request whose credential was refused keeps only the refusal's
 * code (`authn_failure`), so a replay refuses it the same way without any token.
 */
export interface RecordedRequest {
  kind: DecisionKind;
  principal: Principal | null;
  /** Why authentication failed (null when it succeeded or a trusted caller named the principal). */
  authn_failure: AuthErrorCode | null;
  named_org: { id: string; source: NamedOrgSource } | null;
  action: string;
  resource: ResourceRef | null;
  context: Record<string, string>;
}

export interface DecisionObserver {
  onDecision(record: DecisionRecord): void;
}
