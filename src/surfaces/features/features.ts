/**
 * `GET /v1/features`: the one gate a frontend consults. It answers about the caller only.
 *
 * - The caller is authenticated first, in both modes (no valid bearer token: 401).
 * - Multi-tenant off: exactly `{"multi_tenant": false}` — no org ids, nothing about orgs.
 * - Multi-tenant on: `{"multi_tenant": true, "orgs": [{"id", "role"}, …]}`, the orgs the caller
 *   may act in: the default org first, then by id. Candidates are the caller's own (sessions: the
 *   default org and the directory's memberships; API tokens: their bound orgs), and each one is
 *   decided by the core (`orgs.list` in that org), which normalises the role (`member` → viewer)
 *   and drops what the caller cannot use: a suspended or pending-deletion org, a stored role the
 *   catalogue does not know, a token without the `settings:read` scope. Tokens carry no role.
 * - The kill switch is read per request; if it flips while the decisions run, the answer is the
 *   single-tenant one. A directory or policy failure is an error (503 / 500), never a short list.
 */
import type { Principal } from '../../contract/principal.js';
import type { Authorizer } from '../../authz/authorizer.js';
import type { Decision } from '../../contract/decision.js';
import { DirectoryUnavailableError, type DirectoryReader } from '../../directory/types.js';
import { ApiError } from '../../http/errors.js';
import { LIST_ORGS_ACTION } from '../../contract/actions.js';
import { mapLimited } from '../map-limited.js';

const CONCURRENCY = 16;

export type Features = { multi_tenant: false } | { multi_tenant: true; orgs: Array<{ id: string; role: string | null }> };

export interface FeaturesDeps {
  authorizer: Pick<Authorizer, 'authenticate' | 'decide' | 'isMultiTenant'>;
  directory: Pick<DirectoryReader, 'listOrgsForUser'>;
  defaultOrg: string;
  /** Decisions per turn of the event loop (`server.fanout_yield_every`). */
  yieldEvery: number;
}

export function createFeatures(deps: FeaturesDeps) {
  const { authorizer, defaultOrg } = deps;
  const SINGLE_TENANT: Features = { multi_tenant: false };

  async function candidateOrgs(principal: Principal): Promise<string[]> {
    if (principal.kind === 'api_token') return principal.bound_orgs?.length ? principal.bound_orgs : [defaultOrg];
    let memberships: Array<{ id: string }>;
    try {
      memberships = await deps.directory.listOrgsForUser(principal.id);
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) throw new ApiError('unavailable', 'the directory cannot answer');
      throw err;
    }
    return [defaultOrg, ...memberships.map((m) => m.id)];
  }

  const defaultFirstThenById = (a: { id: string }, b: { id: string }): number =>
    Number(b.id === defaultOrg) - Number(a.id === defaultOrg) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  return async function featuresFor(token: string | undefined): Promise<Features> {
    const authn = await authorizer.authenticate(token);
    // Keys that cannot be fetched say nothing about the token: a retryable 503, not a 401.
    if (!authn.ok && authn.code === 'keys_unavailable') throw new ApiError('unavailable', 'signing keys are unavailable');
    if (!authn.ok) throw new ApiError('unauthorized', 'a valid bearer token is required');
    if (!authorizer.isMultiTenant()) return SINGLE_TENANT;

    const principal = authn.principal;
    const orgs = [...new Set(await candidateOrgs(principal))];
    const decisions = await mapLimited(orgs, { concurrency: CONCURRENCY, yieldEvery: deps.yieldEvery }, (id) =>
      authorizer.decide({
        kind: 'request',
        token: undefined,
        trusted_principal: principal, // authenticated above, from this request's own token
        named_org: { id, source: 'field' },
        action: LIST_ORGS_ACTION,
        resource: null,
        context: {},
      }),
    );
    if (decisions.some((d) => !d.multi_tenant)) return SINGLE_TENANT;
    failOnBrokenDecision(decisions);
    return {
      multi_tenant: true,
      orgs: decisions
        .filter((d): d is Decision & { effective_org: string } => d.allow && d.effective_org !== null)
        .map((d) => ({ id: d.effective_org, role: d.role }))
        .sort(defaultFirstThenById),
    };
  };
}

function failOnBrokenDecision(decisions: Decision[]): void {
  if (decisions.some((d) => d.reason === 'directory_unavailable')) throw new ApiError('unavailable', 'the directory cannot answer');
  if (decisions.some((d) => d.reason === 'policy_error')) throw new ApiError('internal', 'internal error');
}
