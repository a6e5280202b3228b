/**
 * The report's rollback steps for this deployment: the revision being certified and how to reload
 * the previous bundle, and the kill switch command, with the configured host, port and admin token.
 */
import type { Config } from '../../config/schema.js';

export function rollbackSteps(
  config: Config,
  revision: string | null,
  shown: (p: string) => string,
): string[] {
  const host = ['0.0.0.0', '::', ''].includes(config.server.host)
    ? '127.0.0.1'
    : config.server.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
  const tokenEnv = config.admin.token_env;
  const auth = `-H "Authorization: Bearer $${tokenEnv ?? 'ORGWARDEN_ADMIN_TOKEN'}"`;
  const caller = config.server.caller_token_env
    ? ` -H "X-Orgwarden-Caller-Token: $${config.server.caller_token_env}"`
    : '';
  const source =
    config.policy.dir !== undefined
      ? `policy.dir ${shown(config.policy.dir)}`
      : `policy.bundle ${shown(config.policy.bundle ?? '?')}`;
  return [
    `Previous policy revision: note the revision serving now (\`curl -s ${base}/v1/policy${caller}\`) before deploying; this report certifies ${revision ?? 'an unknown revision (the instance did not start)'}.`,
    `Reload the previous bundle: restore the previous revision's files at ${source}, then \`curl -X POST ${base}/v1/admin/policy/reload ${auth}${caller}\` (or send SIGHUP); \`GET /v1/policy\` must show the previous revision.`,
    `Kill switch (orgs become invisible, the default org keeps working): \`curl -X PUT ${base}/v1/admin/tenancy ${auth}${caller} -H 'Content-Type: application/json' -d '{"multi_tenant":false}'\``,
    ...(tokenEnv === undefined
      ? [
          'admin.token_env is not set: the admin endpoints answer 403, so neither command works until it is set (and the sidecar restarted).',
        ]
      : []),
  ];
}
