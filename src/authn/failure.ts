/**
 * How authentication failures are represented inside `authn/`. Failures are values, not
 * exceptions: every step returns either its result or an `AuthFailure`, and `authenticate()`
 * hands the first failure back to the caller unchanged.
 *
 * Invariant: `message` is a short sentence of our own. It may name a claim or header parameter
 * from a fixed list, never echo the token, a claim value or a library's message.
 */
import { OrgwardenError } from '../contract/errors.js';
import type { AuthErrorCode } from '../contract/principal.js';

export interface AuthFailure {
  ok: false;
  code: AuthErrorCode;
  message: string;
}

export function fail(code: AuthErrorCode, message: string): AuthFailure {
  return { ok: false, code, message };
}

/**
 * Thrown by a key source that cannot obtain its keys (JWKS endpoint down, slow, or serving
 * garbage). It carries a stable `code` so the jose error mapping can treat it like jose's own.
 */
export class KeysUnavailableError extends OrgwardenError {
  static readonly code = 'keys_unavailable';

  constructor(options?: { cause?: unknown }) {
    super(KeysUnavailableError.code, 'signing keys are unavailable', options);
  }
}
