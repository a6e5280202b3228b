/**
 * How one decision record maps to metric labels. Every value returned here is from a closed set,
 * whatever the record holds: anything unexpected becomes `other`, never the raw value, so a bug
 * (or a policy returning something new) cannot turn a label into an unbounded one.
 */
import type { DecisionRecord } from '../contract/decision.js';
import { DECISION_KINDS, type DecisionKind } from '../contract/decision-kinds.js';
import { NAMED_ORG_SOURCES, SPOOF_SOURCES, type OrgSource } from '../contract/org-sources.js';
import { DETAIL_CODES, isReason } from '../contract/reasons.js';

/**
 * The details of an org-switch failure: the access_denied details about membership and token
 * binding (not `not_addressee`, an event addressed to someone else in an org the principal is in).
 */
export const ORG_SWITCH_DETAILS = DETAIL_CODES.access_denied.filter(
  (detail): detail is Exclude<typeof detail, 'not_addressee'> => detail !== 'not_addressee',
);
const KINDS = new Set<string>(DECISION_KINDS);
/**
 * Decisions a server asks for on its own account: a realtime hub filtering recipients, a job
 * runner re-checking a job. The org comes from the server's records, not from a client, so a deny
 * there (a member removed while connected, a job of a removed admin) is no spoof attempt and no
 * org switch: counting it would page the spoof alert after every revocation.
 */
const SERVER_KINDS = new Set<DecisionKind>(['event', 'job']);
/** Where a client names an org itself (as opposed to the token's binding or the default). */
const EXPLICIT_SOURCES = new Set<OrgSource>(NAMED_ORG_SOURCES);

export interface DecisionLabels {
  decision: { kind: string; decision: 'allow' | 'deny'; reason: string };
  spoofSource: (typeof SPOOF_SOURCES)[number] | 'other' | null;
  orgSwitchFailure: (typeof ORG_SWITCH_DETAILS)[number] | null;
}

export function decisionLabels(record: DecisionRecord): DecisionLabels {
  const { decision } = record;
  return {
    decision: {
      kind: KINDS.has(record.kind) ? record.kind : 'other',
      decision: decision.allow ? 'allow' : 'deny',
      reason: isReason(decision.reason) ? decision.reason : 'other',
    },
    spoofSource:
      decision.spoof && !SERVER_KINDS.has(record.kind)
        ? (SPOOF_SOURCES.find((s) => s === record.spoof_source) ?? 'other')
        : null,
    orgSwitchFailure: orgSwitchFailure(record),
  };
}

/**
 * An org-switch failure: the client named an org explicitly (the `org` field, the org header or
 * cookie, or a path segment) and the decision is `access_denied` because the principal is not a
 * member of it (`not_member`: never was, or was removed) or its API token is not bound to it
 * (`token_org_mismatch`). Orgs that do not exist (`invalid_org`), suspended orgs, and requests
 * that named no org are not org-switch failures.
 */
export function orgSwitchFailure(record: DecisionRecord): DecisionLabels['orgSwitchFailure'] {
  const { reason, detail } = record.decision;
  if (
    reason !== 'access_denied' ||
    SERVER_KINDS.has(record.kind) ||
    !EXPLICIT_SOURCES.has(record.requested_org.source)
  )
    return null;
  return ORG_SWITCH_DETAILS.find((d) => d === detail) ?? null;
}
