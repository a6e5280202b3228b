/**
 * The kill switch over HTTP (contract section 7): `GET|PUT /v1/admin/tenancy` with the admin
 * token. PUT takes exactly `{"multi_tenant": <bool>}`; anything else is 400 and changes nothing.
 * The guard runs before the body is read, so a refused caller changes nothing either. When PUT
 * answers 200, this replica already serves the new state (every worker of it, with
 * `server.workers` > 1); the other replicas follow within one second.
 */
import type { Logger } from '../../contract/logger.js';
import { TenancyStoreUnavailableError, type TenancyControl } from '../../tenancy/index.js';
import { ApiError } from '../errors.js';
import { parseTenancyBody } from '../inbound/admin-bodies.js';
import { readJsonBody } from '../json-body.js';
import type { ManagementRoute } from '../route-table.js';

const PATH = '/v1/admin/tenancy';
const MAX_BODY_BYTES = 1024;

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
        const before = control.isMultiTenant();
        try {
          await control.set(multiTenant);
        } catch (err) {
          if (err instanceof TenancyStoreUnavailableError) {
            const unknown = err.outcome === 'unknown';
            logger.error(
              unknown
                ? 'tenancy switch change outcome unknown: its store did not answer'
                : 'tenancy switch not changed: its store did not answer',
              { component: 'tenancy', multi_tenant: multiTenant, error: err.message },
            );
            throw new ApiError(
              'unavailable',
              unknown
                ? `the tenancy switch's store (Redis, or the other workers of this sidecar) did not answer: whether the change was made is unknown; read GET /v1/admin/tenancy, and send the change again if it is not there (sending it twice is harmless)`
                : 'the tenancy switch is stored in Redis, which did not accept the change; nothing changed',
              { cause: err },
            );
          }
          throw err;
        }
        logger.info('tenancy switch set through the admin API', {
          component: 'tenancy',
          multi_tenant: multiTenant,
          changed: before !== multiTenant,
        });
        res.json({ ...control.status(), changed: before !== multiTenant });
      },
    },
  ];
}
