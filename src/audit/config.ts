/**
 * The `audit` section: where the audit log's lines go, the bounded buffer in front of that sink,
 * and how many recent records are kept for `GET /v1/admin/audit` (in Redis when `redis` is
 * configured, in memory otherwise). See docs/audit.md.
 */
import { z } from 'zod';
import { configPath, integer, type ConfigContext } from '../contract/config-fields.js';

export function auditConfigSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      /** `stderr` (default), `file`, or `none` (the recent records are still kept). stdout is the decision log's. */
      sink: z.enum(['stderr', 'file', 'none']).default('stderr'),
      /** Append-only file; required with `sink: file`, only allowed with it. */
      file: configPath(ctx).optional(),
      /**
       * Changes whose started record is accepted and not yet confirmed by the sink. When it is
       * full, an admin change is refused with 503 and not made. (A closing record never counts:
       * its change already holds a place.)
       */
      buffer_records: integer(1, 100000).default(1000),
      /** Recent records kept for the audit API (a capped sorted set in Redis, a ring in memory). */
      keep_records: integer(1, 1000000).default(10000),
      /** This replica's name in each record; default `<hostname>:<pid>`. */
      replica: z.string().min(1).max(128).optional(),
    })
    .superRefine((audit, issues) => {
      if ((audit.sink === 'file') !== (audit.file !== undefined))
        issues.addIssue({
          code: 'custom',
          path: ['file'],
          message:
            audit.sink === 'file'
              ? 'is required with sink: file'
              : 'is only allowed with sink: file',
        });
    })
    .prefault({});
}

export type AuditConfig = z.output<ReturnType<typeof auditConfigSchema>>;
