/**
 * The audit log's recent records, for operators and the runbook (role `auditor` or higher):
 *
 *   GET /v1/admin/audit?since=<seq>&limit=<n>
 *     → {"entries": [records with seq > since, oldest first, at most n], "next": <seq>}
 *
 * `since` defaults to 0 (the oldest kept), `limit` to 100 (at most 1000); pass `next` as `since`
 * to read on. A bad parameter is 400 naming it; a store that cannot answer (Redis) is 503.
 */
import type { AuditLog } from '../../audit/index.js';
import { ApiError, sendJson } from '../errors.js';
import type { ManagementRoute } from '../route-table.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const KNOWN = new Set(['since', 'limit']);

export function auditRoutes(audit: AuditLog): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: '/v1/admin/audit',
      operation: 'audit_read',
      auth: 'admin',
      role: 'auditor',
      async handle(req, res) {
        const query = req.query as Record<string, unknown>;
        for (const key of Object.keys(query))
          if (!KNOWN.has(key))
            throw new ApiError('invalid_request', `${key}: unknown parameter (since, limit)`);
        const since = integerParam(query.since, 'since', 0, Number.MAX_SAFE_INTEGER, 0);
        const limit = integerParam(query.limit, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
        let entries;
        try {
          entries = await audit.page(since, limit);
        } catch (err) {
          throw new ApiError('unavailable', 'the audit log store (Redis) did not answer', {
            cause: err,
          });
        }
        sendJson(res, 200, { entries, next: entries.at(-1)?.seq ?? since });
      },
    },
  ];
}

const DIGITS = /^(0|[1-9][0-9]{0,15})$/;

function integerParam(
  raw: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && DIGITS.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new ApiError(
      'invalid_request',
      `${name}: must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    );
  return value;
}
