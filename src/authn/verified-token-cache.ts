/**
 * A bounded cache of tokens that passed every check, like Envoy's jwt_authn token cache: the
 * same session token arrives on every request, and verifying its signature is most of the cost
 * of authentication. Invariants:
 * - Only successes are cached; a failed token is verified again each time.
 * - An entry is never used past the token's `exp` (plus tolerance), past `iat + max_token_age_s`,
 *   or past `ttl_s` after it was verified.
 * - An entry is tied to the key set it was verified with: it is never used once another key set
 *   is held, nor past the time that set is due for a refresh. So a cached verification never
 *   outlives the key that made it (a key removed from a JWKS stops verifying at the refresh).
 * - The key is the exact token string: any change to a byte is a different token.
 */
import { STATIC_KEY_SET, type KeySetView } from './keys/key-source.js';
import type { Principal } from '../contract/principal.js';

export interface VerifiedTokenCache {
  /** `keySet`: the key set held now (default: keys that never change). */
  get(token: string, nowMs: number, keySet?: KeySetView): Principal | undefined;
  /** `keySet`: the key set held when the verification started (default: keys that never change). */
  put(
    token: string,
    principal: Principal,
    claims: { exp?: unknown; iat?: unknown },
    nowMs: number,
    keySet?: KeySetView,
  ): void;
}

export interface TokenCacheLimits {
  maxEntries: number;
  ttlS: number;
  clockToleranceS: number;
  maxTokenAgeS: number;
}

export function createVerifiedTokenCache(limits: TokenCacheLimits): VerifiedTokenCache {
  const entries = new Map<
    string,
    { principal: Principal; validUntilMs: number; generation: number }
  >();
  return {
    get(token, nowMs, keySet = STATIC_KEY_SET) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (nowMs >= entry.validUntilMs || entry.generation !== keySet.generation) {
        entries.delete(token);
        return undefined;
      }
      return entry.principal;
    },
    put(token, principal, claims, nowMs, keySet = STATIC_KEY_SET) {
      if (limits.maxEntries <= 0 || typeof claims.exp !== 'number') return;
      let validUntilMs = Math.min(
        (claims.exp + limits.clockToleranceS) * 1000,
        nowMs + limits.ttlS * 1000,
        keySet.freshUntilMs,
      );
      if (limits.maxTokenAgeS > 0 && typeof claims.iat === 'number')
        validUntilMs = Math.min(validUntilMs, (claims.iat + limits.maxTokenAgeS) * 1000);
      if (validUntilMs <= nowMs) return;
      if (entries.size >= limits.maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(token, {
        principal: Object.freeze({ ...principal }),
        validUntilMs,
        generation: keySet.generation,
      });
    },
  };
}
