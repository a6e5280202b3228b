import { describe, expect, it } from 'vitest';
import { createVerifiedTokenCache } from '../../src/authn/verified-token-cache.js';
import type { Principal } from '../../src/contract/principal.js';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';
import { NOW, NOW_S, TEST_ENV, authConfig } from './helpers.js';
import { createAuthenticator } from '../../src/authn/index.js';

const alice: Principal = {
  id: 'alice',
  kind: 'session',
  scopes: [],
  bound_orgs: null,
  auth_time: null,
};
const limits = { maxEntries: 2, ttlS: 60, clockToleranceS: 30, maxTokenAgeS: 0 };

describe('verified-token cache', () => {
  it('serves a verified token until the earliest of exp + tolerance and the ttl', () => {
    const cache = createVerifiedTokenCache(limits);
    cache.put('t', alice, { exp: NOW_S + 10 }, NOW);
    expect(cache.get('t', NOW + 39_999)).toEqual(alice);
    expect(cache.get('t', NOW + 40_000)).toBeUndefined();
    cache.put('u', alice, { exp: NOW_S + 3600 }, NOW);
    expect(cache.get('u', NOW + 59_999)).toEqual(alice);
    expect(cache.get('u', NOW + 60_000)).toBeUndefined();
  });

  it('never serves past iat + max_token_age_s', () => {
    const cache = createVerifiedTokenCache({ ...limits, maxTokenAgeS: 20 });
    cache.put('t', alice, { exp: NOW_S + 3600, iat: NOW_S - 5 }, NOW);
    expect(cache.get('t', NOW + 14_999)).toEqual(alice);
    expect(cache.get('t', NOW + 15_000)).toBeUndefined();
  });

  it('is bounded, evicting the oldest entry, and off at 0 entries', () => {
    const cache = createVerifiedTokenCache(limits);
    for (const t of ['a', 'b', 'c']) cache.put(t, alice, { exp: NOW_S + 3600 }, NOW);
    expect(cache.get('a', NOW)).toBeUndefined();
    expect(cache.get('c', NOW)).toEqual(alice);
    const off = createVerifiedTokenCache({ ...limits, maxEntries: 0 });
    off.put('a', alice, { exp: NOW_S + 3600 }, NOW);
    expect(off.get('a', NOW)).toBeUndefined();
  });

  it('does not cache a token without a numeric exp, and hands out frozen copies', () => {
    const cache = createVerifiedTokenCache(limits);
    cache.put('t', alice, { exp: '2030' }, NOW);
    expect(cache.get('t', NOW)).toBeUndefined();
    cache.put('u', alice, { exp: NOW_S + 60 }, NOW);
    expect(Object.isFrozen(cache.get('u', NOW))).toBe(true);
  });
});

describe('the authenticator with its cache', () => {
  it('still expires a token it verified earlier', async () => {
    let now = NOW;
    const authn = await createAuthenticator(authConfig(), { env: TEST_ENV, now: () => now });
    const token = await mintHs256(TEST_SECRET, { sub: 'alice', exp: NOW_S + 45 }, { now: NOW });
    expect((await authn.authenticate(token)).ok).toBe(true);
    now = NOW + 76_000; // past exp + 30 s tolerance
    expect(await authn.authenticate(token)).toMatchObject({ ok: false, code: 'token_expired' });
  });

  it('verifies a token with one changed byte from scratch', async () => {
    const authn = await createAuthenticator(authConfig(), { env: TEST_ENV, now: () => NOW });
    const token = await mintHs256(TEST_SECRET, { sub: 'alice' }, { now: NOW });
    expect((await authn.authenticate(token)).ok).toBe(true);
    const i = token.length - 5; // inside the signature, away from base64 padding bits
    const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    expect(await authn.authenticate(changed)).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
    expect((await authn.authenticate(token)).ok).toBe(true);
  });
});
