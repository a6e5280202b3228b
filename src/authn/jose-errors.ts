/**
 * Maps what `jwtVerify` (or a key source) throws to our codes and messages. Matching is by the
 * error's `code` property only: jose's messages are not part of its API and never reach clients.
 */
import { KeysUnavailableError, fail, type AuthFailure } from './failure.js';

/** Claims jose may name in `error.claim`; anything else is reported without a name. */
const KNOWN_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'typ']);

interface JoseLikeError {
  code?: unknown;
  claim?: unknown;
  reason?: unknown;
}

export function mapVerifyError(error: unknown): AuthFailure {
  const { code, claim, reason } = (
    typeof error === 'object' && error !== null ? error : {}
  ) as JoseLikeError;
  const name = typeof claim === 'string' && KNOWN_CLAIMS.has(claim) ? claim : null;

  switch (code) {
    case 'ERR_JWT_EXPIRED':
      // jose uses this class for `exp` and for `iat` older than `maxTokenAge`.
      return name === 'iat'
        ? fail('token_too_old', "token is older than the maximum token age (claim 'iat')")
        : fail('token_expired', "token has expired (claim 'exp')");
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return mapClaimFailure(name, reason);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return fail('signature_invalid', 'signature is invalid');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return fail('algorithm_not_allowed', "header 'alg' is not allowed");
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return fail('key_not_found', "no key matches header 'kid' and 'alg'");
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case KeysUnavailableError.code:
      return fail('keys_unavailable', 'signing keys are unavailable');
    default:
      return fail('token_malformed', 'token could not be verified');
  }
}

function mapClaimFailure(name: string | null, reason: unknown): AuthFailure {
  const label = name === null ? 'a claim' : `claim '${name}'`;
  if (reason === 'missing') {
    return fail('claim_missing', `${label} is missing`);
  }
  if (reason === 'check_failed' && name === 'nbf') {
    return fail('token_not_yet_valid', "token is not valid yet (claim 'nbf')");
  }
  if (reason === 'check_failed' && name === 'iat') {
    return fail('token_issued_in_future', "token was issued in the future (claim 'iat')");
  }
  if (reason === 'invalid') {
    return fail('claim_invalid', `${label} has the wrong type`);
  }
  return fail('claim_invalid', `${label} does not match`);
}
