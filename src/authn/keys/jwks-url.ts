/**
 * Key source: a JSON Web Key Set fetched from `auth.jwks_url` by jose's remote JWKS, with the
 * timeout, cooldown and cache age from config. Keys are fetched lazily on first use, refetched
 * when the cache is older than `jwks_cache_max_age_s`, and on an unknown `kid` at most once per
 * `jwks_cooldown_s`.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { KeysUnavailableError } from '../failure.js';
import { ASYMMETRIC_ALGORITHMS, assertAlgorithms } from './algorithms.js';
import type { KeySource, KeySourceDeps } from './key-source.js';

export interface JwksUrlOptions {
  url: string;
  algorithms: readonly string[];
  timeoutMs: number;
  cooldownS: number;
  cacheMaxAgeS: number;
}

/**
 * Errors that mean "this token names no key we have", as opposed to "we could not get keys".
 * Everything else the resolver throws (timeouts, refused connections, non-200 answers, bodies
 * that are not a JWKS) becomes `KeysUnavailableError`.
 */
const TOKEN_KEY_ERRORS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

export function jwksUrlKeySource(options: JwksUrlOptions, fetchImpl: KeySourceDeps['fetch']): KeySource {
  assertAlgorithms(options.algorithms, ASYMMETRIC_ALGORITHMS, 'jwks_url');
  const url = parseJwksUrl(options.url);
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownS * 1000,
    cacheMaxAge: options.cacheMaxAgeS * 1000,
    ...(fetchImpl ? { [customFetch]: fetchImpl } : {}),
  });
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (TOKEN_KEY_ERRORS.has(codeOf(error))) throw error;
      throw new KeysUnavailableError({ cause: error });
    }
  };
  return { getKey };
}

/** https only, except for a loopback host (a JWKS served next to us for tests or by a sidecar). */
export function parseJwksUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`auth.jwks_url: '${value}' is not a URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error('auth.jwks_url: credentials in the URL are not allowed');
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  if (!secure) {
    throw new Error(`auth.jwks_url: '${url.protocol}//${url.host}' must use https (http is allowed only for a loopback host)`);
  }
  return url;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function codeOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
