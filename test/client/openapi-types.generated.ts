// Generated from openapi/orgwarden.yaml by `npm run openapi:types`; do not edit.
/* eslint-disable */
export interface Schemas {
  ErrorCode:
    | 'invalid_request'
    | 'unauthorized'
    | 'forbidden'
    | 'not_found'
    | 'method_not_allowed'
    | 'conflict'
    | 'payload_too_large'
    | 'unsupported_media_type'
    | 'policy_rejected'
    | 'internal'
    | 'feature_disabled'
    | 'unavailable';
  ErrorReason:
    | 'invalid_record'
    | 'default_org_immutable'
    | 'org_not_found'
    | 'seed_not_needed'
    | 'unknown_event_type'
    | 'unlisted_event_channel'
    | 'directory_unavailable'
    | 'tenancy_store_unavailable'
    | 'keys_unavailable'
    | 'jwks_fetch_failed'
    | 'policy_compile_failed'
    | 'smoke_failed'
    | 'bundle_invalid'
    | 'bundle_signature_invalid'
    | 'signing_key_invalid'
    | 'invalid_config'
    | 'usage_error';
  ErrorBody: {
    error: { code: Schemas['ErrorCode']; message: string; reason?: Schemas['ErrorReason'] } & {
      [key: string]: string;
    };
  };
  PolicyRejected: {
    error: { code: 'policy_rejected'; step: Schemas['LoadStep'] | null; message: string | null };
  };
  BatchItemError: { error: { code: 'invalid_request'; message: string } };
  ForwardAuthDenial: {
    error: Schemas['Reason'] | Schemas['RequestRefusal'] | 'not_found';
    message: string;
  };
  RequestRefusal: 'invalid_request' | 'invalid_path' | 'unknown_route' | 'org_mismatch';
  Reason:
    | 'allowed'
    | 'unauthenticated'
    | 'fresh_session_required'
    | 'invalid_org'
    | 'feature_disabled'
    | 'org_suspended'
    | 'access_denied'
    | 'session_required'
    | 'missing_scope'
    | 'insufficient_role'
    | 'owner_required'
    | 'default_org_immutable'
    | 'owner_role_immutable'
    | 'owner_transfer_requires_member'
    | 'target_not_member'
    | 'invalid_role'
    | 'cross_org'
    | 'unknown_action'
    | 'directory_unavailable'
    | 'directory_revision_not_reached'
    | 'keys_unavailable'
    | 'policy_error';
  StringMap: {} & { [key: string]: string };
  ResourceRef: { type?: string | null; id?: string | null; org?: string | null } | null;
  AuthorizeRequest: {
    kind?: 'request';
    token?: string;
    headers?: {} & { [key: string]: string };
    org?: string;
    action: string;
    resource?: Schemas['ResourceRef'];
    context?: Schemas['StringMap'];
    min_directory_revision?: Schemas['MinDirectoryRevision'];
  } & (
    { token: string; headers?: never } | { headers: {} & { [key: string]: string }; token?: never }
  );
  MinDirectoryRevision: number;
  RecentDecision: {
    decision_id: string;
    time: string;
    kind: string;
    principal: { id: string; kind: string } | null;
    requested_org: { id: string; source: string };
    effective_org: string | null;
    action: string;
    resource: { type?: string | null; id?: string | null; org?: string | null } | null;
    allow: boolean;
    reason: Schemas['Reason'];
    detail: string | null;
    status: number;
    role?: string | null;
    spoof: boolean;
    spoof_source?: string | null;
    policy_revision: string | null;
    multi_tenant: boolean;
    latency_ms: number;
    error?: string;
    truncated?: string[];
    explain?: {
      check: string;
      passed: true | false | 'skipped';
      reason?: string;
      detail?: string | null;
      facts: {};
    }[];
  };
  Decision: {
    decision_id: string;
    allow: boolean;
    reason: Schemas['Reason'];
    detail: string | null;
    status: number;
    effective_org: string | null;
    principal: { id: string; kind: 'session' | 'api_token' } | null;
    role: string | null;
    spoof: boolean;
    policy_revision: string | null;
    multi_tenant: boolean;
    explain?: Schemas['Explanation'];
  };
  Explanation: {
    check:
      | 'authenticate'
      | 'action_known'
      | 'tenancy_gate'
      | 'org_valid'
      | 'directory'
      | 'org_exists'
      | 'org_status'
      | 'binding_membership'
      | 'scope'
      | 'role'
      | 'resource_shares'
      | 'action_specifics';
    passed: true | false | 'skipped';
    reason?: Schemas['Reason'];
    detail?: string | null;
    facts: {} & { [key: string]: (string | number | boolean | null) | string[] };
  }[];
  JobRequest: {
    job: {
      id: string;
      type: string;
      org: string;
      enqueued_by: string | { user: string };
      action: string;
      resource?: Schemas['ResourceRef'];
      context?: Schemas['StringMap'];
      min_directory_revision?: Schemas['MinDirectoryRevision'];
    };
  };
  EventFilterRequest: {
    channel: 'websocket' | 'sse' | 'push';
    event: { type: string; org?: string | null; user?: string | null };
    recipients: { id: string; user: string; org?: string | null }[];
    min_directory_revision?: Schemas['MinDirectoryRevision'];
  };
  EventFilterResult: { allowed: string[]; denied: { id: string; reason: Schemas['Reason'] }[] };
  Features:
    { multi_tenant: false } | { multi_tenant: true; orgs: { id: string; role: string | null }[] };
  AuthzenSubject: { type: string; id: string; properties?: {} };
  AuthzenAction: { name: string; properties?: {} };
  AuthzenResource: { type: string; id: string; properties?: {} };
  AuthzenContext: { min_directory_revision?: Schemas['MinDirectoryRevision'] };
  AuthzenEvaluationRequest: {
    subject: Schemas['AuthzenSubject'];
    action: Schemas['AuthzenAction'];
    resource: Schemas['AuthzenResource'];
    context?: Schemas['AuthzenContext'];
  };
  AuthzenEvaluationsRequest: {
    subject?: Schemas['AuthzenSubject'];
    action?: Schemas['AuthzenAction'];
    resource?: Schemas['AuthzenResource'];
    context?: Schemas['AuthzenContext'];
    evaluations?: {
      subject?: Schemas['AuthzenSubject'];
      action?: Schemas['AuthzenAction'];
      resource?: Schemas['AuthzenResource'];
      context?: Schemas['AuthzenContext'];
    }[];
    options?: {
      evaluations_semantic?: 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';
    };
  };
  AuthzenDecision: {
    decision: boolean;
    context: {
      reason: Schemas['Reason'];
      status: number;
      spoof: boolean;
      effective_org: string | null;
      decision_id: string;
      retryable: boolean;
    };
  };
  Readiness: {
    ready: boolean;
    checks: {} & { [key: string]: boolean };
    reasons?: {} & { [key: string]: string };
  };
  LoadStep: 'compile' | 'read' | 'signature' | 'load' | 'vocabulary' | 'routes' | 'smoke';
  ReloadOutcome: {
    ok: boolean;
    trigger: string;
    at: string;
    duration_ms: number;
    step: Schemas['LoadStep'] | null;
    error: string | null;
    revision: string | null;
    active_revision: string | null;
    changed: boolean;
    smoke: { cases: number; builtin: number } | null;
  };
  ShadowStatus: {
    revision: string;
    source: string;
    loaded_at: string;
    evaluated: number;
    agreed: number;
    disagreed: { allow: number; reason: number };
    errors: number;
    dropped: number;
    logs_suppressed?: number;
  };
  ShadowLoad: {
    ok: boolean;
    at: string;
    status?: Schemas['ShadowStatus'];
    source?: string;
    step?: Schemas['LoadStep'] | null;
    error?: string;
  };
  PolicyStatus: {
    revision: string;
    entrypoints: string[];
    loaded_at: string;
    last_reload?: {
      ok?: boolean;
      at?: string;
      trigger?: string;
      step?: string | null;
      error?: string | null;
      revision?: string | null;
      changed?: boolean;
    } | null;
    shadow?: {
      revision?: string;
      loaded_at?: string;
      evaluated?: number;
      agreed?: number;
      disagreed?: {};
      errors?: number;
      dropped?: number;
    } | null;
  };
  Rollout: {
    mode: 'off' | 'cohort' | 'on';
    orgs: string[];
    percent: number;
    stage: number | null;
    held: boolean;
    signed_off_by: string | null;
    reason: string | null;
    since: string | null;
  };
  RolloutRequest: {
    mode: 'off' | 'cohort' | 'on';
    orgs?: string[];
    percent?: number;
    stage?: number | null;
    held?: boolean;
    signed_off_by?: string | null;
    reason?: string | null;
    criteria?: 'met' | 'overridden';
    expected_rollout?: Schemas['Rollout'];
  };
  TenancyStatusFields: {
    multi_tenant: boolean;
    state: 'off' | 'cohort' | 'on';
    killed: boolean;
    rollout: Schemas['Rollout'];
    changed_by: string | null;
    store: 'memory' | 'redis';
    synced: boolean;
    version: number | null;
    flips: number;
    last_flip_at: string | null;
    changes: number;
    last_change_at: string | null;
  };
  TenancyStatus: Schemas['TenancyStatusFields'];
  TenancyChanged: Schemas['TenancyStatusFields'] & { changed: boolean };
  AuditRecord: {
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
  };
  StoredRole: string;
  OrgRecord: {
    id: string;
    status: 'active' | 'suspended' | 'pending_deletion';
    members: { user: string; role: Schemas['StoredRole'] }[];
    shares: Schemas['Share'][];
  };
  OrgRecordWrite: {
    id?: string;
    status?: 'active' | 'suspended' | 'pending_deletion';
    members?: unknown[];
    shares?: unknown[];
  };
  Share: {
    id: string;
    resource: { type: string; id: string };
    target_org: string;
    access_role: string;
    state: 'accepted' | 'pending';
  };
  SeedStatus: {
    state: 'ready' | 'unavailable' | 'held' | 'awaiting_confirmation' | 'seeding';
    reason: string | null;
  };
}
