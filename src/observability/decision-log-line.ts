/**
 * One decision log line, written straight from the record: the text of
 * `JSON.stringify(decisionLogEntry(record))` (decision-log-entry.ts holds the allow-list, the field
 * order and the size invariant; this file only spells that entry without building it). The drain
 * serializes every kept decision, so on a busy sidecar this is the log's main cost; spelling the
 * known shape directly skips the intermediate object and the generic serializer's walk over it.
 *
 * Invariant: `decisionLogLine(r) === JSON.stringify(decisionLogEntry(r))` for every record — a
 * seeded property compares the two (test/observability/decision-log-line.property.test.ts). Every
 * value that is a string goes through JSON.stringify (escaping), every number too (a non-finite
 * number is `null`, as in JSON), so no record can break the line's syntax.
 */
import type { DecisionRecord } from '../contract/decision.js';
import { MAX_FIELD_CHARS, boundedText } from './decision-log-entry.js';
import { boundedExplanation } from './decision-log-explain.js';

const json = JSON.stringify;
/** Nothing JSON.stringify would escape (controls, quote, backslash), nothing boundedText would mend (surrogates). */
function isPlain(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** The last 10 000 years of ISO times have the form `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;

/**
 * `date.toISOString()`, remembering the text of the last second seen: a busy log formats each
 * second once, not once per line. One per decision log (no module state).
 */
export function isoTimeFormatter(): (date: Date) => string {
  let second = Number.NaN;
  let prefix = '';
  return (date) => {
    const ms = date.getTime();
    // outside four-digit years (and for an invalid date, which throws) the plain method
    if (!(ms >= 0 && ms < LAST_FOUR_DIGIT_YEAR_MS)) return date.toISOString();
    const millis = ms % 1000;
    if (ms - millis !== second) {
      second = ms - millis;
      prefix = date.toISOString().slice(0, 20);
    }
    return `${prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  };
}

/** Writes lines with its own time formatter (see isoTimeFormatter). */
export function decisionLogLiner(): (record: DecisionRecord) => string {
  const isoTime = isoTimeFormatter();
  return (record) => decisionLogLine(record, isoTime);
}

export function decisionLogLine(
  record: DecisionRecord,
  isoTime: (date: Date) => string = (date) => date.toISOString(),
): string {
  const { decision, resource } = record;
  const principal = decision.principal;
  const truncated: string[] = [];
  const text = (value: string | null, field: string): string => {
    if (value === null) return 'null';
    // the common case: short, nothing to escape or mend — the text as it is, quoted
    if (value.length <= MAX_FIELD_CHARS && isPlain(value)) return `"${value}"`;
    const bounded = boundedText(value);
    if (bounded.length !== value.length) truncated.push(field);
    return json(bounded);
  };
  // Built in the entry's field order; the `truncated` list follows the same order.
  let line =
    `{"decision_id":${json(decision.decision_id)},"time":"${isoTime(record.time)}"` +
    `,"kind":${json(record.kind)},"principal":` +
    (principal
      ? `{"id":${text(principal.id, 'principal.id')},"kind":${json(principal.kind)}}`
      : 'null') +
    `,"requested_org":{"id":${text(record.requested_org.id, 'requested_org.id')},"source":${json(record.requested_org.source)}}` +
    `,"effective_org":${text(decision.effective_org, 'effective_org')}` +
    `,"action":${text(record.action, 'action')},"resource":` +
    (resource
      ? `{"type":${text(resource.type, 'resource.type')},"id":${text(resource.id, 'resource.id')},"org":${text(resource.org, 'resource.org')}}`
      : 'null') +
    `,"allow":${json(decision.allow)},"reason":${json(decision.reason)}` +
    `,"detail":${text(decision.detail, 'detail')},"status":${json(decision.status)}` +
    `,"role":${text(decision.role, 'role')},"spoof":${json(decision.spoof)}` +
    `,"spoof_source":${json(record.spoof_source)},"policy_revision":${json(decision.policy_revision)}` +
    `,"multi_tenant":${json(decision.multi_tenant)},"latency_ms":${json(Math.round(record.latency_s * 1e6) / 1e3)}`;
  if (record.explain !== undefined) {
    // Rare next to the rest (denies only) and nested: bounded, then the generic serializer.
    const plain = (value: string, field: string): string => {
      const bounded = boundedText(value);
      if (bounded.length !== value.length) truncated.push(field);
      return bounded;
    };
    line += `,"explain":${json(boundedExplanation(record.explain, plain, truncated))}`;
  }
  if (record.error !== undefined) line += `,"error":${text(record.error, 'error')}`;
  if (truncated.length > 0) line += `,"truncated":${json(truncated)}`;
  return `${line}}`;
}
