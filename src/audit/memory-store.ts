/**
 * The audit store without Redis: a ring of the last `keep` records in this process, numbered
 * from 1 when the process starts (a restart starts over; the sink holds the full history).
 */
import { parseLines, type AuditStore } from './store.js';
import { withSeq } from './record.js';

export function createMemoryAuditStore(keep: number): AuditStore {
  const kept: { seq: number; line: string }[] = [];
  let seq = 0;
  return {
    append(body) {
      seq += 1;
      const line = withSeq(seq, body);
      kept.push({ seq, line });
      if (kept.length > keep) kept.splice(0, kept.length - keep);
      return Promise.resolve(line);
    },
    page(since, limit) {
      const from = kept.findIndex((r) => r.seq > since);
      const lines = from === -1 ? [] : kept.slice(from, from + limit).map((r) => r.line);
      return Promise.resolve(parseLines(lines));
    },
    close: () => Promise.resolve(),
  };
}
