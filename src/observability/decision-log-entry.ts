/**
 * One decision log line (docs/metrics.md, "Decision log"). The entry is built field by field from
 * an allow-list, never by spreading the record: whatever is added to a decision record later is not
 * logged until someone decides it belongs here. The record never holds a token, a secret or a raw
 * `Authorization` value (decision.ts), and neither does this entry.
 *
 * Size invariant: every free-text field (anything a client can influence: principal id, orgs,
 * action, resource, detail, role, error) holds at most MAX_FIELD_CHARS characters, well-formed
 * Unicode; a field that was cut is named in `truncated`. So one entry is a few KiB at most, and
 * the log's byte bound counts lines of a known size.
 */
import type { DecisionRecord } from '../contract/decision.js';
import type { Explanation } from '../contract/explain.js';
import { boundedExplanation } from './decision-log-explain.js';

/** The longest value of a free-text field in an entry, in UTF-16 code units. */
export const MAX_FIELD_CHARS = 256;

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
  /** The policy's explanation (every deny it decided; allows only when asked), bounded. */
  explain?: Explanation;
  /** What broke, when the decision failed closed (`policy_error`); never sent to callers. */
  error?: string;
  /** The fields cut to MAX_FIELD_CHARS (dotted paths), when any was. */
  truncated?: string[];
}

export function decisionLogEntry(record: DecisionRecord): DecisionLogEntry {
  const { decision } = record;
  const truncated: string[] = [];
  const text = <T extends string | null>(value: T, field: string): T => {
    if (value === null) return value;
    const bounded = boundedText(value);
    if (bounded.length !== value.length) truncated.push(field);
    return bounded as T;
  };
  const entry: DecisionLogEntry = {
    decision_id: decision.decision_id,
    time: record.time.toISOString(),
    kind: record.kind,
    principal: decision.principal
      ? { id: text(decision.principal.id, 'principal.id'), kind: decision.principal.kind }
      : null,
    requested_org: {
      id: text(record.requested_org.id, 'requested_org.id'),
      source: record.requested_org.source,
    },
    effective_org: text(decision.effective_org, 'effective_org'),
    action: text(record.action, 'action'),
    resource: record.resource
      ? {
          type: text(record.resource.type, 'resource.type'),
          id: text(record.resource.id, 'resource.id'),
          org: text(record.resource.org, 'resource.org'),
        }
      : null,
    allow: decision.allow,
    reason: decision.reason,
    detail: text(decision.detail, 'detail'),
    status: decision.status,
    role: text(decision.role, 'role'),
    spoof: decision.spoof,
    spoof_source: record.spoof_source,
    policy_revision: decision.policy_revision,
    multi_tenant: decision.multi_tenant,
    latency_ms: Math.round(record.latency_s * 1e6) / 1e3,
  };
  if (record.explain !== undefined)
    entry.explain = boundedExplanation(record.explain, text, truncated);
  if (record.error !== undefined) entry.error = text(record.error, 'error');
  if (truncated.length > 0) entry.truncated = truncated;
  return entry;
}

/**
 * At most MAX_FIELD_CHARS code units, never ending in half of a surrogate pair, with lone
 * surrogates replaced (U+FFFD): a log line is well-formed whatever a client sent.
 */
export function boundedText(value: string): string {
  if (value.length <= MAX_FIELD_CHARS) return value.toWellFormed();
  // Cut first (a field may be megabytes long), then mend: only the head is ever copied.
  const cut = /[\uD800-\uDBFF]/.test(value.charAt(MAX_FIELD_CHARS - 1))
    ? MAX_FIELD_CHARS - 1
    : MAX_FIELD_CHARS;
  return value.slice(0, cut).toWellFormed();
}
