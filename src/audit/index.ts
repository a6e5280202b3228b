/**
 * The audit log (docs/audit.md): who changed what, kept before the change is made.
 */
export { AuditRefusedError, type AuditLog } from './audit-log.js';
export { audited, type Settled } from './audited.js';
export { openAuditLog } from './open-audit-log.js';
export type { AuditEntry } from './record.js';
