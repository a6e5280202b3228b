/**
 * One decision log line (docs/metrics.md, "Decision log"). The entry is built field by field from
 * an allow-list, never by spreading the record: whatever is added to a decision record later is not
 * logged until someone decides it belongs here. The record never holds a token, a secret or a raw
 * `Authorization` value (decision.ts), and neither does this entry.
 */
import type { DecisionRecord } from '../authz/decision.js';

export interface DecisionLogEntry {
  decision_id: string;
  /** When the decision started (ISO 8601, UTC). */
  time: string;
  kind: string;
  principal: { id: string; kind: string } | null;
  /** The org the client asked for and where that came from (advisory). */
  requested_org: { id: string; source: string };
  /** The org the decision was proven for; null on a deny before membership was proven. */
  effective_org: string | null;
  action: string;
  resource: { type: string | null; id: string | null; org: string | null } | null;
  allow: boolean;
  reason: string;
  detail: string | null;
  status: number;
  role: string | null;
  spoof: boolean;
  spoof_source: string | null;
  policy_revision: string | null;
  multi_tenant: boolean;
  /** Time to decide, in milliseconds (microsecond resolution). */
  latency_ms: number;
  /** What broke, when the decision failed closed (`policy_error`); never sent to callers. */
  error?: string;
}

export function decisionLogEntry(record: DecisionRecord): DecisionLogEntry {
  const { decision } = record;
  const entry: DecisionLogEntry = {
    decision_id: decision.decision_id,
    time: record.time.toISOString(),
    kind: record.kind,
    principal: decision.principal ? { id: decision.principal.id, kind: decision.principal.kind } : null,
    requested_org: { id: record.requested_org.id, source: record.requested_org.source },
    effective_org: decision.effective_org,
    action: record.action,
    resource: record.resource ? { type: record.resource.type, id: record.resource.id, org: record.resource.org } : null,
    allow: decision.allow,
    reason: decision.reason,
    detail: decision.detail,
    status: decision.status,
    role: decision.role,
    spoof: decision.spoof,
    spoof_source: record.spoof_source,
    policy_revision: decision.policy_revision,
    multi_tenant: decision.multi_tenant,
    latency_ms: Math.round(record.latency_s * 1e6) / 1e3,
  };
  if (record.error !== undefined) entry.error = record.error;
  return entry;
}
