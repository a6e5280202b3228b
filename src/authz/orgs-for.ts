/**
 * The `orgsFor(principal)` use-case: the orgs an authenticated principal may act in, each with its
 * role there, decided by the core itself (`orgs.list` in each candidate org).
 *
 * - Candidates are the principal's own: API tokens, their bound orgs (the default org when
 *   unbound); sessions, the default org and the directory's memberships.
 * - Each candidate is decided like any request, so the policy normalises the role (`member` →
 *   viewer) and drops what the principal cannot use: a suspended or pending-deletion org, a stored
 *   role the catalogue does not know, a token without the `settings:read` scope.
 * - Order: the default org first, then by id.
 *
 * - During a cohort stage (docs/rollout.md), an org outside the cohort is not listed (its
 *   decision is single-tenant, so it is never allowed here), and the default org stays
 *   single-tenant: it is listed, with role null, only beside at least one cohort org, so the
 *   frontend can switch back to it. A principal with no cohort org gets `multi_tenant: false`,
 *   exactly what the all-off switch answers.
 *
 * Invariant: a failure is never a short list. A directory that cannot answer is
 * `directory_unavailable`, a policy that could not decide is `policy_error`; and when the
 * rollout changes while the decisions run (a decision answered single-tenant for an org the
 * snapshot had multi-tenant), the answer is `multi_tenant: false` with no orgs.
 */
import type { Principal } from '../contract/principal.js';
import { DirectoryUnavailableError, type DirectoryReader } from '../directory/types.js';
import type { Decision } from '../contract/decision.js';
import type { TrustedRequest } from '../contract/decision-request.js';
import { mapLimited } from './map-limited.js';
import { LIST_ORGS_ACTION } from '../contract/actions.js';
import type { RolloutView } from '../contract/tenancy-switch.js';

const CONCURRENCY = 16;

export type OrgsFor =
  | { ok: true; multi_tenant: false }
  | { ok: true; multi_tenant: true; orgs: { id: string; role: string | null }[] }
  | { ok: false; reason: 'directory_unavailable' | 'policy_error' };

export interface OrgsForDeps {
  decide(request: TrustedRequest): Promise<Decision>;
  /** The rollout now (contract/tenancy-switch.ts). */
  rollout(): RolloutView;
  directory: Pick<DirectoryReader, 'listOrgsForUser'>;
  defaultOrg: string;
  /** Decisions per turn of the event loop (map-limited.ts). */
  yieldEvery: number;
}

export function createOrgsFor(deps: OrgsForDeps): (principal: Principal) => Promise<OrgsFor> {
  const { defaultOrg } = deps;
  const defaultFirstThenById = (a: { id: string }, b: { id: string }): number =>
    Number(b.id === defaultOrg) - Number(a.id === defaultOrg) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  async function candidates(principal: Principal): Promise<string[] | null> {
    if (principal.kind === 'api_token')
      return principal.bound_orgs?.length ? principal.bound_orgs : [defaultOrg];
    try {
      const memberships = await deps.directory.listOrgsForUser(principal.id);
      return [defaultOrg, ...memberships.map((m) => m.id)];
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) return null;
      throw err;
    }
  }

  return async function orgsFor(principal) {
    // Single-tenant: nothing about orgs is read or decided.
    const rollout = deps.rollout();
    if (rollout.state === 'off') return { ok: true, multi_tenant: false };
    const all = await candidates(principal);
    if (all === null) return { ok: false, reason: 'directory_unavailable' };
    // In a cohort, only the orgs of the cohort are decided (the others are not listed); the
    // default org is single-tenant there and is listed beside them without a decision.
    const cohort = rollout.state === 'cohort';
    const orgs = cohort ? all.filter((id) => id !== defaultOrg && rollout.isOnFor(id)) : all;
    const decisions = await mapLimited(
      [...new Set(orgs)],
      { concurrency: CONCURRENCY, yieldEvery: deps.yieldEvery },
      (id) =>
        deps.decide({
          kind: 'request',
          trusted_principal: principal,
          named_org: { id, source: 'field' },
          action: LIST_ORGS_ACTION,
          resource: null,
          context: {},
        }),
    );
    if (decisions.some((d) => !d.multi_tenant)) return { ok: true, multi_tenant: false };
    if (decisions.some((d) => d.reason === 'directory_unavailable'))
      return { ok: false, reason: 'directory_unavailable' };
    if (decisions.some((d) => d.reason === 'policy_error'))
      return { ok: false, reason: 'policy_error' };
    const listed = decisions
      .filter((d): d is Decision & { effective_org: string } => d.allow && d.effective_org !== null)
      .map((d) => ({ id: d.effective_org, role: d.role }));
    if (!cohort) return { ok: true, multi_tenant: true, orgs: listed.sort(defaultFirstThenById) };
    if (listed.length === 0) return { ok: true, multi_tenant: false };
    const withDefault = all.includes(defaultOrg)
      ? [{ id: defaultOrg, role: null }, ...listed]
      : listed;
    return { ok: true, multi_tenant: true, orgs: withDefault.sort(defaultFirstThenById) };
  };
}
