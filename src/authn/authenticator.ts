/**
 * `createAuthenticator`: turns a bearer token into a `Principal` or a coded failure.
 *
 * Verification runs in this order, and the first failure is the answer:
 *   1. present               token_missing
 *   2. size                  token_too_large        (before any parsing)
 *   3. shape                 token_malformed        (three base64url segments, JSON header)
 *   4. header                algorithm_not_allowed, header_not_allowed
 *   5. signature + registered claims, by jose (alg allow-list, iss, aud, exp, nbf, max age;
 *      see verify.ts); key_not_found, signature_invalid, or keys_unavailable when the keys
 *      cannot be fetched (a retryable outage, not a verdict on the token)
 *   6. our claims            token_issued_in_future, claim_invalid, sub_malformed,
 *                            org_id_malformed, auth_time_in_future
 *
 * Invariants: `authenticate` never throws and never fetches a key a token points to; every
 * message is our own sentence (see failure.ts).
 */
import { readFile as readFileFromDisk } from 'node:fs/promises';
import type { AuthConfig } from './config.js';
import { assertAuthConfig, isObject } from './assert-config.js';
import { checkIssuedAt, toPrincipal, type ClaimContext, type Claims } from './claims.js';
import { fail } from './failure.js';
import { silentLogger, type Logger } from '../contract/logger.js';
import { STATIC_KEY_SET, createKeySource } from './keys/index.js';
import { precheck } from './precheck.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';
import type { AuthResult, Authenticator } from './types.js';
import { verifyOptions, verifyWithKeys } from './verify.js';

export interface AuthenticatorDeps {
  /** Where `hs256_secret_env` is looked up (normally `process.env`). */
  env: Record<string, string | undefined>;
  /** Clock in milliseconds since epoch, used for `exp`, `nbf` and `iat`. Default `Date.now`. */
  now?: () => number;
  /** fetch for `jwks_url`. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Reads `jwks_file` / `public_key_file` as UTF-8. Default: `fs.promises.readFile`. */
  readFile?: (path: string) => Promise<string>;
  /** Operational log of the key source (JWKS fetch failures and recoveries). Default: none. */
  log?: Logger;
  /**
   * The tenancy's default org (`tenancy.default_org`); a token binding naming one of its case
   * variants is refused. Default `default`, the config schema's default.
   */
  defaultOrg?: string;
}

/**
 * Builds an authenticator. Async because key material is loaded and checked here: a bad key
 * source fails the start, not the first request. Throws a TypeError for a config that should
 * not have passed validation, an Error naming the config key for key source setup failures.
 */
export async function createAuthenticator(
  input: AuthConfig,
  deps: AuthenticatorDeps,
): Promise<Authenticator> {
  assertAuthConfig(input);
  // Our own copy: nothing the caller does to its object later changes what we accept.
  const config: AuthConfig = structuredClone(input);
  if (!isObject(deps) || !isObject(deps.env)) {
    throw new TypeError('deps.env must be an object');
  }
  const now = deps.now ?? Date.now;
  const defaultOrg = deps.defaultOrg ?? 'default';
  const keys = await createKeySource(config, {
    env: deps.env,
    fetch: deps.fetch,
    readFile: deps.readFile ?? ((path) => readFileFromDisk(path, 'utf8')),
    now,
    log: deps.log ?? silentLogger,
  });
  const limits = { maxTokenBytes: config.max_token_bytes, algorithms: new Set(config.algorithms) };
  const cache = createVerifiedTokenCache({
    maxEntries: config.token_cache_entries,
    ttlS: config.token_cache_ttl_s,
    clockToleranceS: config.clock_tolerance_s,
    maxTokenAgeS: config.max_token_age_s,
  });
  let closed = false;

  return {
    async authenticate(token: unknown): Promise<AuthResult> {
      if (closed) return fail('keys_unavailable', 'authenticator is closed');
      try {
        const nowMs = now();
        // Taken before verifying: a cached verification is tied to the key set held at its start.
        const keySet = keys.rotating?.view() ?? STATIC_KEY_SET;
        // A cached token is the exact string that passed every step below with this same config,
        // and steps 1-4 depend on nothing else: looking it up first skips only repeated work.
        const cached = typeof token === 'string' ? cache.get(token, nowMs, keySet) : undefined;
        if (cached) return { ok: true, principal: cached };
        const checked = precheck(token, limits);
        if (!checked.ok) return checked;
        const verified = await verifyWithKeys(
          checked.token,
          keys,
          verifyOptions(config, nowMs),
          keySet.generation,
        );
        if (!verified.ok) return verified;
        const result = checkClaims(verified.claims, {
          nowSeconds: Math.floor(nowMs / 1000),
          toleranceSeconds: config.clock_tolerance_s,
          defaultOrg,
        });
        if (result.ok) cache.put(checked.token, result.principal, verified.claims, nowMs, keySet);
        return result;
      } catch {
        // Unreachable by design (every step returns its failure); fail closed if it happens.
        return fail('token_malformed', 'token could not be verified');
      }
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}

/** Step 6: what jose does not check for us, then the principal. */
function checkClaims(claims: Claims, context: ClaimContext): AuthResult {
  const issuedInFuture = checkIssuedAt(claims, context.nowSeconds, context.toleranceSeconds);
  if (issuedInFuture) return issuedInFuture;
  return toPrincipal(claims, context);
}
