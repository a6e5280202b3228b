/**
 * The kill switch over HTTP (contract section 7): `GET|PUT /v1/admin/tenancy` with the admin
 * token. PUT takes exactly `{"multi_tenant": <bool>}`: `false` engages the kill switch (every org
 * off, the rollout kept), `true` resumes the kept rollout; anything else is 400 and changes
 * nothing. The guard runs before the body is read, so a refused caller changes nothing either.
 * When PUT answers 200, this replica already serves the new state (every worker of it, with
 * `server.workers` > 1); the other replicas follow within one second. Reading needs the role
 * `auditor`, a change `operator`; every change is recorded in the audit log, with the acting
 * credential's name, before it is made (a record that cannot be kept is 503, nothing changed).
 */
import type { AuditLog } from '../../audit/index.js';
import type { Logger } from '../../contract/logger.js';
import { TenancyStoreUnavailableError, type TenancyControl } from '../../tenancy/index.js';
import { adminActor } from '../admin-auth.js';
import { auditedRequest } from '../audited-request.js';
import { ApiError } from '../errors.js';
import { parseTenancyBody } from '../inbound/admin-bodies.js';
import { readJsonBody } from '../json-body.js';
import type { ManagementRoute } from '../route-table.js';

const PATH = '/v1/admin/tenancy';
const MAX_BODY_BYTES = 1024;

/**
 * Runs a change of the switch; a store that did not take it becomes 503 `unavailable` saying
 * whether the change may have been made (`outcome unknown`) or was not.
 */
export async function changeOrUnavailable<T>(
  change: () => Promise<T>,
  logger: Logger,
  fields: Record<string, unknown>,
): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (!(err instanceof TenancyStoreUnavailableError)) throw err;
    const unknown = err.outcome === 'unknown';
    logger.error(
      unknown
        ? 'tenancy switch change outcome unknown: its store did not answer'
        : 'tenancy switch not changed: its store did not answer',
      { component: 'tenancy', ...fields, error: err.message },
    );
    throw new ApiError(
      'unavailable',
      unknown
        ? `the tenancy switch's store (Redis, or the other workers of this sidecar) did not answer: whether the change was made is unknown; read GET ${PATH}, and send the change again if it is not there (sending it twice is harmless)`
        : 'the tenancy switch is stored in Redis, which did not accept the change; nothing changed',
      { cause: err },
    );
  }
}

export function tenancyAdminRoutes(
  control: TenancyControl,
  logger: Logger,
  audit: AuditLog,
): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: PATH,
      operation: 'tenancy_status',
      auth: 'admin',
      role: 'auditor',
      handle(_req, res) {
        res.json(control.status());
      },
    },
    {
      surface: 'management',
      method: 'PUT',
      path: PATH,
      operation: 'tenancy_set',
      auth: 'admin',
      role: 'operator',
      async handle(req, res) {
        const multiTenant = parseTenancyBody(await readJsonBody(req, MAX_BODY_BYTES));
        const actor = adminActor(req).name;
        const before = control.state().killed;
        await auditedRequest(
          audit,
          req,
          {
            action: 'tenancy.set',
            before: { multi_tenant: !before },
            after: { multi_tenant: multiTenant },
          },
          () =>
            changeOrUnavailable(() => control.set(multiTenant, actor), logger, {
              multi_tenant: multiTenant,
              actor,
            }),
        );
        const changed = before !== control.state().killed;
        logger.info('tenancy switch set through the admin API', {
          component: 'tenancy',
          multi_tenant: multiTenant,
          actor,
          changed,
        });
        res.json({ ...control.status(), changed });
      },
    },
  ];
}
