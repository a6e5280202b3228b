/** Happy paths: what a valid session or API token becomes, and the clock's edges. */
import { describe, expect, it } from 'vitest';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';
import { expectFailure, expectPrincipal } from './expect.js';
import { NOW, NOW_S, hs256Authenticator } from './helpers.js';

const mint = (claims: Record<string, unknown>, now = NOW) =>
  mintHs256(TEST_SECRET, claims, { now });

describe('sessions', () => {
  it('a session token → session principal, unbound', async () => {
    const auth = await hs256Authenticator();
    expectPrincipal(await auth.authenticate(await mint({ sub: 'alice' })), {
      id: 'alice',
      kind: 'session',
      scopes: [],
      bound_orgs: null,
      auth_time: null,
    });
  });

  it('kind: session and auth_time are carried', async () => {
    const auth = await hs256Authenticator();
    const token = await mint({ sub: 'alice', kind: 'session', auth_time: NOW_S - 120 });
    expectPrincipal(await auth.authenticate(token), {
      id: 'alice',
      kind: 'session',
      scopes: [],
      bound_orgs: null,
      auth_time: NOW_S - 120,
    });
  });

  it('scope and org claims on a session grant nothing', async () => {
    const auth = await hs256Authenticator();
    const token = await mint({ sub: 'alice', scope: '*', org_id: 'acme', org_ids: ['acme'] });
    const result = await auth.authenticate(token);
    expect(result.ok && result.principal).toMatchObject({ scopes: [], bound_orgs: null });
  });

  it('a sub of exactly 256 characters is accepted', async () => {
    const auth = await hs256Authenticator();
    const result = await auth.authenticate(await mint({ sub: 'u'.repeat(256) }));
    expect(result.ok).toBe(true);
  });
});

describe('API tokens', () => {
  const api = (extra: Record<string, unknown>) =>
    mint({ sub: 'tok_1', kind: 'api_token', ...extra });

  it('scopes are split on spaces, empties dropped', async () => {
    const auth = await hs256Authenticator();
    const result = await auth.authenticate(
      await api({ scope: ' settings:read  monitoring:write ai:chat ', org_id: 'acme' }),
    );
    expectPrincipal(result, {
      id: 'tok_1',
      kind: 'api_token',
      scopes: ['settings:read', 'monitoring:write', 'ai:chat'],
      bound_orgs: ['acme'],
      auth_time: null,
    });
  });

  it('org_ids binds to several orgs', async () => {
    const auth = await hs256Authenticator();
    const result = await auth.authenticate(
      await api({ scope: '*', org_ids: ['acme', 'beta.eu', 'g_1-x'] }),
    );
    expect(result.ok && result.principal.bound_orgs).toEqual(['acme', 'beta.eu', 'g_1-x']);
    expect(result.ok && result.principal.scopes).toEqual(['*']);
  });

  it('org_id together with an org_ids that contains it → org_ids', async () => {
    const auth = await hs256Authenticator();
    const result = await auth.authenticate(
      await api({ org_id: 'beta', org_ids: ['acme', 'beta'] }),
    );
    expect(result.ok && result.principal.bound_orgs).toEqual(['acme', 'beta']);
  });

  it('neither org claim → bound_orgs null (the policy reads it as the default org)', async () => {
    const auth = await hs256Authenticator();
    expectPrincipal(await auth.authenticate(await api({ scope: 'settings:read' })), {
      id: 'tok_1',
      kind: 'api_token',
      scopes: ['settings:read'],
      bound_orgs: null,
      auth_time: null,
    });
  });

  it('no scope claim → no scopes', async () => {
    const auth = await hs256Authenticator();
    const result = await auth.authenticate(await api({ org_id: 'acme' }));
    expect(result.ok && result.principal.scopes).toEqual([]);
  });

  it('a 64-character org id is accepted', async () => {
    const auth = await hs256Authenticator();
    const result = await auth.authenticate(await api({ org_id: 'o'.repeat(64) }));
    expect(result.ok && result.principal.bound_orgs).toEqual(['o'.repeat(64)]);
  });
});

describe('issuer and audience lists', () => {
  it('any configured issuer, and an aud array containing ours, are accepted', async () => {
    const auth = await hs256Authenticator({
      issuer: ['https://old.example.test', 'https://auth.example.test'],
      audience: ['orgwarden', 'orgwarden-staging'],
    });
    const old = await mint({
      sub: 'alice',
      iss: 'https://old.example.test',
      aud: ['other', 'orgwarden-staging'],
    });
    expect((await auth.authenticate(old)).ok).toBe(true);
  });
});

describe('the injected clock and its tolerance (30 s)', () => {
  it('one token, three clocks', async () => {
    const token = await mint({ sub: 'alice' }); // iat NOW, exp NOW + 1 h
    const at = (ms: number) => hs256Authenticator({}, { now: () => ms });
    expect((await (await at(NOW)).authenticate(token)).ok).toBe(true);
    expectFailure(await (await at(NOW + 2 * 3600_000)).authenticate(token), 'token_expired', 'exp');
    expectFailure(
      await (await at(NOW - 3600_000)).authenticate(token),
      'token_issued_in_future',
      'iat',
    );
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['exp 29 s ago', { exp: NOW_S - 29 }, true],
    ['exp 30 s ago', { exp: NOW_S - 30 }, false],
    ['nbf 30 s ahead', { nbf: NOW_S + 30 }, true],
    ['nbf 31 s ahead', { nbf: NOW_S + 31 }, false],
    ['iat 30 s ahead', { iat: NOW_S + 30 }, true],
    ['iat 31 s ahead', { iat: NOW_S + 31 }, false],
  ])('%s → ok: %s', async (_, claims, ok) => {
    const auth = await hs256Authenticator();
    expect((await auth.authenticate(await mint({ sub: 'alice', ...claims }))).ok).toBe(ok);
  });

  it('with zero tolerance exp must be strictly in the future', async () => {
    const auth = await hs256Authenticator({ clock_tolerance_s: 0 });
    expectFailure(
      await auth.authenticate(await mint({ sub: 'alice', exp: NOW_S })),
      'token_expired',
      'exp',
    );
    expect((await auth.authenticate(await mint({ sub: 'alice', exp: NOW_S + 1 }))).ok).toBe(true);
    expectFailure(
      await auth.authenticate(await mint({ sub: 'alice', iat: NOW_S + 1 })),
      'token_issued_in_future',
      'iat',
    );
  });

  it('max_token_age_s counts from iat, with the tolerance', async () => {
    const auth = await hs256Authenticator({ max_token_age_s: 600 });
    expect((await auth.authenticate(await mint({ sub: 'alice', iat: NOW_S - 630 }))).ok).toBe(true);
    expectFailure(
      await auth.authenticate(await mint({ sub: 'alice', iat: NOW_S - 631 })),
      'token_too_old',
      'iat',
    );
  });
});

describe('lifecycle', () => {
  it('after close() every token is refused', async () => {
    const auth = await hs256Authenticator();
    const token = await mint({ sub: 'alice' });
    expect((await auth.authenticate(token)).ok).toBe(true);
    await auth.close();
    await auth.close();
    expectFailure(await auth.authenticate(token), 'keys_unavailable');
  });

  it('instances share no state', async () => {
    const strict = await hs256Authenticator({ audience: 'someone-else' });
    const normal = await hs256Authenticator();
    const token = await mint({ sub: 'alice' });
    expectFailure(await strict.authenticate(token), 'claim_invalid', 'aud');
    expect((await normal.authenticate(token)).ok).toBe(true);
  });
});
