/**
 * The documents of the API as the client sends and reads them (openapi/orgwarden.yaml is the
 * source of truth; the client's test runs its traffic through the contract validator). Decision
 * and error vocabularies are the contract's own types, imported as types only: the client carries
 * no code of the server.
 */
import type { Decision } from '../contract/decision.js';
import type { ErrorCode, PublicErrorCode } from '../contract/errors.js';
import type { Reason } from '../contract/reasons.js';

export type { Decision, ErrorCode, PublicErrorCode, Reason };

export interface ResourceRef {
  type?: string | null;
  id?: string | null;
  org?: string | null;
}

/** `POST /v1/authorize`: exactly one of `token` and `headers`. */
export type AuthorizeRequest = {
  action: string;
  org?: string;
  resource?: ResourceRef | null;
  context?: Record<string, string>;
} & ({ token: string; headers?: never } | { headers: Record<string, string>; token?: never });

/** One result of a batch: the decision, or why that item was not valid. */
export type BatchResult = Decision | { error: { code: 'invalid_request'; message: string } };

export interface EventFilterRequest {
  channel: 'websocket' | 'sse' | 'push';
  event: { type: string; org?: string | null; user?: string | null };
  recipients: { id: string; user: string; org?: string | null }[];
}

export interface EventFilterResult {
  allowed: string[];
  denied: { id: string; reason: Reason }[];
}

export interface JobRequest {
  id: string;
  type: string;
  org: string;
  /** The enqueuer's token, or the user the job runner vouches for. */
  enqueued_by: string | { user: string };
  action: string;
  resource?: ResourceRef | null;
  context?: Record<string, string>;
}

export type Features =
  { multi_tenant: false } | { multi_tenant: true; orgs: { id: string; role: string | null }[] };

/** AuthZEN 1.0 (docs/authzen.md). */
export interface AuthzenEntity {
  type: string;
  id: string;
  properties?: Record<string, unknown>;
}
export interface AuthzenEvaluation {
  subject: AuthzenEntity;
  action: { name: string; properties?: Record<string, unknown> };
  resource: AuthzenEntity;
  context?: Record<string, unknown>;
}
export interface AuthzenEvaluations extends Partial<AuthzenEvaluation> {
  evaluations: Partial<AuthzenEvaluation>[];
  options?: {
    evaluations_semantic?: 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';
  };
}
export interface AuthzenDecision {
  decision: boolean;
  context: {
    reason: Reason;
    status: number;
    spoof: boolean;
    effective_org: string | null;
    decision_id: string;
    /** True exactly when the decision could not be evaluated (retry); a denial is false. */
    retryable: boolean;
  };
}

export type RolloutMode = 'off' | 'cohort' | 'on';

export interface Rollout {
  mode: RolloutMode;
  orgs: string[];
  percent: number;
  stage: number | null;
  held: boolean;
  signed_off_by: string | null;
  reason: string | null;
  since: string | null;
}

/** `PUT /v1/admin/rollout`: every key but `mode` optional. */
export interface RolloutRequest {
  mode: RolloutMode;
  orgs?: string[];
  percent?: number;
  stage?: number | null;
  held?: boolean;
  signed_off_by?: string | null;
  reason?: string | null;
  criteria?: 'met' | 'overridden';
}

export interface TenancyStatus {
  multi_tenant: boolean;
  state: RolloutMode;
  killed: boolean;
  rollout: Rollout;
  changed_by: string | null;
  store: 'memory' | 'redis';
  synced: boolean;
  version: number | null;
  flips: number;
  last_flip_at: string | null;
  changes: number;
  last_change_at: string | null;
}

export interface ReloadOutcome {
  ok: boolean;
  trigger: string;
  at: string;
  duration_ms: number;
  step: string | null;
  error: string | null;
  revision: string | null;
  active_revision: string | null;
  changed: boolean;
  smoke: { cases: number; builtin: number } | null;
}

export interface PolicyStatus {
  revision: string;
  entrypoints: string[];
  loaded_at: string;
  last_reload?: Partial<ReloadOutcome> | null;
  shadow?: Record<string, unknown> | null;
}

export interface AuditRecord {
  seq: number;
  time: string;
  replica: string;
  action: string;
  actor: string;
  outcome: 'started' | 'applied' | 'failed';
  before: unknown;
  after: unknown;
  ref?: number;
  error?: string;
}

export interface AuditPage {
  entries: AuditRecord[];
  next: number;
}
