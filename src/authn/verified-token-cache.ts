/**
 * A bounded cache of tokens that passed every check, like Envoy's jwt_authn token cache: the
 * same session token arrives on every request, and verifying its signature is most of the cost
 * of authentication. Invariants:
 * - Only successes are cached; a failed token is verified again each time.
 * - An entry is never used past the token's `exp` (plus tolerance), past `iat + max_token_age_s`,
 *   or past `ttl_s` after it was verified (so a key removed from a JWKS stops being honoured
 *   within `ttl_s`).
 * - The key is the exact token string: any change to a byte is a different token.
 */
import type { Principal } from './types.js';

export interface VerifiedTokenCache {
  get(token: string, nowMs: number): Principal | undefined;
  put(token: string, principal: Principal, claims: { exp?: unknown; iat?: unknown }, nowMs: number): void;
}

export interface TokenCacheLimits {
  maxEntries: number;
  ttlS: number;
  clockToleranceS: number;
  maxTokenAgeS: number;
}

export function createVerifiedTokenCache(limits: TokenCacheLimits): VerifiedTokenCache {
  const entries = new Map<string, { principal: Principal; validUntilMs: number }>();
  return {
    get(token, nowMs) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (nowMs >= entry.validUntilMs) {
        entries.delete(token);
        return undefined;
      }
      return entry.principal;
    },
    put(token, principal, claims, nowMs) {
      if (limits.maxEntries <= 0 || typeof claims.exp !== 'number') return;
      let validUntilMs = Math.min((claims.exp + limits.clockToleranceS) * 1000, nowMs + limits.ttlS * 1000);
      if (limits.maxTokenAgeS > 0 && typeof claims.iat === 'number')
        validUntilMs = Math.min(validUntilMs, (claims.iat + limits.maxTokenAgeS) * 1000);
      if (validUntilMs <= nowMs) return;
      if (entries.size >= limits.maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(token, { principal: Object.freeze({ ...principal }), validUntilMs });
    },
  };
}
