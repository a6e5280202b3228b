/**
 * The `request` of a decision log entry: what a replay (`orgwarden diff`) needs to ask the
 * question again — who asked (the resolved principal, or why authentication failed; never a
 * credential), the org named and where, the action, the resource and the context.
 *
 * Bounded and redacted like the rest of the entry: every string goes through the entry's `text`
 * (cut to MAX_FIELD_CHARS, named in `truncated` when cut); lists and the context keep at most
 * MAX_LOGGED_ITEMS entries (the field is then named in `truncated`); a context value whose key
 * looks like a secret is logged as REDACTED.
 */
import type { RecordedRequest } from '../contract/decision.js';

/** The most scopes, bound orgs and context entries one logged request keeps. */
export const MAX_LOGGED_ITEMS = 16;
export const REDACTED = '[redacted]';
/** Context keys whose values are never logged: a caller may pass a credential where it should not. */
export const SECRET_KEY =
  /token|secret|password|passwd|credential|authorization|cookie|api[_-]?key/i;

export interface LoggedRequest {
  kind: string;
  principal: {
    id: string;
    kind: string;
    scopes: string[];
    bound_orgs: string[] | null;
    auth_time: number | null;
  } | null;
  authn_failure: string | null;
  named_org: { id: string; source: string } | null;
  action: string;
  resource: { type: string | null; id: string | null; org: string | null } | null;
  context: Record<string, string>;
}

/** Cuts a string as the entry does and names the field when it was cut. */
export type TextBound = <T extends string | null>(value: T, field: string) => T;

export function loggedRequest(
  request: RecordedRequest,
  text: TextBound,
  truncated: string[],
): LoggedRequest {
  const list = (values: readonly string[], field: string): string[] => {
    if (values.length > MAX_LOGGED_ITEMS) truncated.push(field);
    return values.slice(0, MAX_LOGGED_ITEMS).map((v) => text(v, field));
  };
  const { principal, resource } = request;
  return {
    kind: request.kind,
    principal: principal && {
      id: text(principal.id, 'request.principal.id'),
      kind: principal.kind,
      scopes: list(principal.scopes, 'request.principal.scopes'),
      bound_orgs:
        principal.bound_orgs && list(principal.bound_orgs, 'request.principal.bound_orgs'),
      auth_time: Number.isFinite(principal.auth_time) ? principal.auth_time : null,
    },
    authn_failure: request.authn_failure,
    named_org: request.named_org && {
      id: text(request.named_org.id, 'request.named_org.id'),
      source: request.named_org.source,
    },
    action: text(request.action, 'request.action'),
    resource: resource && {
      type: text(resource.type, 'request.resource.type'),
      id: text(resource.id, 'request.resource.id'),
      org: text(resource.org, 'request.resource.org'),
    },
    context: contextOf(request.context, text, truncated),
  };
}

function contextOf(
  given: Record<string, string>,
  text: TextBound,
  truncated: string[],
): Record<string, string> {
  const keys = Object.keys(given);
  // fromEntries defines own properties, so a key such as `__proto__` stays a key
  const context = Object.fromEntries(
    keys.slice(0, MAX_LOGGED_ITEMS).map((key) => {
      const name = text(key, 'request.context');
      return [name, SECRET_KEY.test(key) ? REDACTED : text(given[key] ?? '', 'request.context')];
    }),
  );
  if (keys.length > MAX_LOGGED_ITEMS) truncated.push('request.context');
  return context;
}
