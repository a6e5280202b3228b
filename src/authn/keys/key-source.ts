import type { JWTVerifyGetKey } from 'jose';

/** Where verification keys come from. Exactly one is configured. */
import type { Logger } from '../../contract/logger.js';
export interface KeySource {
  /**
   * Resolves the key for a token whose header has passed the precheck (its `alg` is allowed and
   * it carries no key of its own). It sees no authenticated data yet.
   */
  getKey: JWTVerifyGetKey;
  /** Present on sources whose keys change while the process runs (`jwks_url`). */
  rotating?: RotatingKeys;
}

/** Which key set a source holds now; cached verifications are tied to it. */
export interface KeySetView {
  /** Changes whenever a new key set replaces the held one. */
  generation: number;
  /** After this time (ms) the held set is due for a refresh: no verification made with it is trusted past it. */
  freshUntilMs: number;
}

/** The view of a source whose keys never change while the process runs. */
export const STATIC_KEY_SET: KeySetView = Object.freeze({
  generation: 0,
  freshUntilMs: Number.POSITIVE_INFINITY,
});

interface RotatingKeys {
  view(): KeySetView;
  /**
   * After a signature failure under a key of generation `verifiedWith`: refetches if the refetch
   * budget allows (the issuer may have re-keyed under the same `kid`) and answers whether a
   * different key set is now held, i.e. whether verifying again can change the answer.
   */
  refetchAfterSignatureFailure(verifiedWith: number): Promise<boolean>;
}

/** What key sources may touch outside the process; injected, never global. */
export interface KeySourceDeps {
  env: Record<string, string | undefined>;
  fetch: typeof fetch | undefined;
  readFile: (path: string) => Promise<string>;
  /** Clock in ms since epoch: when a fetched key set is due, when the next fetch may start. */
  now: () => number;
  log: Logger;
}
