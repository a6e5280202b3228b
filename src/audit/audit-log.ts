/**
 * The audit log: who changed what, separate from the decision log. `record` keeps one record in
 * the recent store (which numbers it) and writes it to the sink, and resolves only when both have
 * it; the caller makes its change only after that (see `audited` for the whole sequence).
 *
 * Invariants:
 * - Never dropped silently: a record that cannot be kept rejects with `AuditRefusedError` and is
 *   counted; for a started record the caller then does not make the change (HTTP 503).
 * - The buffer is bounded: at most `capacity` started records are between acceptance and the
 *   sink's confirmation; one more is refused (`buffer_full`). A closing record (`ref` set) is never
 *   refused for a full buffer: its started record was admitted, and each has at most one.
 * - A closing record that cannot be kept (its change is already made or failed) is logged as an
 *   error with its whole content, so it still reaches the process log.
 */
import type { Logger } from '../contract/logger.js';
import type { AuditCounters, AuditRefusalCause } from './audit-metrics.js';
import { recordBody, type AuditEntry, type AuditRecord } from './record.js';
import type { AuditSink } from './sink.js';
import type { AuditStore } from './store.js';

/** A record could not be kept; the change it announced must not be made. */
export class AuditRefusedError extends Error {
  constructor(
    readonly reason: AuditRefusalCause,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditRefusedError';
  }
}

export interface AuditLog {
  /** Keeps the record (store and sink) and resolves with it; rejects with `AuditRefusedError`. */
  record(entry: AuditEntry): Promise<AuditRecord>;
  /** The recent records with `seq` greater than `since`, oldest first, at most `limit`. */
  page(since: number, limit: number): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

export interface AuditLogDeps {
  store: AuditStore;
  sink: AuditSink;
  /** `audit.buffer_records`. */
  capacity: number;
  replica: string;
  now: () => number;
  counters: AuditCounters;
  logger: Logger;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const { store, sink, counters, logger } = deps;
  let started = 0; // started records between acceptance and the sink's confirmation
  let buffered = 0; // all records between acceptance and the sink's confirmation

  function refuse(entry: AuditEntry, cause: AuditRefusalCause, message: string, err?: unknown) {
    counters.refused(cause);
    const closing = entry.ref !== undefined;
    logger[closing ? 'error' : 'warn'](
      closing ? 'audit record lost: the change it closes was already made or failed' : message,
      {
        component: 'audit',
        cause,
        record: entry,
        ...(err instanceof Error ? { error: err.message } : {}),
      },
    );
    return new AuditRefusedError(cause, message, err === undefined ? undefined : { cause: err });
  }

  async function record(entry: AuditEntry): Promise<AuditRecord> {
    const closing = entry.ref !== undefined;
    if (!closing && started >= deps.capacity)
      throw refuse(
        entry,
        'buffer_full',
        `the audit log's buffer is full (audit.buffer_records: ${deps.capacity} records await its sink)`,
      );
    if (!closing) started += 1;
    counters.buffered((buffered += 1));
    try {
      const body = recordBody(entry, deps.replica, new Date(deps.now()).toISOString());
      let line: string;
      try {
        line = await store.append(body);
      } catch (err) {
        throw refuse(
          entry,
          'store_unavailable',
          'the audit log store (Redis) did not keep the record',
          err,
        );
      }
      try {
        await sink.write(line);
      } catch (err) {
        // The store already holds the record: close it there, so the recent records say the
        // change was not made (best effort; the refusal is logged and counted either way).
        if (!closing) await closeUnwritten(line, body);
        throw refuse(entry, 'sink_failed', 'the audit log sink did not take the record', err);
      }
      counters.recorded(entry.action);
      return JSON.parse(line) as AuditRecord;
    } finally {
      if (!closing) started -= 1;
      counters.buffered((buffered -= 1));
    }
  }

  async function closeUnwritten(line: string, body: string): Promise<void> {
    const { seq } = JSON.parse(line) as AuditRecord;
    const started = JSON.parse(body) as AuditEntry;
    const failed = { ...started, outcome: 'failed' as const, ref: seq, error: 'audit_sink_failed' };
    await store
      .append(recordBody(failed, deps.replica, new Date(deps.now()).toISOString()))
      .catch(() => undefined);
  }

  return {
    record,
    page: (since, limit) => store.page(since, limit),
    async close() {
      await sink.close();
      await store.close();
    },
  };
}
