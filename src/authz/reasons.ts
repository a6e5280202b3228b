/**
 * The one vocabulary of reason codes (contract section 4) with the HTTP status a caller should
 * answer with. The policy's data carries the same table; a test keeps the two identical.
 */
export const REASON_STATUS = {
  allowed: 200,
  unauthenticated: 401,
  invalid_org: 400,
  feature_disabled: 501,
  org_suspended: 403,
  access_denied: 403,
  session_required: 403,
  missing_scope: 403,
  insufficient_role: 403,
  owner_required: 403,
  fresh_session_required: 401,
  default_org_immutable: 400,
  owner_role_immutable: 400,
  owner_transfer_requires_member: 400,
  target_not_member: 400,
  invalid_role: 400,
  cross_org: 403,
  unknown_action: 403,
  directory_unavailable: 503,
  keys_unavailable: 503,
  policy_error: 500,
} as const;

export type Reason = keyof typeof REASON_STATUS;
export type DenyReason = Exclude<Reason, 'allowed'>;

export const isReason = (value: unknown): value is Reason =>
  typeof value === 'string' && Object.hasOwn(REASON_STATUS, value);
