/**
 * What the audit log records. An admin change is recorded twice: a `started` record, kept before
 * the change is made (a change whose record cannot be kept is not made), and a closing record
 * (`applied` or `failed`, `ref` = the started record's `seq`) once its outcome is known. Events
 * nobody asked for through the API (a reload by SIGHUP or the file watcher) are one `applied` or
 * `failed` record without `ref`.
 */

/** The actions orgwarden records; the metric's `action` label is one of these or `other`. */
export const AUDIT_ACTIONS = [
  'tenancy.set',
  'rollout.set',
  'policy.reload',
  'shadow.set',
  'shadow.clear',
  'directory.write',
  'directory.seed',
] as const;

type AuditOutcome = 'started' | 'applied' | 'failed';

/** What a caller hands to `record`; the log adds `seq`, `time` and `replica`. */
export interface AuditEntry {
  /** `tenancy.set`, `rollout.set`, `policy.reload`, `shadow.set`, `directory.write`, … */
  action: string;
  /** The admin credential's name, or `system:<trigger>` for changes nobody asked for. */
  actor: string;
  /** The state before and after the change, as JSON values (for the directory: member and role). */
  before: unknown;
  after: unknown;
  /** Default `started`. */
  outcome?: AuditOutcome;
  /** The `seq` of the started record a closing record closes. */
  ref?: number;
  /** Why a change failed (an error code or the refusal's reason). */
  error?: string;
}

export interface AuditRecord {
  /** Monotonic across every replica sharing the Redis prefix (per process without Redis). */
  seq: number;
  /** ISO 8601, the replica's clock. */
  time: string;
  replica: string;
  action: string;
  actor: string;
  outcome: AuditOutcome;
  before: unknown;
  after: unknown;
  ref?: number;
  error?: string;
}

/** The record without its `seq`, serialised: the store adds `seq` as the first key. */
export function recordBody(entry: AuditEntry, replica: string, time: string): string {
  const body: Omit<AuditRecord, 'seq'> = {
    time,
    replica,
    action: entry.action,
    actor: entry.actor,
    outcome: entry.outcome ?? 'started',
    before: entry.before ?? null,
    after: entry.after ?? null,
    ...(entry.ref === undefined ? {} : { ref: entry.ref }),
    ...(entry.error === undefined ? {} : { error: entry.error }),
  };
  return JSON.stringify(body);
}

/** `{"seq":N,` + the body without its opening brace: the one line both the store and the sink hold. */
export function withSeq(seq: number, body: string): string {
  return `{"seq":${seq},${body.slice(1)}`;
}
