/**
 * The whole config: each component's section schema (owned by the component, in its own
 * `config.ts`) composed under its key, plus the rules that span sections. See docs/config.md.
 */
import { z } from 'zod';
import type { ConfigContext } from '../contract/config-fields.js';
import { auditConfigSchema } from '../audit/config.js';
import { authConfigSchema } from '../authn/config.js';
import { certifyConfigSchema } from './certify.js';
import { directoryConfigSchema } from '../directory/config.js';
import { grpcConfigSchema } from '../grpc/config.js';
import { adminConfigSchema, serverConfigShape, serverRules } from '../http/config.js';
import { decisionLogConfigSchema } from '../observability/config.js';
import { uiConfigSchema } from '../observability/ui-config.js';
import { policyConfigSchema } from '../policy-rollout/config.js';
import { redisConfigSchema } from '../redis/config.js';
import { authzenConfigSchema } from '../surfaces/authzen/config.js';
import { eventsConfigSchema } from '../surfaces/events/config.js';
import { tenancyConfigSchema } from '../tenancy/config.js';

export function configSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      server: z
        .strictObject({ ...serverConfigShape(ctx), grpc: grpcConfigSchema.optional() })
        .superRefine(serverRules)
        .prefault({}),
      tenancy: tenancyConfigSchema,
      auth: presentOrEmpty(authConfigSchema(ctx)),
      directory: presentOrEmpty(directoryConfigSchema(ctx)),
      redis: redisConfigSchema.optional(),
      policy: policyConfigSchema(ctx),
      admin: adminConfigSchema(ctx),
      decision_log: decisionLogConfigSchema(ctx),
      audit: auditConfigSchema(ctx),
      events: eventsConfigSchema,
      authzen: authzenConfigSchema,
      ui: uiConfigSchema,
      certify: certifyConfigSchema(ctx),
    })
    .superRefine(
      (config, issues) => {
        if (config.redis === undefined && config.directory.seed === 'confirm')
          issues.addIssue({
            code: 'custom',
            path: ['directory', 'seed'],
            message:
              'confirm needs redis: without redis, directory.file is the directory itself and is never seeded',
          });
      },
      // A rule across sections runs whenever the sections it reads are valid, so its problem is
      // reported together with any problem elsewhere.
      {
        when: (payload) =>
          payload.issues.every(
            (issue) => !['directory', 'redis'].includes(String(issue.path?.[0])),
          ),
      },
    );
}

/**
 * A section with required keys is validated as empty when it is missing, so the problem names
 * each required key (`auth.issuer: is required`) rather than just the section.
 */
function presentOrEmpty<T extends z.ZodType>(section: T) {
  return z.preprocess((value) => value ?? {}, section);
}

export type Config = z.output<ReturnType<typeof configSchema>>;
