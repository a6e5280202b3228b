/**
 * The parts of a decision log line that repeat. On a busy sidecar the same principal asks the same
 * question again and again, and all of its line but the id, the time, the latency and the
 * directory revision is the same text: the decision's fields (from `"kind"` to `"multi_tenant"`)
 * and the recorded `request`. A liner keeps, per principal id, the last such parts with the values
 * they were spelled from, and a record whose values are all equal reuses them.
 *
 * Invariants:
 * - `valuesOf` lists every value the two parts spell, in one fixed order, with a marker for each
 *   absent object and a count before each list, so two records with equal lists (`===` element by
 *   element: equal strings are the same text) spell the same parts. A value that is not equal to
 *   itself (NaN) never matches: such a record is spelled again.
 * - The values are copied when the parts are kept (strings and numbers, never the record's objects),
 *   so a caller that changes an object after deciding cannot make a kept part stale.
 * - Only parts spelled with nothing cut are kept (a cut names its field in `truncated`, which the
 *   part does not carry).
 * - Bounded: at most MAX_PRINCIPALS principals; the oldest is dropped first.
 *
 * The seeded property in test/security/decision-log-line.property.test.ts runs sequences of
 * records with repeats and one-value changes through a liner and compares every line with the
 * serialized entry.
 */
import type { DecisionRecord } from '../contract/decision.js';

/** Principals whose last parts are kept. */
const MAX_PRINCIPALS = 256;

/** The repeating parts of one line, and whether their text is all ASCII. */
interface LineParts {
  /** From `,"kind":` to the value of `multi_tenant`. */
  head: string;
  /** The `request` value (without its key). */
  request: string;
  ascii: boolean;
}

interface Kept extends LineParts {
  values: unknown[];
}

export interface LineMemo {
  /** The kept parts for `record`, when every value they spell is equal to its own; else null. */
  find(record: DecisionRecord): LineParts | null;
  /** Keeps `parts`, spelled from `record` with nothing cut. */
  keep(record: DecisionRecord, parts: LineParts): void;
  /** Lines whose parts were reused so far. */
  readonly reused: number;
}

export function createLineMemo(): LineMemo {
  const kept = new Map<string, Kept>();
  /** The values of the record `find` saw last (reused: no list per line). */
  const scratch: unknown[] = [];
  let reused = 0;
  return {
    find(record) {
      const key = record.decision.principal?.id;
      if (key === undefined || !valuesOf(record, scratch)) return null;
      const entry = kept.get(key);
      if (entry === undefined || !sameValues(entry.values, scratch)) return null;
      reused++;
      return entry;
    },
    keep(record, parts) {
      const key = record.decision.principal?.id;
      if (key === undefined || !valuesOf(record, scratch)) return;
      if (!kept.has(key) && kept.size >= MAX_PRINCIPALS) {
        const oldest = kept.keys().next();
        if (!oldest.done) kept.delete(oldest.value);
      }
      const { head, request, ascii } = parts;
      kept.set(key, { head, request, ascii, values: scratch.slice() });
    },
    get reused() {
      return reused;
    },
  };
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Lists into `out` every value the line's head and request spell. False when the record has no
 * principal or no recorded request (its parts are not kept).
 */
function valuesOf(record: DecisionRecord, out: unknown[]): boolean {
  const { decision, resource, request } = record;
  const principal = decision.principal;
  if (principal === null || request === undefined) return false;
  out.length = 0;
  out.push(
    record.kind,
    principal.id,
    principal.kind,
    record.requested_org.id,
    record.requested_org.source,
    decision.effective_org,
    record.action,
  );
  pushResource(out, resource);
  out.push(
    decision.allow,
    decision.reason,
    decision.detail,
    decision.status,
    decision.role,
    decision.spoof,
    record.spoof_source,
    decision.policy_revision,
    decision.multi_tenant,
    request.kind,
  );
  const asked = request.principal;
  if (asked === null) out.push(null);
  else {
    out.push(true, asked.id, asked.kind, asked.auth_time);
    pushList(out, asked.scopes);
    if (asked.bound_orgs === null) out.push(null);
    else pushList(out, asked.bound_orgs);
  }
  out.push(request.authn_failure);
  const named = request.named_org;
  if (named === null) out.push(null);
  else out.push(true, named.id, named.source);
  out.push(request.action);
  pushResource(out, request.resource);
  const { context } = request;
  const counted = out.length;
  out.push(0);
  let entries = 0;
  for (const key in context) {
    if (!Object.hasOwn(context, key)) continue;
    out.push(key, context[key]);
    entries++;
  }
  out[counted] = entries;
  return true;
}

function pushResource(out: unknown[], resource: DecisionRecord['resource']): void {
  if (resource === null) out.push(null);
  else out.push(true, resource.type, resource.id, resource.org);
}

function pushList(out: unknown[], values: readonly string[]): void {
  out.push(values.length);
  for (const value of values) out.push(value);
}
