/**
 * One audited change, in this order:
 * 1. the `started` record is kept (store and sink); if it cannot be, `record` rejects with
 *    `AuditRefusedError` and the change is NOT made;
 * 2. the change is made;
 * 3. a closing record with `ref` = the started record's seq: `applied` (with the state after, when
 *    the change reports it) or `failed` (with why) when the change threw or reports a refusal.
 *
 * So every change made has a record kept before it, and a change that failed after its record was
 * kept has a second record saying so. A started record without a closing one means the process
 * stopped during the change, or the closing record could not be kept (that is logged as an error
 * with the record's content and counted; the change's own answer is not altered).
 */
import type { AuditLog } from './audit-log.js';
import type { AuditEntry } from './record.js';

/** How a change that returned ended: made (with the state after, when known) or refused. */
export type Settled = { ok: true; after?: unknown } | { ok: false; error: string };

export interface AuditedChange<T> {
  entry: AuditEntry;
  change: () => Promise<T>;
  /** Reads a returned result; default: made, with the entry's `after`. */
  settle?: (result: T) => Settled;
}

export async function audited<T>(log: AuditLog, spec: AuditedChange<T>): Promise<T> {
  const { entry } = spec;
  const started = await log.record({ ...entry, outcome: 'started' });
  const close = (closing: Partial<AuditEntry>) =>
    log
      .record({ ...entry, ...closing, ref: started.seq })
      // refused closing records are logged with their content and counted by the log itself
      .catch(() => undefined);
  let result: T;
  try {
    result = await spec.change();
  } catch (err) {
    await close({ outcome: 'failed', error: errorName(err) });
    throw err;
  }
  const settled = spec.settle?.(result) ?? { ok: true };
  await close(
    settled.ok
      ? { outcome: 'applied', after: 'after' in settled ? settled.after : entry.after }
      : { outcome: 'failed', error: settled.error },
  );
  return result;
}

/** An error's stable code when it has one (OrgwardenError), else its name: never a message. */
function errorName(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : err.name;
  }
  return 'error';
}
