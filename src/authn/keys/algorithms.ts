/**
 * Which JWS algorithms each kind of key source can verify. A mismatch is a configuration error
 * found at start, so no token can ever be checked with a key of the wrong type (the classic
 * RS256 → HS256 confusion needs an HMAC algorithm next to a public key; we never allow that).
 */

/** Algorithms verified with a public key (JWKS or PEM). */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** The only algorithm the dev shared secret may verify. */
export const HS256 = 'HS256';

/**
 * Throws an Error naming `auth.algorithms` and the key source when an algorithm cannot be used
 * with it.
 */
export function assertAlgorithms(
  algorithms: readonly string[],
  allowed: ReadonlySet<string>,
  sourceKey: string,
): void {
  for (const alg of algorithms) {
    if (!allowed.has(alg)) {
      throw new Error(`auth.algorithms: '${alg}' cannot be used with auth.${sourceKey}`);
    }
  }
}
