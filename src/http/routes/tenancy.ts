/**
 * The kill switch over HTTP (contract section 7): `GET|PUT /v1/admin/tenancy` with the admin
 * token. PUT takes exactly `{"multi_tenant": <bool>}`: `false` engages the kill switch (every org
 * off, the rollout kept), `true` resumes the kept rollout; anything else is 400 and changes
 * nothing. The guard runs before the body is read, so a refused caller changes nothing either.
 * When PUT answers 200, this replica already serves the new state (every worker of it, with
 * `server.workers` > 1); the other replicas follow within one second.
 */
import type { Request } from 'express';
import type { Logger } from '../../contract/logger.js';
import { TenancyStoreUnavailableError, type TenancyControl } from '../../tenancy/index.js';
import { ApiError } from '../errors.js';
import { parseTenancyBody } from '../inbound/admin-bodies.js';
import { readJsonBody } from '../json-body.js';
import type { ManagementRoute } from '../route-table.js';

const PATH = '/v1/admin/tenancy';
const MAX_BODY_BYTES = 1024;

/**
 * Who changes the rollout or the kill switch, as the stored state and its `onChange` hook name
 * them. The one place the admin routes learn the actor: every admin credential is `admin` today.
 */
export function adminActor(_req: Request): string {
  return 'admin';
}

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

export function tenancyAdminRoutes(control: TenancyControl, logger: Logger): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: PATH,
      operation: 'tenancy_status',
      auth: 'admin',
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
      async handle(req, res) {
        const multiTenant = parseTenancyBody(await readJsonBody(req, MAX_BODY_BYTES));
        const actor = adminActor(req);
        const before = control.state().killed;
        await changeOrUnavailable(() => control.set(multiTenant, actor), logger, {
          multi_tenant: multiTenant,
          actor,
        });
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
