/**
 * `POST /v1/jobs/authorize` on the raw node:http decision path: re-checks a background job when it
 * runs, through the decision core (kind `job`). Everything is read at run time: the org must still
 * exist and be active, the enqueuer must still be a member holding the action's role, and the
 * resource must be in the job's org — shares never apply to jobs (shares.rego), so a job never
 * acts across orgs. The answer is the `/v1/authorize` decision document, 200 for a deny too.
 */
import type { Authorizer } from '../../authz/authorizer.js';
import type { DecisionRoute } from '../../http/decision-routes.js';
import { sendJson } from '../../http/errors.js';
import { readJsonBody } from '../../http/json-body.js';
import { parseJobBody } from '../../http/inbound/job-body.js';

export interface JobRouteDeps {
  authorizer: Pick<Authorizer, 'decide'>;
  maxBodyBytes: number;
}

export function jobRoutes(deps: JobRouteDeps): DecisionRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/jobs/authorize',
      async handle(req, res) {
        const job = parseJobBody(await readJsonBody(req, deps.maxBodyBytes));
        sendJson(res, 200, await deps.authorizer.decide(job.decision));
      },
    },
  ];
}
