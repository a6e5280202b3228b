/**
 * The recent decisions the explorer page lists (`GET /ui/api/decisions`): a DecisionObserver that
 * keeps the last `capacity` DecisionRecords in a ring, in memory, per app (never shared, never
 * persisted). Each is read as its decision log entry (decision-log-entry.ts): the same allow-list
 * and the same bounds on free text, so the page shows nothing the log would not hold.
 *
 * Invariants:
 * - Bounded: at most `capacity` decisions are held; the oldest is overwritten, whatever the load.
 * - `onDecision` is O(1) and never throws: it is on the decision's path. Each decision is copied
 *   into a slot allocated once (decision-slot.ts), not kept as its record, so a busy sidecar does
 *   not move a new object graph per decision into the old generation.
 * - A record never holds a token (contract/decision.ts), so neither does the ring.
 */
import type { DecisionObserver } from '../contract/decision.js';
import { decisionLogEntry, type DecisionLogEntry } from './decision-log-entry.js';
import { DecisionSlot, fill, recordOf, TextTable } from './decision-slot.js';

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
  // Slots are made as the ring first fills, then reused: a large capacity costs nothing unused.
  const ring: DecisionSlot[] = [];
  const texts = new TextTable();
  let seen = 0;
  return {
    capacity,
    onDecision(record) {
      const at = seen % capacity;
      let slot = ring[at];
      if (slot === undefined) {
        slot = new DecisionSlot();
        ring.push(slot);
      }
      fill(slot, record, texts);
      seen += 1;
    },
    list(filter, limit) {
      const out: DecisionLogEntry[] = [];
      const held = Math.min(seen, capacity);
      for (let i = 1; i <= held && out.length < limit; i++) {
        const slot = ring[(seen - i) % capacity];
        if (slot !== undefined && matches(slot, filter)) out.push(decisionLogEntry(recordOf(slot)));
      }
      return out;
    },
    counts: () => ({ held: Math.min(seen, capacity), seen }),
  };
}

function matches(slot: DecisionSlot, filter: DecisionFilter): boolean {
  if (filter.principal !== undefined && !(slot.principalId ?? '').includes(filter.principal))
    return false;
  if (
    filter.org !== undefined &&
    !slot.orgId.includes(filter.org) &&
    !(slot.effectiveOrg ?? '').includes(filter.org)
  )
    return false;
  if (filter.action !== undefined && !slot.action.includes(filter.action)) return false;
  if (filter.reason !== undefined && slot.reason !== filter.reason) return false;
  if (filter.spoof !== undefined && slot.spoof !== filter.spoof) return false;
  return true;
}
