/**
 * Step 5: signature and registered claims, by jose's `jwtVerify`.
 *
 * jose v6 no longer tries each key when several in a JWKS match a token (same `kid`, or no `kid`
 * and one key type, as during a rotation by an issuer that sets no `kid`); it throws
 * ERR_JWKS_MULTIPLE_MATCHING_KEYS with the candidates attached as an async iterator. We try them
 * in order, as earlier jose versions did: the first that verifies wins.
 */
import { jwtVerify, type CryptoKey, type JWTVerifyOptions } from 'jose';
import type { AuthConfig } from './config.js';
import type { Claims } from './claims.js';
import type { AuthFailure } from './failure.js';
import { mapVerifyError } from './jose-errors.js';
import type { KeySource } from './keys/index.js';

export type Verified = { ok: true; claims: Claims } | AuthFailure;

export function verifyOptions(config: AuthConfig, nowMs: number): JWTVerifyOptions {
  return {
    algorithms: config.algorithms,
    issuer: config.issuer,
    audience: config.audience,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: config.clock_tolerance_s,
    currentDate: new Date(nowMs),
    ...(config.max_token_age_s > 0 ? { maxTokenAge: config.max_token_age_s } : {}),
  };
}

/**
 * Verifies against the held keys; on a signature failure with keys that rotate, verifies once
 * more if a refetch (within the refetch budget) brought a different key set: an issuer may
 * re-key under the same `kid`. `heldGeneration` is the generation held before this token's
 * verification started.
 */
export async function verifyWithKeys(
  token: string,
  keys: KeySource,
  options: JWTVerifyOptions,
  heldGeneration: number,
): Promise<Verified> {
  const first = await verifySignature(token, keys, options);
  if (first.ok || first.code !== 'signature_invalid' || keys.rotating === undefined) return first;
  const changed = await keys.rotating.refetchAfterSignatureFailure(heldGeneration);
  return changed ? verifySignature(token, keys, options) : first;
}

/**
 * The claims set is wrapped rather than returned bare, so no claim the token's author chose can
 * be mistaken for a field of our result.
 */
async function verifySignature(
  token: string,
  keys: KeySource,
  options: JWTVerifyOptions,
): Promise<Verified> {
  try {
    const { payload } = await jwtVerify(token, keys.getKey, options);
    return { ok: true, claims: payload };
  } catch (error) {
    const candidates = multipleMatchingKeys(error);
    return candidates ? verifyWithEach(token, candidates, options) : mapVerifyError(error);
  }
}

async function verifyWithEach(
  token: string,
  candidates: AsyncIterable<CryptoKey>,
  options: JWTVerifyOptions,
): Promise<Verified> {
  let last: unknown;
  for await (const key of candidates) {
    try {
      const { payload } = await jwtVerify(token, key, options);
      return { ok: true, claims: payload };
    } catch (error) {
      last = error;
      // Only a wrong key is worth another try; anything else (expired, wrong aud) is the answer.
      if ((error as { code?: unknown }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') break;
    }
  }
  return mapVerifyError(last);
}

function multipleMatchingKeys(error: unknown): AsyncIterable<CryptoKey> | null {
  if (typeof error !== 'object' || error === null) return null;
  if ((error as { code?: unknown }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') return null;
  return Symbol.asyncIterator in error ? (error as AsyncIterable<CryptoKey>) : null;
}
