/**
 * The throw-away instance a certification run starts: the deployment's config — its policy, route
 * manifest, tenancy names and server settings — with the fixture's directory and issuer in place
 * of the real ones, no Redis (nothing shared with a running fleet), its own admin token, the
 * decision log off, multi-tenant on, on a free loopback port.
 */
import type { Config } from '../../config/schema.js';
import { parseConfig } from '../../config/load.js';
import { FIXTURE_AUTH, writeFixtureDirectory } from './run-engine.js';

/** The env var the instance reads its admin token from. */
export const CERTIFY_ADMIN_TOKEN_ENV = 'ORGWARDEN_CERTIFY_ADMIN_TOKEN';

export function boundaryInstanceConfig(config: Config, opts: { workDir: string }): Config {
  const file = writeFixtureDirectory(opts.workDir, config.tenancy.default_org);
  const fixture = parseConfig({
    auth: FIXTURE_AUTH,
    directory: { file },
    policy: { dir: opts.workDir },
    admin: { token_env: CERTIFY_ADMIN_TOKEN_ENV },
  });
  const { redis: _shared, ...rest } = config;
  return {
    ...rest,
    server: { ...config.server, host: '127.0.0.1', port: 0 },
    tenancy: { ...config.tenancy, multi_tenant: true },
    auth: fixture.auth,
    directory: fixture.directory,
    admin: fixture.admin,
    decision_log: { ...config.decision_log, sink: 'none' },
  };
}
