/**
 * The `tenancy` section: the start state of the multi-tenant rollout (the one-value
 * `multi_tenant`, or a staged `rollout`), the default org and where a request names its org.
 * Defaults are the contract's (docs/config.md).
 */
import { z } from 'zod';
import { HEADER_NAME } from '../contract/config-fields.js';
import { describeIdProblem, ORG_ID_PATTERN, orgIdProblem } from '../contract/ids.js';
import { checkCohort, cohortFields } from './rollout-state.js';

export const tenancyConfigSchema = z
  .strictObject({
    /** The one-value switch: true = the rollout `on`, false (default) = the kill switch engaged. */
    multi_tenant: z.boolean().default(false),
    /** A staged start state instead (docs/rollout.md); not together with `multi_tenant: true`. */
    rollout: z
      .strictObject({
        mode: cohortFields.mode,
        orgs: cohortFields.orgs,
        percent: cohortFields.percent,
      })
      .optional(),
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
  .check((payload) => {
    const { rollout } = payload.value;
    if (!rollout) return;
    if (payload.value.multi_tenant)
      payload.issues.push({
        code: 'custom',
        message: 'set either tenancy.multi_tenant: true or tenancy.rollout, not both',
        path: ['rollout'],
        input: rollout,
      });
    const issues: typeof payload.issues = [];
    checkCohort(rollout, payload.value.default_org, issues);
    for (const issue of issues)
      payload.issues.push({ ...issue, path: ['rollout', ...(issue.path ?? [])] });
  })
  .prefault({});

export type TenancyConfig = z.output<typeof tenancyConfigSchema>;
