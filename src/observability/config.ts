/**
 * The `decision_log` section: where decision records go and the bounded buffer in front of the
 * sink (entries beyond it are dropped and counted).
 */
import { z } from 'zod';
import { configPath, integer, type ConfigContext } from '../contract/config-fields.js';

export function decisionLogConfigSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      /** `stdout` (default), `file`, or `none` (no decision log). */
      sink: z.enum(['stdout', 'file', 'none']).default('stdout'),
      /** Append-only file; required with `sink: file`, only allowed with it. */
      file: configPath(ctx).optional(),
      buffer_entries: integer(1, 1000000).default(10000),
      /** The buffer's bound in bytes of serialized lines; whichever bound is reached first drops. */
      buffer_bytes: integer(65536, 1073741824).default(8388608),
      /** Log one allow in this many (1 = all); denies are always logged. */
      sample_allows_one_in: integer(1, 1000000).default(1),
    })
    .superRefine((log, issues) => {
      if ((log.sink === 'file') !== (log.file !== undefined))
        issues.addIssue({
          code: 'custom',
          path: ['file'],
          message:
            log.sink === 'file' ? 'is required with sink: file' : 'is only allowed with sink: file',
        });
    })
    .prefault({});
}

export type DecisionLogConfig = z.output<ReturnType<typeof decisionLogConfigSchema>>;
