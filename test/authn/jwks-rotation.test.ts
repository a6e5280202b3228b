/**
 * Key rotation at a real JWKS server on 127.0.0.1, with an injected clock: the exact moment a
 * token starts and stops verifying when the issuer adds a key, removes one, or re-keys under the
 * same `kid`. The bounds under test (docs/config.md):
 * - a new key verifies from the first refetch the budget allows: at most `jwks_cooldown_s` after
 *   the previous fetch;
 * - a removed (or replaced) key stops verifying at the first refetch after its removal, and a
 *   refetch is due `jwks_cache_max_age_s` after the previous one, cached verifications included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import type { Authenticator } from '../../src/authn/types.js';
import { createTestKeys, jwksOf, type TestKeys } from '../support/tokens.js';
import { expectFailure } from './expect.js';
import { NOW, authConfig, startServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startServer>>;

const COOLDOWN_S = 10;
const MAX_AGE_S = 60;
/** Tokens are minted at NOW and live for a day, so only the keys decide. */
const LIFETIME = { iat: NOW / 1000, exp: NOW / 1000 + 86_400 };

let server: Server;
let served: object;
let a: TestKeys;
let b: TestKeys;
let aRekeyed: TestKeys;
let bRekeyed: TestKeys;

beforeAll(async () => {
  [a, b, aRekeyed, bRekeyed] = await Promise.all([
    createTestKeys('ES256', { kid: 'a' }),
    createTestKeys('ES256', { kid: 'b' }),
    createTestKeys('ES256', { kid: 'a' }),
    createTestKeys('ES256', { kid: 'b' }),
  ]);
  server = await startServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(served));
  });
});
afterAll(() => server.close());

/** An authenticator on the key server, its clock at `clock.t` (ms since NOW). */
async function rotatingSetup(
  overrides = {},
): Promise<{ auth: Authenticator; clock: { t: number }; fetches: () => number }> {
  const clock = { t: 0 };
  const path = `/jwks-${Math.random().toString(36).slice(2)}`;
  const config = authConfig(
    { jwks_url: `${server.url}${path}` },
    {
      algorithms: ['ES256'],
      jwks_cooldown_s: COOLDOWN_S,
      jwks_cache_max_age_s: MAX_AGE_S,
      token_cache_ttl_s: 3600,
      ...overrides,
    },
  );
  const auth = await createAuthenticator(config, { env: {}, now: () => NOW + clock.t });
  return { auth, clock, fetches: () => server.requests.filter((url) => url === path).length };
}

const s = (seconds: number) => seconds * 1000;

async function ok(auth: Authenticator, token: string): Promise<boolean> {
  const result = await auth.authenticate(token);
  return result.ok;
}

describe('adding a key', () => {
  it('a token under a new kid verifies from the first fetch the cooldown allows, not before', async () => {
    const { auth, clock, fetches } = await rotatingSetup();
    served = jwksOf(a);
    const tokenA = await a.mint({ sub: 'alice', ...LIFETIME });
    const tokenB = await b.mint({ sub: 'bob', ...LIFETIME });
    expect(await ok(auth, tokenA)).toBe(true);
    expect(fetches()).toBe(1);

    served = jwksOf(a, b);
    clock.t = s(COOLDOWN_S) - 1;
    expectFailure(await auth.authenticate(tokenB), 'key_not_found', 'kid');
    expect(fetches()).toBe(1);
    clock.t = s(COOLDOWN_S);
    expect(await ok(auth, tokenB)).toBe(true);
    expect(fetches()).toBe(2);
    expect(await ok(auth, tokenA)).toBe(true);
  });
});

