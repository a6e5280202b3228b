import type { JWTVerifyGetKey } from 'jose';

/** Where verification keys come from. Exactly one is configured. */
export interface KeySource {
  /**
   * Resolves the key for a token whose header has passed the precheck (its `alg` is allowed and
   * it carries no key of its own). It sees no authenticated data yet.
   */
  getKey: JWTVerifyGetKey;
}

/** What key sources may touch outside the process; injected, never global. */
export interface KeySourceDeps {
  env: Record<string, string | undefined>;
  fetch: typeof fetch | undefined;
  readFile: (path: string) => Promise<string>;
}
