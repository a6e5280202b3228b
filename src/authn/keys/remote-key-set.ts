/**
 * The key set of one JWKS URL as this replica holds it, and the only code that fetches it.
 *
 * Invariants:
 * - At most one fetch is in flight; callers arriving meanwhile wait for that fetch and share its
 *   outcome. No fetch starts while the refetch gate is closed (refetch-gate.ts), whatever the
 *   token asks for: the fetch budget holds for unknown `kid`s, signature failures and expiry alike.
 * - A held set is fresh for `maxAgeMs` after it was fetched: a key removed from the JWKS verifies
 *   no token past the first refresh after its removal, and that refresh is due at most `maxAgeMs`
 *   after the previous fetch.
 * - A failed fetch never replaces a good set. A set past its max age keeps serving while
 *   refreshes fail, for at most `staleIfErrorMs` more; after that there is no usable set.
 * - "Cannot tell" is never "invalid": a token whose key cannot be looked up because the keys
 *   cannot be fetched fails with `KeysUnavailableError`, not as an unknown key.
 */
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { KeysUnavailableError } from '../failure.js';
import { JwksFetchError, fetchJwks, type JwksFetchLimits } from './jwks-fetch.js';
import type { Logger } from '../../contract/logger.js';
import type { KeySetView } from './key-source.js';
import {
  INITIAL_GATE,
  afterFailure,
  afterSuccess,
  isOpen,
  type GateState,
  type RefetchPolicy,
} from './refetch-gate.js';

export interface RemoteKeySetOptions {
  url: URL;
  limits: JwksFetchLimits;
  refetch: RefetchPolicy;
  maxAgeMs: number;
  staleIfErrorMs: number;
}

export interface RemoteKeySetDeps {
  fetch: typeof fetch;
  now: () => number;
  log: Logger;
}

export interface RemoteKeySet {
  getKey: JWTVerifyGetKey;
  view(): KeySetView;
  /** See `RotatingKeys.refetchAfterSignatureFailure`. */
  refetchAfterSignatureFailure(verifiedWith: number): Promise<boolean>;
}

interface HeldSet {
  lookup: JWTVerifyGetKey;
  fetchedAtMs: number;
  generation: number;
}

/** Generation reported while no set is held; never equal to a held set's. */
const NO_SET = -1;

export function createRemoteKeySet(
  options: RemoteKeySetOptions,
  deps: RemoteKeySetDeps,
): RemoteKeySet {
  const { url, maxAgeMs, staleIfErrorMs } = options;
  let held: HeldSet | null = null;
  let gate: GateState = INITIAL_GATE;
  let lastFetchFailed = false;
  let generations = 0;
  let inFlight: Promise<void> | null = null;

  const isFresh = (set: HeldSet, nowMs: number) => nowMs < set.fetchedAtMs + maxAgeMs;
  const usable = (nowMs: number): HeldSet | null =>
    held !== null && nowMs < held.fetchedAtMs + maxAgeMs + staleIfErrorMs ? held : null;

  /** Joins the fetch in flight, or starts one if the gate is open; resolves once it settled. */
  function refetch(): Promise<void> {
    if (inFlight) return inFlight;
    if (!isOpen(gate, deps.now())) return Promise.resolve();
    const current = fetchOnce().finally(() => {
      if (inFlight === current) inFlight = null;
    });
    inFlight = current;
    return current;
  }

  async function fetchOnce(): Promise<void> {
    try {
      const jwks = await fetchJwks(url, options.limits, deps.fetch);
      const lookup = createLocalJWKSet(jwks);
      const nowMs = deps.now();
      generations += 1;
      held = { lookup, fetchedAtMs: nowMs, generation: generations };
      gate = afterSuccess(options.refetch, nowMs);
      if (lastFetchFailed)
        deps.log.info('JWKS fetched again after failures', {
          url: url.href,
          keys: jwks.keys.length,
        });
      lastFetchFailed = false;
    } catch (error) {
      const nowMs = deps.now();
      gate = afterFailure(options.refetch, gate, nowMs);
      lastFetchFailed = true;
      const stale = usable(nowMs);
      deps.log.warn('JWKS fetch failed; keys are not replaced', {
        url: url.href,
        problem: error instanceof JwksFetchError ? error.problem : 'unparsable',
        error:
          error instanceof JwksFetchError
            ? error.message
            : `auth.jwks_url: ${url.href} is not a usable JWKS`,
        consecutive_failures: gate.failures,
        next_fetch_in_ms: gate.openAt - nowMs,
        serving:
          stale === null ? 'nothing' : isFresh(stale, nowMs) ? 'fresh key set' : 'stale key set',
      });
    }
  }

  const getKey: JWTVerifyGetKey = async (header, token) => {
    let set = usable(deps.now());
    let justFetched = false;
    if (set === null || !isFresh(set, deps.now())) {
      const before = set?.generation ?? NO_SET;
      await refetch();
      set = usable(deps.now());
      if (set === null) throw new KeysUnavailableError();
      justFetched = set.generation !== before;
    }
    try {
      return await set.lookup(header, token);
    } catch (error) {
      // A set fetched for this very token is the answer; so is any error but "no such key".
      if (justFetched || codeOf(error) !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      // An unknown kid may be a key the issuer just published: look again, within the budget.
      await refetch();
      const latest = usable(deps.now());
      if (latest !== null && latest.generation !== set.generation)
        return latest.lookup(header, token);
      // The last word from the issuer was a failure: the set we hold may be out of date.
      if (lastFetchFailed) throw new KeysUnavailableError({ cause: error });
      throw error;
    }
  };

  return {
    getKey,
    view() {
      const set = usable(deps.now());
      return set === null
        ? { generation: NO_SET, freshUntilMs: -Infinity }
        : { generation: set.generation, freshUntilMs: set.fetchedAtMs + maxAgeMs };
    },
    async refetchAfterSignatureFailure(verifiedWith) {
      await refetch();
      const set = usable(deps.now());
      return set !== null && set.generation !== verifiedWith;
    },
  };
}

function codeOf(error: unknown): string {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
