/**
 * The `auth` section: who issues tokens, for whom, with which algorithms, and the one source of
 * verification keys (a remote JWKS, a JWKS file, a PEM public key, or the dev HS256 secret).
 *
 * Invariants: exactly one key source; HS256 (shared secret) and public-key algorithms are never
 * configured together, so no token can be checked with a key of the wrong type.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  fetchUrl,
  integer,
  keyFile,
  secretEnv,
  stringOrList,
  type ConfigContext,
} from '../contract/config-fields.js';
import { MIN_SECRET_BYTES } from './keys/hs256-secret.js';
import { parseJwks } from './keys/jwks-file.js';

/** The key sources of `auth`: exactly one is set. */
export const KEY_SOURCE_KEYS = [
  'jwks_url',
  'jwks_file',
  'public_key_file',
  'hs256_secret_env',
] as const;

const ALGORITHMS = [
  'HS256',
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
] as const;

export function authConfigSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      issuer: stringOrList,
      audience: stringOrList,
      // typed string[] past the schema: authn re-checks the list itself (assert-config.ts)
      algorithms: z
        .array(z.enum(ALGORITHMS))
        .min(1)
        .transform((list): string[] => list),
      jwks_url: fetchUrl().optional(),
      jwks_file: keyFile(ctx, jwksProblem).optional(),
      public_key_file: keyFile(ctx, pemProblem).optional(),
      hs256_secret_env: secretEnv(ctx, MIN_SECRET_BYTES, 'bytes').optional(),
      clock_tolerance_s: integer(0, 300).default(30),
      /** Tokens longer than this are rejected before any parsing. */
      max_token_bytes: integer(256, 65536).default(8192),
      /** Reject tokens whose `iat` is older than this (0 = no limit). */
      max_token_age_s: integer(0).default(0),
      jwks_timeout_ms: integer(50, 30000).default(2000),
      /** Least time between two JWKS fetches after a successful one (unknown `kid`, signature failure). */
      jwks_cooldown_s: integer(5, 3600).default(30),
      /** A fetched key set is refreshed after this long: the bound on honouring a removed key. */
      jwks_cache_max_age_s: integer(5, 86400).default(60),
      /** How long past its max age a key set keeps serving while every refresh fails (0 = never). */
      jwks_stale_if_error_s: integer(0, 86400).default(900),
      /** Wait after a failed fetch, doubled per consecutive failure up to `jwks_failure_backoff_max_s`. */
      jwks_failure_backoff_s: integer(1, 3600).default(2),
      jwks_failure_backoff_max_s: integer(1, 3600).default(60),
      /** Caps on a fetched JWKS document: bytes of the body, keys in the set. */
      jwks_max_bytes: integer(1024, 16777216).default(262144),
      jwks_max_keys: integer(1, 10000).default(100),
      /** Verified-token cache size (0 = off) and the longest an entry is trusted. */
      token_cache_entries: integer(0, 1000000).default(10000),
      token_cache_ttl_s: integer(1, 3600).default(60),
    })
    .superRefine((auth, issues) => {
      const add = (path: string[], message: string) =>
        issues.addIssue({ code: 'custom', path, message });
      const sources = KEY_SOURCE_KEYS.filter((k) => auth[k] !== undefined);
      if (sources.length !== 1)
        add([], `set exactly one of ${KEY_SOURCE_KEYS.join(', ')} (found ${sources.length})`);
      if (auth.hs256_secret_env !== undefined && !auth.algorithms.every((a) => a === 'HS256'))
        add(
          ['algorithms'],
          'must be [HS256] with hs256_secret_env (never mix shared-secret and public-key algorithms)',
        );
      if (auth.hs256_secret_env === undefined && auth.algorithms.includes('HS256'))
        add(
          ['algorithms'],
          'HS256 needs hs256_secret_env; public-key sources take asymmetric algorithms only',
        );
      if (auth.jwks_cache_max_age_s < auth.jwks_cooldown_s)
        add(['jwks_cache_max_age_s'], `must be >= auth.jwks_cooldown_s (${auth.jwks_cooldown_s})`);
      if (auth.jwks_failure_backoff_max_s < auth.jwks_failure_backoff_s)
        add(
          ['jwks_failure_backoff_max_s'],
          `must be >= auth.jwks_failure_backoff_s (${auth.jwks_failure_backoff_s})`,
        );
      // The key file was read and parsed by its own check; here: can it verify every algorithm?
      if (ctx.env !== null && auth.public_key_file !== undefined) {
        const key = publicKeyOf(readFileSync(auth.public_key_file, 'utf8'));
        for (const alg of auth.algorithms)
          if (key && !canVerify(key, alg))
            add(
              ['public_key_file'],
              `the key in ${auth.public_key_file} cannot verify '${alg}' (auth.algorithms)`,
            );
      }
    });
}

export type AuthConfig = z.output<ReturnType<typeof authConfigSchema>>;

function jwksProblem(text: string, file: string): string | null {
  try {
    parseJwks(text, file);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A PEM public key (SPKI) or X.509 certificate; a private key is refused even next to a certificate. */
function pemProblem(pem: string, file: string): string | null {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem))
    return `${file} holds a private key; give the public key or certificate`;
  if (!pem.includes('-----BEGIN CERTIFICATE-----') && !pem.includes('-----BEGIN PUBLIC KEY-----'))
    return `${file} is not a PEM public key (SPKI) or X.509 certificate`;
  return publicKeyOf(pem)
    ? null
    : `${file} holds a PEM block that is not a valid public key or certificate`;
}

function publicKeyOf(pem: string): KeyObject | null {
  try {
    return pem.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(pem).publicKey
      : createPublicKey(pem);
  } catch {
    return null;
  }
}

const CURVE_OF: Record<string, string> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
};

/** Whether jose can import `key` for `alg` (the same rule, decided without importing). */
function canVerify(key: KeyObject, alg: string): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg.startsWith('ES'))
    return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVE_OF[alg];
  if (alg === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  return false;
}
