/**
 * Turns a scenario into what a client sends: the `POST /v1/authorize` document (token and `org`
 * field, or the `headers` a gateway saw), and the headers of a forward-auth check. Tokens are
 * minted once per principal and run.
 */
import type { TenancyNames } from './generate.js';
import { mintFixtureToken } from './fixture.js';
import { claimsOf } from './principals.js';
import type { PrincipalSpec, Scenario } from './types.js';

export interface TokenMinter {
  tokenFor(principal: PrincipalSpec | null): Promise<string | undefined>;
}

/** Mints fixture tokens at the issuer's clock `nowS`, one per distinct principal. */
export function createTokenMinter(secret: string, nowS: () => number): TokenMinter {
  const cache = new Map<string, Promise<string>>();
  return {
    tokenFor(principal) {
      if (principal === null) return Promise.resolve(undefined);
      const key = JSON.stringify(principal);
      let token = cache.get(key);
      if (!token) {
        const now = nowS();
        token = mintFixtureToken(secret, claimsOf(principal, now), now);
        cache.set(key, token);
      }
      return token;
    },
  };
}

/** The `POST /v1/authorize` document of a scenario. */
export function authorizeDocument(
  s: Scenario,
  token: string | undefined,
  tenancy: TenancyNames,
): Record<string, unknown> {
  const viaHeaders =
    token === undefined || s.named.header !== undefined || s.named.cookie !== undefined;
  const credential = viaHeaders ? { headers: gatewayHeaders(s, token, tenancy) } : { token };
  return {
    kind: 'request',
    ...credential,
    ...(s.named.field !== undefined ? { org: s.named.field } : {}),
    action: s.action,
    ...(s.resource ? { resource: s.resource } : {}),
    ...(s.context && Object.keys(s.context).length > 0 ? { context: s.context } : {}),
  };
}

/** The headers a gateway forwards: the bearer token, the org header and the org cookie. */
export function gatewayHeaders(
  s: Scenario,
  token: string | undefined,
  tenancy: TenancyNames,
): Record<string, string> {
  return {
    ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    ...(s.named.header !== undefined ? { [tenancy.org_header.toLowerCase()]: s.named.header } : {}),
    ...(s.named.cookie !== undefined ? { cookie: `${tenancy.org_cookie}=${s.named.cookie}` } : {}),
  };
}
