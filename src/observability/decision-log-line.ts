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
import type { DecisionRecord, RecordedRequest } from '../contract/decision.js';
import { MAX_FIELD_CHARS, boundedText, revisionOf } from './decision-log-entry.js';
import { MAX_LOGGED_ITEMS, REDACTED, SECRET_KEY, loggedRequest } from './decision-log-request.js';
import { boundedExplanation } from './decision-log-explain.js';

const json = JSON.stringify;

/** What `scan` finds in a string: something to escape or mend, or plain text (ASCII or not). */
const ESCAPE = 0;
const PLAIN_ASCII = 1;
const PLAIN = 2;

/** Any character but printable ASCII other than the quote and the backslash. */
const NOT_PLAIN_ASCII = /[^\u0020\u0021\u0023-\u005b\u005d-\u007e]/;

/**
 * PLAIN_ASCII or PLAIN when JSON.stringify would escape nothing (no control, quote or backslash)
 * and boundedText would mend nothing (no surrogate); ESCAPE otherwise. Most text is printable
 * ASCII: one regular-expression test proves it (faster than a loop in JavaScript).
 */
function scan(value: string): number {
  if (!NOT_PLAIN_ASCII.test(value)) return PLAIN_ASCII;
  let found = PLAIN_ASCII;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return ESCAPE;
    if (c > 0x7f) found = PLAIN;
  }
  return found;
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

/** A decision log's line writer: each line, and its size in UTF-8 bytes without a second pass. */
export interface DecisionLogLiner {
  /** The line of `record` (without the newline). */
  line(record: DecisionRecord): string;
  /** The UTF-8 byte length of `text`, a line this liner wrote last (or any other text). */
  bytesOf(text: string): number;
}

/**
 * Writes lines with its own time formatter (see isoTimeFormatter) and remembers whether the last
 * line was pure ASCII, so its byte length is its length and `Buffer.byteLength` is not needed.
 */
export function decisionLogLiner(): DecisionLogLiner {
  const isoTime = isoTimeFormatter();
  const shape = { ascii: false };
  let last = '';
  return {
    line(record) {
      last = decisionLogLine(record, isoTime, shape);
      return last;
    },
    bytesOf(text) {
      return text === last && shape.ascii ? text.length : Buffer.byteLength(text);
    },
  };
}

export function decisionLogLine(
  record: DecisionRecord,
  isoTime: (date: Date) => string = (date) => date.toISOString(),
  shape: { ascii: boolean } = { ascii: false },
): string {
  const { decision, resource } = record;
  const principal = decision.principal;
  const truncated: string[] = [];
  let ascii = true;
  const text = (value: string | null, field: string): string => {
    if (value === null) return 'null';
    // the common case: short, nothing to escape or mend — the text as it is, quoted
    if (value.length <= MAX_FIELD_CHARS) {
      const found = scan(value);
      if (found !== ESCAPE) {
        if (found === PLAIN) ascii = false;
        return `"${value}"`;
      }
    }
    ascii = false;
    const bounded = boundedText(value);
    if (bounded.length !== value.length) truncated.push(field);
    return json(bounded);
  };
  /** A value from a closed vocabulary (kind, source, reason) or an id the core made: never cut. */
  const word = (value: string | null): string => {
    if (value === null) return 'null';
    if (scan(value) === PLAIN_ASCII) return `"${value}"`;
    ascii = false;
    return json(value);
  };
  const bounded = <T extends string | null>(value: T, field: string): T => {
    if (value === null) return value;
    const cut = boundedText(value);
    if (cut.length !== value.length) truncated.push(field);
    return cut as T;
  };
  // Built in the entry's field order; the `truncated` list follows the same order.
  let line =
    `{"decision_id":${word(decision.decision_id)},"time":"${isoTime(record.time)}"` +
    `,"kind":${word(record.kind)},"principal":` +
    (principal
      ? `{"id":${text(principal.id, 'principal.id')},"kind":${word(principal.kind)}}`
      : 'null') +
    `,"requested_org":{"id":${text(record.requested_org.id, 'requested_org.id')},"source":${word(record.requested_org.source)}}` +
    `,"effective_org":${text(decision.effective_org, 'effective_org')}` +
    `,"action":${text(record.action, 'action')},"resource":` +
    (resource
      ? `{"type":${text(resource.type, 'resource.type')},"id":${text(resource.id, 'resource.id')},"org":${text(resource.org, 'resource.org')}}`
      : 'null') +
    `,"allow":${json(decision.allow)},"reason":${word(decision.reason)}` +
    `,"detail":${text(decision.detail, 'detail')},"status":${json(decision.status)}` +
    `,"role":${text(decision.role, 'role')},"spoof":${json(decision.spoof)}` +
    `,"spoof_source":${word(record.spoof_source)},"policy_revision":${word(decision.policy_revision)}` +
    `,"multi_tenant":${json(decision.multi_tenant)},"latency_ms":${json(Math.round(record.latency_s * 1e6) / 1e3)}` +
    `,"directory_revision":${json(revisionOf(record))},"request":`;
  const request = record.request;
  if (!request) line += 'null';
  else if (plainContext(request.context)) line += requestText(request, text, word, truncated);
  else {
    // a context with text to cut, mend or escape, or past the logged bound: the entry's builder
    ascii = false;
    line += json(loggedRequest(request, bounded, truncated));
  }
  // Rare next to the rest (denies only) and nested: bounded, then the generic serializer.
  if (record.explain !== undefined) {
    ascii = false;
    line += `,"explain":${json(boundedExplanation(record.explain, bounded, truncated))}`;
  }
  if (record.error !== undefined) line += `,"error":${text(record.error, 'error')}`;
  if (truncated.length > 0) line += `,"truncated":${json(truncated)}`;
  shape.ascii = ascii;
  return `${line}}`;
}

