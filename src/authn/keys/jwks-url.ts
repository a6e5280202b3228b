/**
 * Key source: a JSON Web Key Set fetched from `auth.jwks_url` (remote-key-set.ts keeps it). Keys
 * are fetched lazily on first use and refreshed once the set is `jwks_cache_max_age_s` old; an
 * unknown `kid` or a signature failure under a known one refetches within the refetch budget
 * (`jwks_cooldown_s` after a success, `jwks_failure_backoff_s` doubling to
 * `jwks_failure_backoff_max_s` after failures). Documents over `jwks_max_bytes` or with more
 * than `jwks_max_keys` keys are refused and the held set keeps serving.
 */
import { ASYMMETRIC_ALGORITHMS, assertAlgorithms } from './algorithms.js';
import type { KeySource, KeySourceDeps } from './key-source.js';
import { createRemoteKeySet } from './remote-key-set.js';

export interface JwksUrlOptions {
  url: string;
  algorithms: readonly string[];
  timeoutMs: number;
  cooldownS: number;
  cacheMaxAgeS: number;
  staleIfErrorS: number;
  failureBackoffS: number;
  failureBackoffMaxS: number;
  maxBytes: number;
  maxKeys: number;
}

export function jwksUrlKeySource(
  options: JwksUrlOptions,
  deps: Pick<KeySourceDeps, 'fetch' | 'now' | 'log'>,
): KeySource {
  assertAlgorithms(options.algorithms, ASYMMETRIC_ALGORITHMS, 'jwks_url');
  const url = parseJwksUrl(options.url);
  const keySet = createRemoteKeySet(
    {
      url,
      limits: {
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxBytes,
        maxKeys: options.maxKeys,
      },
      refetch: {
        cooldownMs: options.cooldownS * 1000,
        backoffMs: options.failureBackoffS * 1000,
        backoffMaxMs: options.failureBackoffMaxS * 1000,
      },
      maxAgeMs: options.cacheMaxAgeS * 1000,
      staleIfErrorMs: options.staleIfErrorS * 1000,
    },
    { fetch: deps.fetch ?? globalThis.fetch, now: deps.now, log: deps.log },
  );
  return {
    getKey: keySet.getKey,
    rotating: {
      view: () => keySet.view(),
      refetchAfterSignatureFailure: (verifiedWith) =>
        keySet.refetchAfterSignatureFailure(verifiedWith),
    },
  };
}

/** https only, except for a loopback host (a JWKS served next to us for tests or by a sidecar). */
function parseJwksUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`auth.jwks_url: '${value}' is not a URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error('auth.jwks_url: credentials in the URL are not allowed');
  }
  const secure =
    url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  if (!secure) {
    throw new Error(
      `auth.jwks_url: '${url.protocol}//${url.host}' must use https (http is allowed only for a loopback host)`,
    );
  }
  return url;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
