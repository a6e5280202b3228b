/**
 * An admin change made through the audit log (`audit/audited.ts`), on behalf of the credential the
 * admin guard admitted: the actor is that credential's name. A record the audit log cannot keep
 * answers 503 `unavailable` and the change is not made.
 */
import type { IncomingMessage } from 'node:http';
import { audited, AuditRefusedError, type AuditLog, type Settled } from '../audit/index.js';
import type { AuditEntry } from '../audit/index.js';
import { adminActor } from './admin-auth.js';
import { ApiError } from './errors.js';

export function auditedRequest<T>(
  audit: AuditLog,
  req: IncomingMessage,
  entry: Omit<AuditEntry, 'actor'>,
  change: () => Promise<T>,
  settle?: (result: T) => Settled,
): Promise<T> {
  return audited(audit, {
    entry: { ...entry, actor: adminActor(req).name },
    change,
    ...(settle ? { settle } : {}),
  }).catch((err: unknown) => {
    throw auditRefusal(err);
  });
}

/** An audit refusal as the 503 a client reads; any other error unchanged. */
function auditRefusal(err: unknown): unknown {
  if (!(err instanceof AuditRefusedError)) return err;
  return new ApiError(
    'unavailable',
    `the audit log cannot keep the record of this change (${err.reason}): nothing was changed; retry later`,
    { cause: err },
  );
}