describe('removing a key', () => {
  it('stops verifying at the refresh due max age after the last fetch, cached verifications included', async () => {
    const { auth, clock, fetches } = await rotatingSetup();
    served = jwksOf(a, b);
    const cachedA = await a.mint({ sub: 'alice', ...LIFETIME });
    expect(await ok(auth, cachedA)).toBe(true);
    expect(fetches()).toBe(1);

    // Removed one second after the fetch: the held set still has it until its refresh is due.
    served = jwksOf(b);
    clock.t = s(1);
    const freshA = await a.mint({ sub: 'alice', jti: 'second', ...LIFETIME });
    clock.t = s(MAX_AGE_S) - 1;
    expect(await ok(auth, cachedA)).toBe(true);
    expect(await ok(auth, freshA)).toBe(true);
    expect(fetches()).toBe(1);

    clock.t = s(MAX_AGE_S);
    expectFailure(await auth.authenticate(cachedA), 'key_not_found', 'kid');
    expectFailure(await auth.authenticate(freshA), 'key_not_found', 'kid');
    expect(fetches()).toBe(2);
    expect(await ok(auth, await b.mint({ sub: 'bob', ...LIFETIME }))).toBe(true);
  });

  it('stops at once when an earlier refetch (an unknown kid) already brought the set without it', async () => {
    const { auth, clock, fetches } = await rotatingSetup();
    served = jwksOf(a);
    const tokenA = await a.mint({ sub: 'alice', ...LIFETIME });
    expect(await ok(auth, tokenA)).toBe(true);

    // The issuer swaps a for b: the first b token (after the cooldown) refetches, and a is gone.
    served = jwksOf(b);
    clock.t = s(COOLDOWN_S);
    expect(await ok(auth, await b.mint({ sub: 'bob', ...LIFETIME }))).toBe(true);
    expect(fetches()).toBe(2);
    expectFailure(await auth.authenticate(tokenA), 'key_not_found', 'kid');
    expect(fetches()).toBe(2);
  });

  it('the bound is jwks_cache_max_age_s whatever token_cache_ttl_s says', async () => {
    const { auth, clock } = await rotatingSetup({
      token_cache_ttl_s: 3600,
      jwks_cache_max_age_s: 20,
    });
    served = jwksOf(a);
    const tokenA = await a.mint({ sub: 'alice', ...LIFETIME });
    expect(await ok(auth, tokenA)).toBe(true);
    served = jwksOf(b);
    clock.t = s(20) - 1;
    expect(await ok(auth, tokenA)).toBe(true);
    clock.t = s(20);
    expectFailure(await auth.authenticate(tokenA), 'key_not_found', 'kid');
  });
});

describe('re-keying under the same kid', () => {
  it('the new key verifies from the first refetch the cooldown allows after a signature failure; the old key stops there', async () => {
    const { auth, clock, fetches } = await rotatingSetup();
    served = jwksOf(a, b);
    const oldB = await b.mint({ sub: 'bob', ...LIFETIME });
    expect(await ok(auth, oldB)).toBe(true);
    expect(fetches()).toBe(1);

    served = jwksOf(a, bRekeyed);
    const newB = await bRekeyed.mint({ sub: 'bob', jti: 'new', ...LIFETIME });
    clock.t = s(COOLDOWN_S) - 1;
    expectFailure(await auth.authenticate(newB), 'signature_invalid');
    expect(fetches()).toBe(1);
    expect(await ok(auth, oldB)).toBe(true);

    clock.t = s(COOLDOWN_S);
    expect(await ok(auth, newB)).toBe(true);
    expect(fetches()).toBe(2);
    expectFailure(await auth.authenticate(oldB), 'signature_invalid');
    // The old key's failure does not refetch again inside the cooldown.
    expect(fetches()).toBe(2);
  });

  it('a wrong signature under a known kid refetches at most once per cooldown, however many arrive', async () => {
    const { auth, clock, fetches } = await rotatingSetup();
    served = jwksOf(a);
    expect(await ok(auth, await a.mint({ sub: 'alice', ...LIFETIME }))).toBe(true);
    const forged = await aRekeyed.mint({ sub: 'admin', ...LIFETIME });
    for (let second = 0; second < 3 * COOLDOWN_S; second += 1) {
      clock.t = s(second);
      expectFailure(await auth.authenticate(forged), 'signature_invalid');
    }
    // Fetches at 0 (first use), 10 and 20: one per cooldown.
    expect(fetches()).toBe(3);
  });
});
