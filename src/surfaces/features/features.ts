/**
 * `GET /v1/features`: the one gate a frontend consults. It answers about the caller only.
 *
 * - The caller is authenticated first, in both modes (no valid bearer token: 401).
 * - Multi-tenant off: exactly `{"multi_tenant": false}` — no org ids, nothing about orgs. During a
 *   cohort stage, also for a caller with no org inside the cohort (docs/rollout.md); orgs outside
 *   the cohort are never listed.
 * - Multi-tenant on: `{"multi_tenant": true, "orgs": [{"id", "role"}, …]}`, the orgs the caller
 *   may act in, as the core's `orgsFor` use-case answers them (authz/orgs-for.ts): the default org
 *   first, then by id. Tokens carry no role.
 * - A directory or policy failure is an error (503 / 500), never a short list.
 */
import type { Authorizer } from '../../authz/authorizer.js';
import { OrgwardenError as ApiError } from '../../contract/errors.js';

export type Features =
  { multi_tenant: false } | { multi_tenant: true; orgs: { id: string; role: string | null }[] };

export interface FeaturesDeps {
  authorizer: Pick<Authorizer, 'authenticate' | 'orgsFor'>;
}

export function createFeatures({ authorizer }: FeaturesDeps) {
  return async function featuresFor(token: string | undefined): Promise<Features> {
    const authn = await authorizer.authenticate(token);
    // Keys that cannot be fetched say nothing about the token: a retryable 503, not a 401.
    if (!authn.ok && authn.code === 'keys_unavailable')
      throw new ApiError('unavailable', 'signing keys are unavailable');
    if (!authn.ok) throw new ApiError('unauthorized', 'a valid bearer token is required');
    const answer = await authorizer.orgsFor(authn.principal);
    if (!answer.ok && answer.reason === 'directory_unavailable')
      throw new ApiError('unavailable', 'the directory cannot answer');
    if (!answer.ok) throw new ApiError('internal', 'internal error');
    return answer.multi_tenant
      ? { multi_tenant: true, orgs: answer.orgs }
      : { multi_tenant: false };
  };
}
