/**
 * The recent decisions the explorer page lists (`GET /ui/api/decisions`): a DecisionObserver that
 * keeps the last `capacity` DecisionRecords in a ring, in memory, per app (never shared, never
 * persisted). Each is read as its decision log entry (decision-log-entry.ts): the same allow-list
 * and the same bounds on free text, so the page shows nothing the log would not hold.
 *
 * Invariants:
 * - Bounded: at most `capacity` records are held; the oldest is overwritten, whatever the load.
 * - `onDecision` is O(1) and never throws: it is on the decision's path.
 * - A record never holds a token (contract/decision.ts), so neither does the ring.
 */
import type { DecisionObserver, DecisionRecord } from '../contract/decision.js';
import { decisionLogEntry, type DecisionLogEntry } from './decision-log-entry.js';

/** What the page filters by; an absent field does not filter. */
export interface DecisionFilter {
  /** Part of the principal id (case-sensitive). */
  principal?: string;
  /** Part of the requested or the effective org. */
  org?: string;
  /** Part of the action. */
  action?: string;
  /** The reason code, exactly. */
  reason?: string;
  spoof?: boolean;
}

export interface RecentDecisions extends DecisionObserver {
  readonly capacity: number;
  /** Newest first, at most `limit` of those that match, as log entries (explanation included). */
  list(filter: DecisionFilter, limit: number): DecisionLogEntry[];
  /** How many are held now (≤ capacity) and how many were seen since the start. */
  counts(): { held: number; seen: number };
}

export function createRecentDecisions(capacity: number): RecentDecisions {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new TypeError(`recent decisions: capacity must be a positive integer, got ${capacity}`);
  const ring: (DecisionRecord | undefined)[] = new Array<DecisionRecord | undefined>(capacity);
  let seen = 0;
  return {
    capacity,
    onDecision(record) {
      ring[seen % capacity] = record;
      seen += 1;
    },
    list(filter, limit) {
      const out: DecisionLogEntry[] = [];
      const held = Math.min(seen, capacity);
      for (let i = 1; i <= held && out.length < limit; i++) {
        const record = ring[(seen - i) % capacity];
        if (record !== undefined && matches(record, filter)) out.push(decisionLogEntry(record));
      }
      return out;
    },
    counts: () => ({ held: Math.min(seen, capacity), seen }),
  };
}

function matches(record: DecisionRecord, filter: DecisionFilter): boolean {
  const { decision } = record;
  if (filter.principal !== undefined && !(decision.principal?.id ?? '').includes(filter.principal))
    return false;
  if (
    filter.org !== undefined &&
    !record.requested_org.id.includes(filter.org) &&
    !(decision.effective_org ?? '').includes(filter.org)
  )
    return false;
  if (filter.action !== undefined && !record.action.includes(filter.action)) return false;
  if (filter.reason !== undefined && decision.reason !== filter.reason) return false;
  if (filter.spoof !== undefined && decision.spoof !== filter.spoof) return false;
  return true;
}
