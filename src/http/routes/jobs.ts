/**
 * `POST /v1/jobs/authorize` on the raw node:http decision path: re-checks a background job when it
 * runs, through the decision core (kind `job`). Everything is read at run time: the org must still
 * exist and be active, the enqueuer must still be a member holding the action's role, and the
 * resource must be in the job's org — shares never apply to jobs (shares.rego), so a job never
 * acts across orgs. The answer is the `/v1/authorize` decision document, 200 for a deny too.
 */
import type { Authorizer } from '../../authz/authorizer.js';
import { parseJobBody } from '../inbound/job-body.js';
import { sendJson } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import type { DecisionRoute } from '../route-table.js';

export interface JobRouteDeps {
  authorizer: Pick<Authorizer, 'decide'>;
  maxBodyBytes: number;
}

export function jobRoutes(deps: JobRouteDeps): DecisionRoute[] {
  return [
    {
      surface: 'decision',
      method: 'POST',
      path: '/v1/jobs/authorize',
      operation: 'jobs_authorize',
      auth: 'caller',
      async handle(req, res) {
        const job = parseJobBody(await readJsonBody(req, deps.maxBodyBytes));
        sendJson(res, 200, await deps.authorizer.decide(job.decision));
      },
    },
  ];
}
