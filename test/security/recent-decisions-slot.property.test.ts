/**
 * The explorer's ring copies each decision into a reused slot instead of keeping its record
 * (observability/decision-slot.ts). It must show exactly what it was told: for every generated
 * record, the entry listed from the slot is the record's decision log entry, also after the slot
 * held other records before (a reused slot keeps nothing of its earlier decision), and the ring
 * lists any sequence newest first with the entries of exactly the last `capacity` records. Ids of
 * the decision core's shape (held as numbers) and near misses (held as text) are generated alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecisionIds } from '../../src/authz/decision-id.js';
import { decisionLogEntry } from '../../src/observability/decision-log-entry.js';
import { DecisionSlot, fill, recordOf } from '../../src/observability/decision-slot.js';
import { createRecentDecisions } from '../../src/observability/recent-decisions.js';
import { anyRecord } from '../support/decision-records.js';
import { fuzzParams } from '../support/fuzz.js';

/** The entry as the ring would list it; a record the entry cannot be made of (invalid time) throws in both. */
const entryOf = (make: () => ReturnType<typeof decisionLogEntry>) => {
  try {
    return make();
  } catch (err) {
    return err instanceof Error ? `throws ${err.name}` : 'throws';
  }
};

describe('the explorer ring: decisions copied into reused slots', () => {
  it('lists the record’s log entry from its slot, whatever the slot held before', () => {
    fc.assert(
      fc.property(fc.array(anyRecord, { minLength: 1, maxLength: 4 }), (records) => {
        const slot = new DecisionSlot();
        for (const record of records) {
          fill(slot, record);
          expect(entryOf(() => decisionLogEntry(recordOf(slot)))).toEqual(
            entryOf(() => decisionLogEntry(record)),
          );
        }
      }),
      fuzzParams(400),
    );
  });

  it('holds an id the decision core made as numbers and lists it exactly as made', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        anyRecord,
        fc.integer({ min: 1, max: 500 }),
        (ms, record, skip) => {
          const ids = createDecisionIds(() => ms);
          for (let i = 0; i < skip; i++) ids();
          const id = ids();
          const slot = new DecisionSlot();
          fill(slot, { ...record, decision: { ...record.decision, decision_id: id } });
          expect(slot.decisionId.text).toBeNull();
          expect(recordOf(slot).decision.decision_id).toBe(id);
        },
      ),
      fuzzParams(300),
    );
  });

  it('lists exactly the last `capacity` records, newest first, as their log entries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(anyRecord, { maxLength: 12 }),
        (capacity, records) => {
          const ring = createRecentDecisions(capacity);
          for (const record of records) ring.onDecision(record);
          const kept = records.slice(-capacity).reverse();
          expect(entryOf(() => ring.list({}, 100) as never)).toEqual(
            entryOf(() => kept.map((r) => decisionLogEntry(r)) as never),
          );
          expect(ring.counts()).toEqual({ held: kept.length, seen: records.length });
        },
      ),
      fuzzParams(300),
    );
  });
});
