/**
 * The decision core. Every surface (the HTTP endpoints, batch, events, jobs, forward-auth, and
 * in-process callers) goes through `decide`. It resolves identity, resolves the requested org,
 * fetches the directory slice, and lets the policy decide.
 *
 * Invariants:
 * - `decide` never rejects; any failure is a deny with its own reason (`policy_error` for anything
 *   the policy or this code could not finish), never an allow.
 * - The active policy and the multi-tenant rollout are each read once per decision, so a hot
 *   reload, a rollout change or a kill-switch flip never produces a decision that mixes two states.
 * - The policy's `tenancy.multi_tenant` is the rollout for this request (`multiTenantFor`): on only
 *   when it is on for the org the request resolves to and for the org owning the resource, so an
 *   org outside the cohort answers exactly what the all-off switch answers, and its data is never
 *   reached from an org inside it. The memo key is the policy input, so it holds this value too.
 * - The org a client names is only a request; the policy proves or refuses it.
 * - The policy only ever sees well-formed Unicode; any other input is a deny before it is asked.
 * - The decision memo (decision-memo.ts) only ever stands in for the evaluation itself: the checks
 *   above run for every decision, and each decision gets its own id, latency and observers.
 */
import type { Authenticator, AuthResult } from '../authn/types.js';
import type { Principal } from '../contract/principal.js';
import type { DirectoryReader } from '../directory/types.js';
import type { ActivePolicy } from '../engine/active-policy.js';
import type { Decision, DecisionObserver, DecisionRecord } from '../contract/decision.js';
import { createDecisionIds } from './decision-id.js';
import { createDecisionMemo, type DecisionMemoOptions } from './decision-memo.js';
import type { DecisionRequest } from '../contract/decision-request.js';
import { UNAVAILABLE_SLICE, createSliceReader } from './directory-slice.js';
import { explanationFor } from './explanation.js';
import { malformedInputDeny } from './malformed-input.js';
import { createOrgsFor, type OrgsFor } from './orgs-for.js';
import type { OrgSource } from '../contract/org-sources.js';
import type { PolicyDecision, PolicyInput } from '../contract/policy-io.js';
import { REASON_STATUS } from '../contract/reasons.js';
import type { RolloutView, TenancySwitch } from '../contract/tenancy-switch.js';

/** The documented default of `server.fanout_yield_every`, for library callers that do not set it. */
const DEFAULT_YIELD_EVERY = 16;

export interface AuthorizerDeps {
  /** The org a request that names none, by a principal bound to none, is asked in. */
  tenancy: { default_org: string };
  authenticator: Authenticator;
  directory: DirectoryReader;
  policy: ActivePolicy;
  tenancySwitch: TenancySwitch;
  observers?: DecisionObserver[];
  /**
   * Told the policy input and the decision after each evaluation, so a shadow policy can evaluate
   * the same input. It must only queue; a throw is ignored and never changes the decision.
   */
  onEvaluated?: (input: PolicyInput, decision: Decision) => void;
  /** Milliseconds since epoch. */
  now?: () => number;
  decisionIds?: () => string;
  /** Decisions per turn of the event loop in a use-case that fans out (`server.fanout_yield_every`). */
  fanoutYieldEvery?: number;
  /** The decision memo (`policy.memo_entries`, `policy.memo_bytes`); off when absent. */
  memo?: DecisionMemoOptions;
  /** Told why the policy's explanation of a decision was dropped (malformed, or none exported). */
  onExplainError?: (error: string) => void;
}

export interface Authorizer {
  /** The core: one normalised request in, one decision out. Never rejects. */
  decide(request: DecisionRequest): Promise<Decision>;
  /** The orgs a principal may act in, with its role in each (orgs-for.ts). */
  orgsFor(principal: Principal): Promise<OrgsFor>;
  /** Authenticates a bearer credential (for surfaces that answer about the caller, e.g. features). */
  authenticate(token: string | undefined): Promise<AuthResult>;
  isMultiTenant(): boolean;
}

