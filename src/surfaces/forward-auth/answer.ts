/**
 * What forward-auth answers a gateway. A gateway forwards the original request only on 2xx and
 * hands any other answer to the client, so the status is what the client sees:
 *
 * | decision                                             | status | body error          |
 * | ---------------------------------------------------- | ------ | ------------------- |
 * | allowed                                              | 200    | (no body)           |
 * | unauthenticated, fresh_session_required              | 401    | the reason          |
 * | feature_disabled on an org route                     | 404    | not_found           |
 * | invalid_org when the org came from the path          | 404    | not_found           |
 * | directory_unavailable, keys_unavailable,             | 503    | the reason          |
 * | directory_revision_not_reached                       |        |                     |
 * | policy_error                                         | 500    | the reason          |
 * | any other deny (403 and 400 reasons of the contract) | 403    | the reason          |
 * | request refused before a decision (see below)        | 403    | its own code        |
 *
 * An org route (org from the path, or an org-management action) is invisible while multi-tenant
 * is off: 404 `not_found`, the same answer as an org that does not exist.
 */
import type { Decision } from '../../contract/decision.js';
import type { DenyReason } from '../../contract/reasons.js';
import type { RequestRefusal } from '../../contract/metric-labels.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: { error: string; message: string } | null;
  /** Set when the check was refused before any decision (no decision id, no decision log entry). */
  refusal?: RequestRefusal;
}

export const IDENTITY_HEADERS = {
  user: 'x-orgwarden-user',
  org: 'x-orgwarden-org',
  role: 'x-orgwarden-role',
  kind: 'x-orgwarden-principal-kind',
  decision: 'x-orgwarden-decision-id',
} as const;
/** On every non-2xx answer: the body's `error`, for gateways that drop the body (NGINX). */
const ERROR_HEADER = 'x-orgwarden-error';

const MESSAGES: Record<DenyReason | 'not_found', string> = {
  unauthenticated: 'a valid bearer token is required',
  fresh_session_required: 'sign in again to do this',
  invalid_org: 'no such org',
  feature_disabled: 'organizations are not enabled',
  org_suspended: 'this org is suspended',
  access_denied: 'you may not act in this org',
  session_required: 'API tokens cannot do this; sign in',
  missing_scope: 'the token lacks the scope this action needs',
  insufficient_role: 'your role in this org does not allow this',
  owner_required: 'only the owner of the org can do this',
  default_org_immutable: 'the default org cannot be changed',
  owner_role_immutable: 'the owner cannot be removed or demoted',
  owner_transfer_requires_member: 'ownership can only go to a member of the org',
  target_not_member: 'the user acted on is not a member of this org',
  invalid_role: 'the role given is not a role of this org',
  cross_org: 'the resource belongs to another org',
  unknown_action: 'this action is not in the policy catalogue',
  directory_unavailable: 'authorization is temporarily unavailable',
  directory_revision_not_reached: 'the directory has not caught up with that change yet; retry',
  keys_unavailable: 'authentication is temporarily unavailable',
  policy_error: 'authorization failed',
  not_found: 'not found',
};

export function allowAnswer(decision: Decision): Answer {
  return {
    status: 200,
    headers: {
      [IDENTITY_HEADERS.user]: encodeURIComponent(decision.principal?.id ?? ''),
      [IDENTITY_HEADERS.org]: decision.effective_org ?? '',
      // API tokens act by scope, not role: their role is empty.
      [IDENTITY_HEADERS.role]: decision.role ?? '',
      [IDENTITY_HEADERS.kind]: decision.principal?.kind ?? '',
      [IDENTITY_HEADERS.decision]: decision.decision_id,
    },
    body: null,
  };
}

export interface DenyContext {
  /** The route is invisible while multi-tenant is off (org from the path or org management). */
  orgRoute: boolean;
  orgFromPath: boolean;
  /** The check request carried a credential (for the 401 challenge). */
  hadToken: boolean;
}

export function denyAnswer(decision: Decision, ctx: DenyContext): Answer {
  const reason = decision.reason as DenyReason;
  const headers: Record<string, string> = { [IDENTITY_HEADERS.decision]: decision.decision_id };
  const invisible =
    (reason === 'feature_disabled' && ctx.orgRoute) ||
    (reason === 'invalid_org' && ctx.orgFromPath);
  if (invisible) return errorAnswer(404, 'not_found', MESSAGES.not_found, headers);
  switch (reason) {
    case 'unauthenticated':
      headers['www-authenticate'] = ctx.hadToken ? 'Bearer error="invalid_token"' : 'Bearer';
      return errorAnswer(401, reason, MESSAGES[reason], headers);
    case 'fresh_session_required':
      headers['www-authenticate'] = 'Bearer error="insufficient_user_authentication"';
      return errorAnswer(401, reason, MESSAGES[reason], headers);
    case 'directory_unavailable':
    case 'directory_revision_not_reached':
    case 'keys_unavailable':
      headers['retry-after'] = '1';
      return errorAnswer(503, reason, MESSAGES[reason], headers);
    case 'policy_error':
      return errorAnswer(500, reason, MESSAGES[reason], headers);
    default:
      return errorAnswer(
        403,
        reason,
        Object.hasOwn(MESSAGES, reason) ? MESSAGES[reason] : 'denied',
        headers,
      );
  }
}

export function refusalAnswer(code: RequestRefusal, message: string): Answer {
  return { ...errorAnswer(403, code, message, {}), refusal: code };
}

function errorAnswer(
  status: number,
  error: string,
  message: string,
  headers: Record<string, string>,
): Answer {
  return { status, headers: { ...headers, [ERROR_HEADER]: error }, body: { error, message } };
}
