/**
 * Chooses the one configured key source. Setup failures (missing env var, unreadable file, bad
 * PEM or JWKS, an algorithm the source cannot serve) throw an Error naming the config key.
 */
import { KEY_SOURCE_KEYS, type AuthConfig } from '../config.js';
import { hs256SecretKeySource } from './hs256-secret.js';
import { jwksFileKeySource } from './jwks-file.js';
import { jwksUrlKeySource } from './jwks-url.js';
import type { KeySource, KeySourceDeps } from './key-source.js';
import { publicKeyFileKeySource } from './public-key-file.js';

export { STATIC_KEY_SET } from './key-source.js';
export type { KeySource, KeySourceDeps } from './key-source.js';

export async function createKeySource(config: AuthConfig, deps: KeySourceDeps): Promise<KeySource> {
  const { algorithms } = config;
  if (config.hs256_secret_env !== undefined) {
    return hs256SecretKeySource(config.hs256_secret_env, algorithms, deps.env);
  }
  if (config.jwks_file !== undefined) {
    return jwksFileKeySource(config.jwks_file, algorithms, deps.readFile);
  }
  if (config.public_key_file !== undefined) {
    return publicKeyFileKeySource(config.public_key_file, algorithms, deps.readFile);
  }
  if (config.jwks_url !== undefined) {
    return jwksUrlKeySource(
      {
        url: config.jwks_url,
        algorithms,
        timeoutMs: config.jwks_timeout_ms,
        cooldownS: config.jwks_cooldown_s,
        cacheMaxAgeS: config.jwks_cache_max_age_s,
        staleIfErrorS: config.jwks_stale_if_error_s,
        failureBackoffS: config.jwks_failure_backoff_s,
        failureBackoffMaxS: config.jwks_failure_backoff_max_s,
        maxBytes: config.jwks_max_bytes,
        maxKeys: config.jwks_max_keys,
      },
      deps,
    );
  }
  throw new TypeError(`auth: exactly one of ${KEY_SOURCE_KEYS.join(', ')} must be set`);
}