export function createAuthorizer(deps: AuthorizerDeps): Authorizer {
  const now = deps.now ?? Date.now;
  const nextId = deps.decisionIds ?? createDecisionIds(now);
  const readSlice = createSliceReader(deps.directory);
  const observers = deps.observers ?? [];
  const defaultOrg = deps.tenancy.default_org;
  const evaluate = createDecisionMemo(deps.memo);

  async function decide(request: DecisionRequest): Promise<Decision> {
    const started = performance.now();
    const time = new Date(now());
    const engine = deps.policy.current();
    const rollout = deps.tenancySwitch.view();
    let principal: Principal | null = null;
    let requested: { id: string; source: OrgSource } = request.named_org ?? {
      id: defaultOrg,
      source: 'default',
    };
    let multiTenant = multiTenantFor(rollout, requested.id, request.resource);
    let result: { ok: true; decision: PolicyDecision } | { ok: false; error: string };
    let evaluated: PolicyInput | null = null;
    let json: string | undefined;
    try {
      const authn: AuthResult =
        request.trusted_principal !== undefined
          ? { ok: true, principal: request.trusted_principal }
          : await deps.authenticator.authenticate(request.token);
      principal = authn.ok ? authn.principal : null;
      requested = resolveRequestedOrg(request, principal, defaultOrg);
      multiTenant = multiTenantFor(rollout, requested.id, request.resource);
      const fetched = principal
        ? await readSlice({
            principal,
            org: requested.id,
            resource: request.resource,
            targetUser: request.context.target_user,
          })
        : { slice: UNAVAILABLE_SLICE };
      const input: PolicyInput = {
        kind: request.kind,
        now: Math.floor(time.getTime() / 1000),
        tenancy: { multi_tenant: multiTenant, default_org: defaultOrg },
        authn: authn.ok ? { ok: true } : { ok: false, code: authn.code },
        principal,
        action: request.action,
        requested_org: requested,
        resource: request.resource,
        context: request.context,
        directory: fetched.slice,
      };
      // Serialised once: the memo's key, the engine's input and the Unicode pre-check.
      json = jsonOf(input);
      // A string that is not well-formed Unicode never reaches the policy (it would abort it).
      const malformed = malformedInputDeny(input, json);
      if (malformed) {
        result = { ok: true, decision: malformed };
        if (malformed.reason === 'unauthenticated') principal = null;
      } else {
        result = engine
          ? evaluate(engine, input, json)
          : { ok: false, error: 'no policy is active' };
        if (engine) evaluated = input;
      }
      if (result.ok && !fetched.slice.available && principal && result.decision.allow)
        result = { ok: false, error: 'policy allowed while the directory was unavailable' };
    } catch (err) {
      result = {
        ok: false,
        error: `decision failed: ${err instanceof Error ? err.message : 'unknown error'}`,
      };
    }
    const policyDecision = result.ok ? result.decision : policyError();
    // Field by field, in the order of the answer (a spread of the policy's part costs more).
    const decision: Decision = {
      decision_id: nextId(),
      allow: policyDecision.allow,
      reason: policyDecision.reason as Decision['reason'],
      detail: policyDecision.detail,
      status: policyDecision.status,
      effective_org: policyDecision.effective_org,
      role: policyDecision.role,
      spoof: policyDecision.spoof,
      principal: principal ? { id: principal.id, kind: principal.kind } : null,
      policy_revision: engine?.revision ?? null,
      multi_tenant: multiTenant,
    };
    const record: DecisionRecord = {
      kind: request.kind,
      decision,
      requested_org: requested,
      action: request.action,
      resource: request.resource,
      route: request.route,
      spoof_source: decision.spoof ? spoofSource(decision, requested.source) : null,
      time,
      latency_s: (performance.now() - started) / 1000,
    };
    if (!result.ok) record.error = result.error;
    else if (engine && evaluated) {
      const explain = explanationFor({
        engine,
        input: evaluated,
        json,
        decision: result.decision,
        asked: request.explain === true,
        onError: deps.onExplainError,
      });
      if (explain) {
        record.explain = explain;
        if (request.explain === true) decision.explain = explain;
      }
    }
    notify(record);
    if (evaluated && deps.onEvaluated) {
      try {
        deps.onEvaluated(evaluated, decision);
      } catch {
        // the shadow never changes or fails a decision
      }
    }
    return decision;
  }

  function notify(record: DecisionRecord): void {
    for (const observer of observers) {
      try {
        observer.onDecision(record);
      } catch {
        // An observer (metrics, decision log) must never fail or change a decision.
      }
    }
  }

  const isMultiTenant = () => deps.tenancySwitch.isMultiTenant();
  const orgsFor = createOrgsFor({
    decide,
    rollout: () => deps.tenancySwitch.view(),
    directory: deps.directory,
    defaultOrg,
    yieldEvery: deps.fanoutYieldEvery ?? DEFAULT_YIELD_EVERY,
  });
  return {
    decide,
    orgsFor,
    authenticate: (token) => deps.authenticator.authenticate(token),
    isMultiTenant,
  };
}

/**
 * Multi-tenant for one request: the rollout is on for the org the request resolves to and, when
 * the resource belongs to another org, for that org too. Off means the policy's single-tenant
 * gate answers (`feature_disabled` for any non-default org): a rollback never merges orgs.
 */
function multiTenantFor(
  rollout: RolloutView,
  org: string,
  resource: DecisionRequest['resource'],
): boolean {
  if (rollout.state !== 'cohort') return rollout.state === 'on';
  if (!rollout.isOnFor(org)) return false;
  const owner = resource?.org ?? null;
  return owner === null || owner === org || rollout.isOnFor(owner);
}

/**
 * The named org, else the org of the token's binding, else the default org. A token bound to
 * several orgs that names none is reported in the first org of its binding (source `token`): the
 * org is then one the token may act in, so a refusal is never a spoof attempt, and the policy
 * lets such a token go on only with actions about itself rather than one org (`orgs.list`);
 * anything else it refuses as `invalid_org` / `org_required`.
 */
function resolveRequestedOrg(
  request: DecisionRequest,
  principal: Principal | null,
  defaultOrg: string,
): { id: string; source: OrgSource } {
  if (request.named_org) return request.named_org;
  const bound = principal?.kind === 'api_token' ? principal.bound_orgs : null;
  const first = bound?.[0];
  if (first !== undefined) return { id: first, source: 'token' };
  return { id: defaultOrg, source: 'default' };
}

function spoofSource(decision: Decision, source: OrgSource): DecisionRecord['spoof_source'] {
  if (decision.detail === 'token_org_mismatch' || source === 'token' || source === 'default')
    return 'token_binding';
  return source;
}

function policyError(): PolicyDecision {
  return {
    allow: false,
    reason: 'policy_error',
    detail: null,
    status: REASON_STATUS.policy_error,
    effective_org: null,
    role: null,
    spoof: false,
  };
}

/** The input as JSON, or undefined when it is not JSON (a cycle, a BigInt: the engine fails it). */
function jsonOf(input: PolicyInput): string | undefined {
  try {
    return JSON.stringify(input);
  } catch {
    return undefined;
  }
}
