/**
 * The audit log's own counters, on the app's registry (every series created at zero):
 *
 *   orgwarden_audit_records_total{action}    records kept (store and sink); action: one of
 *                                            AUDIT_ACTIONS, else `other`
 *   orgwarden_audit_refused_total{cause}     records that could not be kept: `buffer_full`,
 *                                            `store_unavailable`, `sink_failed`. A started record
 *                                            refused means a change refused with 503; a closing
 *                                            one is logged as an error with its content
 *   orgwarden_audit_buffer_records           records accepted and not yet confirmed by the sink
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { AUDIT_ACTIONS } from './record.js';

const AUDIT_REFUSAL_CAUSES = ['buffer_full', 'store_unavailable', 'sink_failed'] as const;
export type AuditRefusalCause = (typeof AUDIT_REFUSAL_CAUSES)[number];

export interface AuditCounters {
  recorded(action: string): void;
  refused(cause: AuditRefusalCause): void;
  buffered(records: number): void;
}

const OTHER = 'other';

export function createAuditMetrics(registry: Registry): AuditCounters {
  const records = new Counter({
    name: 'orgwarden_audit_records_total',
    help: 'Audit records kept (recent store and sink), by action.',
    labelNames: ['action'],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'orgwarden_audit_refused_total',
    help: 'Audit records that could not be kept, by cause; a refused started record is an admin change refused with 503.',
    labelNames: ['cause'],
    registers: [registry],
  });
  const buffer = new Gauge({
    name: 'orgwarden_audit_buffer_records',
    help: 'Audit records accepted and not yet confirmed by the sink (bounded by audit.buffer_records).',
    registers: [registry],
  });
  for (const action of [...AUDIT_ACTIONS, OTHER]) records.inc({ action }, 0);
  for (const cause of AUDIT_REFUSAL_CAUSES) refused.inc({ cause }, 0);
  buffer.set(0);
  const known = new Set<string>(AUDIT_ACTIONS);
  return {
    recorded: (action) => records.inc({ action: known.has(action) ? action : OTHER }),
    refused: (cause) => refused.inc({ cause }),
    buffered: (n) => buffer.set(n),
  };
}
