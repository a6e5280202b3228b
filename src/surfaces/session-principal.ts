/**
 * The principal of a server-side identity: a user named by a trusted caller of orgwarden (the
 * realtime hub naming a connected session's user, a job runner naming the enqueuer). It is a
 * session without a token: no scopes, no token binding, and no `auth_time`, so nothing that needs a
 * fresh sign-in (an ownership transfer) is ever allowed through it. Only server-side surfaces build
 * it, from fields their trusted caller sends; it goes to the core as `trusted_principal`.
 */
import type { Principal } from '../contract/principal.js';

export function serverSessionPrincipal(user: string): Principal {
  return { id: user, kind: 'session', scopes: [], bound_orgs: null, auth_time: null };
}
