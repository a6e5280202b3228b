/**
 * The `tenancy` section: the start state of the multi-tenant switch, the default org and where
 * a request names its org. Defaults are the contract's (docs/config.md).
 */
import { z } from 'zod';
import { HEADER_NAME } from '../contract/config-fields.js';
import { describeIdProblem, ORG_ID_PATTERN, orgIdProblem } from '../contract/ids.js';

export const tenancyConfigSchema = z
  .strictObject({
    multi_tenant: z.boolean().default(false),
    default_org: z
      .string()
      .regex(ORG_ID_PATTERN)
      .default('default')
      // beyond the grammar: dot-only ids and prototype names
      .check((payload) => {
        if (!ORG_ID_PATTERN.test(payload.value)) return; // the grammar's own problem is reported
        const found = orgIdProblem(payload.value, payload.value);
        if (found !== null)
          payload.issues.push({
            code: 'custom',
            message: describeIdProblem('the default org', found),
            input: payload.value,
          });
      }),
    org_header: z
      .string()
      .regex(HEADER_NAME)
      .default('X-Org-ID')
      .refine((name) => name.toLowerCase() !== 'authorization', 'must not be Authorization'),
    org_cookie: z.string().regex(HEADER_NAME).default('org_id'),
  })
  .prefault({});

export type TenancyConfig = z.output<typeof tenancyConfigSchema>;