type Text = (value: string | null, field: string) => string;

/**
 * The `request` field as `JSON.stringify(loggedRequest(request, …))` spells it (same fields,
 * order, cuts and `truncated` names), for a request whose context is plain (see plainContext).
 */
function requestText(
  request: RecordedRequest,
  text: Text,
  word: (value: string | null) => string,
  truncated: string[],
): string {
  const list = (values: readonly string[], field: string): string => {
    if (values.length > MAX_LOGGED_ITEMS) truncated.push(field);
    let out = '[';
    const n = Math.min(values.length, MAX_LOGGED_ITEMS);
    for (let i = 0; i < n; i++) out += (i > 0 ? ',' : '') + text(values[i] ?? null, field);
    return `${out}]`;
  };
  const { principal, resource, named_org: named, context } = request;
  let out = `{"kind":${word(request.kind)},"principal":`;
  out += principal
    ? `{"id":${text(principal.id, 'request.principal.id')},"kind":${word(principal.kind)}` +
      `,"scopes":${list(principal.scopes, 'request.principal.scopes')}` +
      `,"bound_orgs":${principal.bound_orgs ? list(principal.bound_orgs, 'request.principal.bound_orgs') : 'null'}` +
      `,"auth_time":${Number.isFinite(principal.auth_time) ? json(principal.auth_time) : 'null'}}`
    : 'null';
  out +=
    `,"authn_failure":${word(request.authn_failure)},"named_org":` +
    (named
      ? `{"id":${text(named.id, 'request.named_org.id')},"source":${word(named.source)}}`
      : 'null') +
    `,"action":${text(request.action, 'request.action')},"resource":` +
    (resource
      ? `{"type":${text(resource.type, 'request.resource.type')},"id":${text(resource.id, 'request.resource.id')},"org":${text(resource.org, 'request.resource.org')}}`
      : 'null') +
    ',"context":{';
  let first = true;
  for (const key in context) {
    if (!Object.hasOwn(context, key)) continue;
    out += `${first ? '' : ','}${text(key, 'request.context')}:`;
    out += SECRET_KEY.test(key) ? `"${REDACTED}"` : text(context[key] ?? '', 'request.context');
    first = false;
  }
  return `${out}}}`;
}

/**
 * A context whose keys and values the line can spell as they are: within the logged bound, each
 * a short string with nothing to escape or mend (so no two keys become one when cut).
 */
function plainContext(context: Record<string, string>): boolean {
  let count = 0;
  for (const key in context) {
    if (!Object.hasOwn(context, key)) continue;
    const value = context[key];
    if (++count > MAX_LOGGED_ITEMS || typeof value !== 'string') return false;
    if (key.length > MAX_FIELD_CHARS || scan(key) === ESCAPE) return false;
    if (value.length > MAX_FIELD_CHARS || scan(value) === ESCAPE) return false;
  }
  return true;
}
