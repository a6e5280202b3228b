/**
 * The ring of recent decisions the explorer lists: bounded (the oldest overwritten), newest first,
 * each filter on its own and together, the log entry's bounds, and the explanation kept.
 */
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/contract/decision.js';
import type { Explanation } from '../../src/contract/explain.js';
import { MAX_FIELD_CHARS } from '../../src/observability/decision-log-entry.js';
import { createRecentDecisions } from '../../src/observability/recent-decisions.js';

let n = 0;
function record(
  over: { principal?: string | null; org?: string; effective?: string | null; action?: string } & {
    reason?: 'allowed' | 'access_denied' | 'unknown_action';
    spoof?: boolean;
    explain?: Explanation;
  } = {},
): DecisionRecord {
  n += 1;
  const allow = (over.reason ?? 'allowed') === 'allowed';
  const principal = over.principal === undefined ? 'alice' : over.principal;
  return {
    kind: 'request',
    decision: {
      decision_id: `d${n}`,
      allow,
      reason: over.reason ?? 'allowed',
      detail: null,
      status: allow ? 200 : 403,
      effective_org:
        over.effective === undefined ? (allow ? (over.org ?? 'acme') : null) : over.effective,
      principal: principal === null ? null : { id: principal, kind: 'session' },
      role: null,
      spoof: over.spoof ?? false,
      policy_revision: 'r1',
      multi_tenant: true,
    },
    requested_org: { id: over.org ?? 'acme', source: 'field' },
    action: over.action ?? 'org.read',
    resource: null,
    spoof_source: over.spoof ? 'field' : null,
    time: new Date(0),
    latency_s: 0.001,
    ...(over.explain === undefined ? {} : { explain: over.explain }),
  };
}

const ids = (list: { decision_id: string }[]) => list.map((d) => d.decision_id);

describe('recent decisions', () => {
  it('keeps the last `capacity` records, newest first, overwriting the oldest', () => {
    const ring = createRecentDecisions(3);
    const records = Array.from({ length: 7 }, () => record());
    records.slice(0, 2).forEach((r) => ring.onDecision(r));
    const newestFirst = (from: number) =>
      records
        .slice(from)
        .reverse()
        .map((r) => r.decision.decision_id);
    expect(ids(ring.list({}, 10))).toEqual(newestFirst(0).slice(-2));
    expect(ring.counts()).toEqual({ held: 2, seen: 2 });
    records.slice(2).forEach((r) => ring.onDecision(r));
    expect(ids(ring.list({}, 10))).toEqual(newestFirst(4));
    expect(ring.counts()).toEqual({ held: 3, seen: 7 });
    expect(ids(ring.list({}, 2))).toEqual(newestFirst(5));
  });

  it('filters by principal, org (requested or effective), action, reason and spoof', () => {
    const ring = createRecentDecisions(100);
    const a = record({ principal: 'alice', org: 'acme' });
    const b = record({ principal: 'mallory', org: 'acme', reason: 'access_denied', spoof: true });
    const c = record({
      principal: null,
      org: 'default',
      action: 'node.write',
      reason: 'unknown_action',
    });
    const d = record({ principal: 'bob', org: 'default', effective: 'globex' });
    [a, b, c, d].forEach((r) => ring.onDecision(r));
    const id = (r: DecisionRecord) => r.decision.decision_id;
    expect(ids(ring.list({ principal: 'ali' }, 10))).toEqual([id(a)]);
    expect(ids(ring.list({ org: 'acme' }, 10))).toEqual([id(b), id(a)]);
    expect(ids(ring.list({ org: 'glob' }, 10))).toEqual([id(d)]);
    expect(ids(ring.list({ action: 'write' }, 10))).toEqual([id(c)]);
    expect(ids(ring.list({ reason: 'access' }, 10))).toEqual([]); // the reason matches exactly
    expect(ids(ring.list({ reason: 'access_denied' }, 10))).toEqual([id(b)]);
    expect(ids(ring.list({ spoof: true }, 10))).toEqual([id(b)]);
    expect(ids(ring.list({ spoof: false, org: 'acme' }, 10))).toEqual([id(a)]);
    expect(ids(ring.list({ principal: 'bob', org: 'acme' }, 10))).toEqual([]);
  });

  it('shows each record as its log entry (bounded) with its explanation', () => {
    const ring = createRecentDecisions(2);
    const explain: Explanation = [{ check: 'authenticate', passed: true, facts: {} }];
    ring.onDecision(record({ principal: 'x'.repeat(5000), explain }));
    const [shown] = ring.list({}, 1);
    expect(shown?.principal?.id).toHaveLength(MAX_FIELD_CHARS);
    expect(shown?.truncated).toEqual(['principal.id']);
    expect(shown?.explain).toEqual(explain);
    expect(JSON.stringify(shown)).not.toMatch(/token/i);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => createRecentDecisions(bad)).toThrow(TypeError);
  });
});
