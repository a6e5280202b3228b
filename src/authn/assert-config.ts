/**
 * Defensive checks on the `AuthConfig` handed to `createAuthenticator`. The config layer has
 * already validated it, so a failure here is programmer misuse and throws a TypeError.
 */
import { KEY_SOURCE_KEYS, type AuthConfig } from './config.js';

/** A runtime check for callers the compiler does not see (plain JavaScript). */
export function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

export function assertAuthConfig(config: AuthConfig): void {
  if (!isObject(config)) {
    throw new TypeError('auth config must be an object');
  }
  assertStringOrList(config.issuer, 'issuer');
  assertStringOrList(config.audience, 'audience');
  assertAlgorithmList(config.algorithms);
  assertOneKeySource(config);
  assertNumber(config.clock_tolerance_s, 'clock_tolerance_s', 0);
  assertNumber(config.max_token_bytes, 'max_token_bytes', 1);
  assertNumber(config.max_token_age_s, 'max_token_age_s', 0);
  if (config.jwks_url !== undefined) {
    assertNumber(config.jwks_timeout_ms, 'jwks_timeout_ms', 1);
    assertNumber(config.jwks_cooldown_s, 'jwks_cooldown_s', 0);
    assertNumber(config.jwks_cache_max_age_s, 'jwks_cache_max_age_s', 0);
    assertNumber(config.jwks_stale_if_error_s, 'jwks_stale_if_error_s', 0);
    assertNumber(config.jwks_failure_backoff_s, 'jwks_failure_backoff_s', 0);
    assertNumber(config.jwks_failure_backoff_max_s, 'jwks_failure_backoff_max_s', 0);
    assertNumber(config.jwks_max_bytes, 'jwks_max_bytes', 1);
    assertNumber(config.jwks_max_keys, 'jwks_max_keys', 1);
    if (!Number.isInteger(config.jwks_timeout_ms)) {
      throw new TypeError('auth.jwks_timeout_ms must be an integer');
    }
  }
}

function assertOneKeySource(config: AuthConfig): void {
  const set = KEY_SOURCE_KEYS.filter((key) => config[key] !== undefined);
  if (set.length !== 1) {
    throw new TypeError(
      `auth: exactly one of ${KEY_SOURCE_KEYS.join(', ')} must be set (found ${set.length})`,
    );
  }
  const key = set[0] as (typeof KEY_SOURCE_KEYS)[number];
  if (typeof config[key] !== 'string' || config[key] === '') {
    throw new TypeError(`auth.${key} must be a non-empty string`);
  }
}

function assertAlgorithmList(algorithms: unknown): void {
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every(isNonEmptyString)
  ) {
    throw new TypeError('auth.algorithms must be a non-empty array of strings');
  }
  if (algorithms.some((alg: string) => alg.toLowerCase() === 'none')) {
    throw new TypeError("auth.algorithms must not contain 'none'");
  }
}

function assertStringOrList(value: unknown, key: string): void {
  const ok =
    isNonEmptyString(value) ||
    (Array.isArray(value) && value.length > 0 && value.every(isNonEmptyString));
  if (!ok) throw new TypeError(`auth.${key} must be a non-empty string or array of strings`);
}

function assertNumber(value: unknown, key: string, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`auth.${key} must be a finite number >= ${min}`);
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
