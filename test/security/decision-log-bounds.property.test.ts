/**
 * The decision log's memory is bounded in bytes, whatever clients put in the fields it records:
 * behind a sink that never confirms, generated records with huge, multi-byte and malformed fields
 * never make the buffer hold more than its byte bound; every record is accounted for exactly once
 * (held or dropped as buffer_full); every buffered line is well-formed JSON whose free-text fields
 * are at most MAX_FIELD_CHARS, and whose `truncated` names exactly the fields that were cut.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/contract/decision.js';
import { createDecisionLog } from '../../src/observability/decision-log.js';
import { MAX_FIELD_CHARS } from '../../src/observability/decision-log-entry.js';
import type { DecisionLogDropCause } from '../../src/observability/metrics.js';
import { record } from '../observability/helpers.js';
import { logFieldText as fieldText } from '../support/arbitraries.js';
import { denyExplanation } from '../support/explanations.js';
import { fuzzParams } from '../support/fuzz.js';

const FIELDS = [
  'principal.id',
  'requested_org.id',
  'effective_org',
  'action',
  'resource.type',
  'resource.id',
  'resource.org',
  'detail',
  'role',
  'explain.7.detail',
  'explain.7.facts.member_role',
  'error',
] as const;
type Field = (typeof FIELDS)[number];

const hostileRecord = fc
  .record({ allow: fc.boolean(), texts: fc.tuple(...FIELDS.map(() => fieldText)) })
  .map(({ allow, texts }) => {
    const t = Object.fromEntries(FIELDS.map((f, i) => [f, texts[i] as string])) as Record<
      Field,
      string
    >;
    const r: DecisionRecord = record({
      decision: {
        allow,
        reason: allow ? 'allowed' : 'access_denied',
        status: allow ? 200 : 403,
        principal: { id: t['principal.id'], kind: 'session' },
        effective_org: t.effective_org,
        detail: t.detail,
        role: t.role,
      },
      requested_org: { id: t['requested_org.id'], source: 'header' },
      action: t.action,
      resource: { type: t['resource.type'], id: t['resource.id'], org: t['resource.org'] },
      explain: denyExplanation(7, 'access_denied', t['explain.7.detail'], {
        member_role: t['explain.7.facts.member_role'],
      }),
      error: t.error,
    });
    return { record: r, cut: FIELDS.filter((f) => t[f].length > MAX_FIELD_CHARS) };
  });

function valueAt(entry: Record<string, unknown>, field: Field): unknown {
  return field
    .split('.')
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | null)?.[key], entry);
}

describe('decision log memory under a stalled sink', () => {
  it('never holds more than its byte bound; every record is held or counted; lines are bounded and marked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileRecord, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 65_536, max: 262_144 }),
        async (records, bufferBytes) => {
          const dropped: Record<DecisionLogDropCause, number> = {
            buffer_full: 0,
            sink_error: 0,
            closed: 0,
          };
          const chunks: string[] = [];
          const log = createDecisionLog(
            { bufferEntries: 10_000, bufferBytes, sampleAllowsOneIn: 1 },
            {
              sink: { write: (chunk) => void chunks.push(chunk), close: () => Promise.resolve() }, // never confirms
              counters: {
                written: () => undefined,
                dropped: (cause, n) => (dropped[cause] += n),
                sampledOut: () => undefined,
              },
            },
          );
          for (const r of records) {
            log.onDecision(r.record);
            expect(log.heldBytes).toBeLessThanOrEqual(bufferBytes);
          }
          await new Promise((resolve) => setImmediate(resolve));
          expect(log.heldBytes).toBeLessThanOrEqual(bufferBytes);
          expect(log.held + dropped.buffer_full).toBe(records.length);

          const lines = chunks.join('').split('\n').filter(Boolean);
          expect(lines).toHaveLength(log.held);
          for (const line of lines) {
            expect(line.isWellFormed()).toBe(true);
            const entry = JSON.parse(line) as Record<string, unknown>;
            const source = records.find((r) => r.record.decision.decision_id === entry.decision_id);
            expect(source).toBeDefined();
            for (const field of FIELDS)
              expect(String(valueAt(entry, field)).length).toBeLessThanOrEqual(MAX_FIELD_CHARS);
            if (source?.cut.length) expect(entry.truncated).toEqual(source.cut);
            else expect(entry).not.toHaveProperty('truncated');
          }
        },
      ),
      fuzzParams(200),
    );
  });
});
