/** What authentication gives the rest of orgwarden: a `Principal` (contract/principal.ts) or a coded failure. */
import type { AuthErrorCode, Principal } from '../contract/principal.js';

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; code: AuthErrorCode; message: string };

export interface Authenticator {
  /** Never throws for bad tokens: every failure is `{ok:false}` with its own code. */
  authenticate(token: string | undefined): Promise<AuthResult>;
  close(): Promise<void>;
}
