/**
 * A typed client of orgwarden's HTTP API (openapi/orgwarden.yaml), over `fetch`:
 *
 *   const ow = createOrgwardenClient({ baseUrl: 'http://127.0.0.1:8181', callerToken });
 *   const decision = await ow.authorize({ token, org: 'acme', action: 'resource.read' });
 *   if (!decision.allow) return reply(decision.status, decision.reason);
 *
 * A decision that denies is an answer, not an error: only a refused call (4xx, 5xx) throws
 * `OrgwardenApiError` with the server's error `code`. The caller token goes in
 * `X-Orgwarden-Caller-Token` on every call; the admin token, in `Authorization: Bearer`, only on
 * the admin calls (never on a decision, whose `Authorization` would be the end user's).
 */
import { errorFromAnswer, OrgwardenApiError } from './errors.js';
import type {
  AuditPage,
  AuthorizeRequest,
  AuthzenDecision,
  AuthzenEvaluation,
  AuthzenEvaluations,
  BatchResult,
  Decision,
  EventFilterRequest,
  EventFilterResult,
  Features,
  JobRequest,
  PolicyStatus,
  ReloadOutcome,
  RolloutRequest,
  TenancyStatus,
} from './types.js';

export interface OrgwardenClientOptions {
  /** Where orgwarden listens, e.g. `http://127.0.0.1:8181` (no trailing path). */
  baseUrl: string;
  /** `server.caller_token_env`'s secret, when the sidecar requires one. */
  callerToken?: string;
  /** An admin credential's token, for the admin calls. */
  adminToken?: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
}

export interface OrgwardenClient {
  authorize(request: AuthorizeRequest): Promise<Decision>;
  /** At most 1000 items; each is answered on its own (an item that is not valid is an item error). */
  authorizeBatch(items: readonly AuthorizeRequest[]): Promise<BatchResult[]>;
  filterEvent(request: EventFilterRequest): Promise<EventFilterResult>;
  authorizeJob(job: JobRequest): Promise<Decision>;
  /** `GET /v1/features` for the end user whose bearer token this is. */
  features(userToken: string): Promise<Features>;
  authzen: {
    evaluation(request: AuthzenEvaluation): Promise<AuthzenDecision>;
    evaluations(request: AuthzenEvaluations): Promise<{ evaluations: AuthzenDecision[] }>;
  };
  policyStatus(): Promise<PolicyStatus>;
  admin: {
    tenancy(): Promise<TenancyStatus>;
    /** `false` engages the kill switch; `true` resumes the kept rollout. */
    setTenancy(multiTenant: boolean): Promise<TenancyStatus & { changed: boolean }>;
    rollout(): Promise<TenancyStatus>;
    setRollout(rollout: RolloutRequest): Promise<TenancyStatus & { changed: boolean }>;
    /** A refused policy throws with code `policy_rejected`; the body names the step. */
    reloadPolicy(): Promise<ReloadOutcome>;
    audit(page?: { since?: number; limit?: number }): Promise<AuditPage>;
  };
}

export function createOrgwardenClient(options: OrgwardenClientOptions): OrgwardenClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call<T>(
    method: string,
    path: string,
    body: unknown,
    extra: { admin?: boolean; userToken?: string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.callerToken !== undefined)
      headers['x-orgwarden-caller-token'] = options.callerToken;
    if (extra.admin) {
      if (options.adminToken === undefined)
        throw new TypeError(`${method} ${path} is an admin call: give the client an adminToken`);
      headers.authorization = `Bearer ${options.adminToken}`;
    }
    if (extra.userToken !== undefined) headers.authorization = `Bearer ${extra.userToken}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new OrgwardenApiError(
        0,
        'unexpected_response',
        `${method} ${path}: ${String(err)}`,
        null,
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the error
    }
    if (!res.ok) throw errorFromAnswer(res.status, parsed);
    if (typeof parsed !== 'object' || parsed === null)
      throw new OrgwardenApiError(
        res.status,
        'unexpected_response',
        `${method} ${path}: not JSON`,
        text,
      );
    return parsed as T;
  }

  return {
    authorize: (request) => call('POST', '/v1/authorize', request),
    authorizeBatch: async (items) =>
      (await call<{ results: BatchResult[] }>('POST', '/v1/authorize/batch', { items })).results,
    filterEvent: (request) => call('POST', '/v1/events/filter', request),
    authorizeJob: (job) => call('POST', '/v1/jobs/authorize', { job }),
    features: (userToken) => call('GET', '/v1/features', undefined, { userToken }),
    authzen: {
      evaluation: (request) => call('POST', '/access/v1/evaluation', request),
      evaluations: (request) => call('POST', '/access/v1/evaluations', request),
    },
    policyStatus: () => call('GET', '/v1/policy', undefined),
    admin: {
      tenancy: () => call('GET', '/v1/admin/tenancy', undefined, { admin: true }),
      setTenancy: (multiTenant) =>
        call('PUT', '/v1/admin/tenancy', { multi_tenant: multiTenant }, { admin: true }),
      rollout: () => call('GET', '/v1/admin/rollout', undefined, { admin: true }),
      setRollout: (rollout) => call('PUT', '/v1/admin/rollout', rollout, { admin: true }),
      reloadPolicy: () => call('POST', '/v1/admin/policy/reload', undefined, { admin: true }),
      audit: (page = {}) => {
        const query = new URLSearchParams();
        if (page.since !== undefined) query.set('since', String(page.since));
        if (page.limit !== undefined) query.set('limit', String(page.limit));
        const search = query.size > 0 ? `?${query.toString()}` : '';
        return call('GET', `/v1/admin/audit${search}`, undefined, { admin: true });
      },
    },
  };
}
