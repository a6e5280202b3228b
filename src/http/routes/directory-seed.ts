/**
 * The operator's side of seeding a shared (Redis) directory, with an admin credential (`operator`
 * to seed, `auditor` to read the state):
 *
 *   GET  /v1/admin/directory/seed   → {"state", "reason"}  (ready | unavailable | held | awaiting_confirmation | seeding)
 *   POST /v1/admin/directory/seed   {"source": "file" | "empty"}
 *                                   → {"source", "written", "skipped", "state", "reason"}
 *
 * Invariants:
 * - The admin guard runs before the body is read; a refused or malformed request changes nothing.
 * - `source` is required: the operator states whether this replica's `directory.file` is written
 *   (into a prefix that holds no directory) or nothing is (the main API re-pushes the directory).
 * - A prefix already in service is 409 and nothing is written; without Redis there is no seed (409).
 * - An unreadable or invalid directory file is 400 naming the file's problem; Redis failing is 503.
 * - A seed goes through the audit log (`directory.seed`): its record is kept before anything is
 *   written; a record the log cannot keep answers 503 and nothing is written.
 */
import type { AuditLog } from '../../audit/index.js';
import { OrgwardenError } from '../../contract/errors.js';
import type { DirectoryStore } from '../../directory/types.js';
import { auditedRequest } from '../audited-request.js';
import { ApiError, sendJson } from '../errors.js';
import { parseSeedBody } from '../inbound/admin-bodies.js';
import { readJsonBody } from '../json-body.js';
import type { ManagementRoute } from '../route-table.js';

const PATH = '/v1/admin/directory/seed';
const MAX_BODY_BYTES = 1024;

export interface DirectorySeedRoutesDeps {
  directory: DirectoryStore;
  /** Where the detail of a failure goes (clients get a generic message). */
  warn: (message: string, fields: Record<string, unknown>) => void;
  audit: AuditLog;
}

export function directorySeedRoutes(deps: DirectorySeedRoutesDeps): ManagementRoute[] {
  const { directory } = deps;
  const noRedis = () =>
    new ApiError(
      'conflict',
      'the directory is not in redis (no redis configured): directory.file is the directory itself, there is nothing to seed',
    );

  return [
    {
      surface: 'management',
      method: 'GET',
      path: PATH,
      operation: 'directory_seed_status',
      auth: 'admin',
      role: 'auditor',
      handle(_req, res) {
        if (!directory.seeding) throw noRedis();
        sendJson(res, 200, directory.seeding.status());
      },
    },
    {
      surface: 'management',
      method: 'POST',
      path: PATH,
      operation: 'directory_seed_confirm',
      auth: 'admin',
      role: 'operator',
      async handle(req, res) {
        const source = parseSeedBody(await readJsonBody(req, MAX_BODY_BYTES));
        const seeding = directory.seeding;
        if (!seeding) throw noRedis();
        try {
          const report = await auditedRequest(
            deps.audit,
            req,
            { action: 'directory.seed', before: seeding.status(), after: { source } },
            () => seeding.confirm(source),
            (r) => ({ ok: true, after: { source, written: r.written, skipped: r.skipped } }),
          );
          sendJson(res, 200, { ...report, ...seeding.status() });
        } catch (err) {
          throw seedRefusal(err, deps.warn);
        }
      },
    },
  ];
}

/** What a failed seed answers, by the error's code (the wire contract predates `reason`). */
function seedRefusal(err: unknown, warn: DirectorySeedRoutesDeps['warn']): unknown {
  if (!(err instanceof OrgwardenError)) return err;
  switch (err.code) {
    case 'seed_not_needed':
      return new ApiError('conflict', err.message, { cause: err });
    case 'invalid_record':
      return new ApiError(
        'invalid_request',
        `directory.file: ${err.message}; nothing was written`,
        { cause: err },
      );
    case 'directory_unavailable':
      warn('directory seed failed: store unavailable', { error: err.message });
      return new ApiError(
        'unavailable',
        'redis did not complete the seed; retry (a seed never overwrites a record)',
        { cause: err },
      );
    default:
      return err;
  }
}
