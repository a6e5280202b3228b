/**
 * Where the recent audit records are kept and where their sequence comes from: Redis when
 * `redis` is configured (redis-store.ts: one sequence for every replica of the prefix), process
 * memory otherwise (memory-store.ts). Both keep at most `audit.keep_records`, dropping the oldest.
 */
import type { AuditRecord } from './record.js';

export interface AuditStore {
  /**
   * Numbers the record (`body` is its JSON without `seq`), keeps it among the recent ones and
   * returns its line (the JSON with `seq` first). Rejects when it cannot: nothing was kept.
   */
  append(body: string): Promise<string>;
  /** The kept records with `seq` greater than `since`, oldest first, at most `limit`. */
  page(since: number, limit: number): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

export function parseLines(lines: readonly string[]): AuditRecord[] {
  return lines.map((line) => JSON.parse(line) as AuditRecord);
}
