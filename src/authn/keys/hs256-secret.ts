/**
 * Key source for development: an HS256 secret read from the env var named by
 * `auth.hs256_secret_env`. The secret never comes from the config file itself.
 */
import { HS256, assertAlgorithms } from './algorithms.js';
import type { KeySource } from './key-source.js';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_SECRET_BYTES = 32;

export function hs256SecretKeySource(
  envName: string,
  algorithms: readonly string[],
  env: Record<string, string | undefined>,
): KeySource {
  assertAlgorithms(algorithms, new Set([HS256]), 'hs256_secret_env');
  const value = env[envName];
  if (value === undefined || value === '') {
    throw new Error(`auth.hs256_secret_env: env var ${envName} is not set`);
  }
  const secret = new TextEncoder().encode(value);
  if (secret.byteLength < MIN_SECRET_BYTES) {
    throw new Error(
      `auth.hs256_secret_env: env var ${envName} must hold at least ${MIN_SECRET_BYTES} bytes`,
    );
  }
  return { getKey: () => Promise.resolve(secret) };
}
