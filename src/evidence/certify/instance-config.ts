/**
 * The config of the throw-away instance certification runs against: the deployment's policy, route
 * manifest and tenancy names, with the fixture world in place of everything that is the
 * deployment's own — the fixture directory (written into `workDir`), the fixture issuer (HS256,
 * secret in FIXTURE_SECRET_ENV), the admin token in ORGWARDEN_CERTIFY_ADMIN_TOKEN — and no Redis,
 * a free loopback port, no decision log, no caller token, no reloads on change, no shadow,
 * multi-tenant on.
 */
import { authConfigSchema } from '../../authn/config.js';
import type { Config } from '../../config/schema.js';
import { directoryConfigSchema } from '../../directory/config.js';
import { adminConfigSchema } from '../../http/config.js';
import { decisionLogConfigSchema } from '../../observability/config.js';
import { FIXTURE_AUDIENCE, FIXTURE_ISSUER, FIXTURE_SECRET_ENV } from '../boundary/fixture.js';
import { writeFixtureDirectory } from '../boundary/run-engine.js';

/** The env var the throw-away instance reads its admin token from. */
export const CERTIFY_ADMIN_TOKEN_ENV = 'ORGWARDEN_CERTIFY_ADMIN_TOKEN';

export function certifyInstanceConfig(config: Config, opts: { workDir: string }): Config {
  const directoryFile = writeFixtureDirectory(opts.workDir, config.tenancy.default_org);
  // Sections are built by their own schemas (defaults filled in); nothing here reads the env.
  const ctx = { baseDir: opts.workDir, env: null };
  return {
    ...config,
    server: { ...config.server, host: '127.0.0.1', port: 0, caller_token_env: undefined },
    // every org on (a configured staged rollout would decide otherwise)
    tenancy: { ...config.tenancy, multi_tenant: true, rollout: undefined },
    auth: authConfigSchema(ctx).parse({
      issuer: FIXTURE_ISSUER,
      audience: FIXTURE_AUDIENCE,
      algorithms: ['HS256'],
      hs256_secret_env: FIXTURE_SECRET_ENV,
    }),
    directory: directoryConfigSchema(ctx).parse({ file: directoryFile }),
    redis: undefined,
    policy: { ...config.policy, watch: false, shadow: undefined },
    admin: adminConfigSchema(ctx).parse({ token_env: CERTIFY_ADMIN_TOKEN_ENV }),
    decision_log: decisionLogConfigSchema(ctx).parse({ sink: 'none' }),
  };
}
