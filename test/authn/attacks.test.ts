/**
 * The JWT attack catalogue: each hostile or broken token, and the exact code it must get.
 * Real keys, real jose, a fixed injected clock (NOW) with the default 30 s tolerance.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import type { Authenticator } from '../../src/authn/types.js';
import {
  TEST_SECRET,
  createTestKeys,
  mintHs256,
  testClaims,
  type TestKeys,
} from '../support/tokens.js';
import { expectFailure } from './expect.js';
import {
  NOW,
  NOW_S,
  authConfig,
  b64url,
  hs256Authenticator,
  rawToken,
  recordingFetch,
  signHs256Raw,
  tempDir,
} from './helpers.js';

const claims = (extra: Record<string, unknown> = {}) => testClaims({ sub: 'alice', ...extra }, NOW);
const mint = (extra: Record<string, unknown> = {}) =>
  mintHs256(TEST_SECRET, { sub: 'alice', ...extra }, { now: NOW });
/** A compact JWS's header, payload and signature; throws when it does not have exactly three parts. */
function partsOf(token: string): [string, string, string] {
  const [header, payload, signature, ...rest] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0)
    throw new Error(`not a compact JWS: ${token}`);
  return [header, payload, signature];
}

let auth: Authenticator;
beforeAll(async () => {
  auth = await hs256Authenticator();
});

describe('input that is not a token', () => {
  it.each([undefined, null, ''])('%j → token_missing', async (input) => {
    expectFailure(await auth.authenticate(input as never), 'token_missing');
  });

  it.each([42, true, {}, [], ['a.b.c'], { token: 'a.b.c' }, Symbol('jwt'), () => 'a.b.c', 10n])(
    'non-string %s → token_malformed, no throw',
    async (input) => {
      expectFailure(await auth.authenticate(input as never), 'token_malformed');
    },
  );

  it.each([
    'not a token',
    'a.b',
    'a.b.c.d',
    '....',
    ' ',
    'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    '%%%.%%%.%%%',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln ',
    'eyJhbGciOiJIUzI1NiJ9=.eyJzdWIiOiJ4In0.c2ln',
    'a.bcdef.ghijk',
  ])('garbage %j → token_malformed', async (input) => {
    expectFailure(await auth.authenticate(input), 'token_malformed', undefined, input);
  });

  it.each([
    ['all empty', '..'],
    ['empty header', `.${b64url(claims())}.c2ln`],
    ['empty payload', `${b64url({ alg: 'HS256' })}..c2ln`],
  ])('empty segments (%s) → token_malformed', async (_, token) => {
    expectFailure(await auth.authenticate(token), 'token_malformed');
  });

  it.each([
    ['not JSON', b64url('not json')],
    ['JSON array', b64url([{ alg: 'HS256' }])],
    ['JSON null', b64url('null')],
    ['JSON string', b64url('"HS256"')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url')],
  ])('header that is %s → token_malformed', async (_, header) => {
    const token = `${header}.${b64url(claims())}.c2ln`;
    expectFailure(await auth.authenticate(token), 'token_malformed');
  });

  it('a header without alg → token_malformed', async () => {
    expectFailure(
      await auth.authenticate(signHs256Raw({ typ: 'JWT' }, claims())),
      'token_malformed',
      'alg',
    );
  });

  it('a header with a lone surrogate (kid "\\ud800", spelled as a JSON escape) → token_malformed', async () => {
    const header = Buffer.from('{"alg":"HS256","kid":"\\ud800"}', 'utf8').toString('base64url');
    const token = `${header}.${b64url(claims())}.c2ln`;
    const result = await auth.authenticate(token);
    expectFailure(result, 'token_malformed');
    expect(result).toMatchObject({ message: 'token header is not well-formed Unicode' });
  });

  it('a kid that is not a string → token_malformed', async () => {
    expectFailure(
      await auth.authenticate(signHs256Raw({ alg: 'HS256', kid: 7 }, claims())),
      'token_malformed',
      'kid',
    );
  });
});

describe('size', () => {
  it('an oversize token is rejected before parsing (even garbage gets token_too_large)', async () => {
    expectFailure(await auth.authenticate('x'.repeat(4097)), 'token_too_large');
    expectFailure(await auth.authenticate('.'.repeat(5000)), 'token_too_large');
  });

  it('a validly signed token over the limit → token_too_large', async () => {
    const token = await mint({ padding: 'p'.repeat(4096) });
    expectFailure(await auth.authenticate(token), 'token_too_large');
  });

  it('the limit counts UTF-8 bytes, not characters', async () => {
    const input = 'é'.repeat(2049); // 2049 characters, 4098 bytes
    expectFailure(await auth.authenticate(input), 'token_too_large');
  });

  it('a token exactly at the limit is parsed', async () => {
    const token = await mint();
    const exact = await hs256Authenticator({ max_token_bytes: token.length });
    expect((await exact.authenticate(token)).ok).toBe(true);
    const under = await hs256Authenticator({ max_token_bytes: token.length - 1 });
    expectFailure(await under.authenticate(token), 'token_too_large');
  });
});

describe('algorithm attacks', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])(
    'unsigned token with alg %j → algorithm_not_allowed',
    async (alg) => {
      const token = rawToken({ alg, typ: 'JWT' }, claims());
      expect(token.endsWith('.')).toBe(true);
      expectFailure(await auth.authenticate(token), 'algorithm_not_allowed', 'alg');
    },
  );

  it('alg none with a forged signature segment → algorithm_not_allowed', async () => {
    expectFailure(
      await auth.authenticate(rawToken({ alg: 'none' }, claims(), 'c2ln')),
      'algorithm_not_allowed',
      'alg',
    );
  });

  it('an algorithm outside the allow-list → algorithm_not_allowed', async () => {
    const keys = await createTestKeys('ES256');
    expectFailure(
      await auth.authenticate(await keys.mint({ sub: 'alice' }, { now: NOW })),
      'algorithm_not_allowed',
      'alg',
    );
    expectFailure(
      await auth.authenticate(signHs256Raw({ alg: 'HS512' }, claims())),
      'algorithm_not_allowed',
      'alg',
    );
  });

  it('an empty signature with an allowed alg → signature_invalid', async () => {
    expectFailure(
      await auth.authenticate(rawToken({ alg: 'HS256' }, claims())),
      'signature_invalid',
    );
  });

  describe('RS256 → HS256 confusion (public key PEM used as the HMAC secret)', () => {
    let rsa: TestKeys;
    let files: ReturnType<typeof tempDir>;
    let pemPath: string;
    beforeAll(async () => {
      rsa = await createTestKeys('RS256');
      files = tempDir();
      pemPath = files.write('rsa.pem', rsa.spkiPem);
    });
    afterAll(() => files.cleanup());

    it('is refused by the allow-list: algorithm_not_allowed', async () => {
      const rs256 = await createAuthenticator(
        authConfig({ public_key_file: pemPath }, { algorithms: ['RS256'] }),
        {
          env: {},
          now: () => NOW,
        },
      );
      const forged = await mintHs256(rsa.spkiPem, { sub: 'admin' }, { now: NOW });
      expectFailure(await rs256.authenticate(forged), 'algorithm_not_allowed', 'alg');
      // The real key still works.
      expect((await rs256.authenticate(await rsa.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
        true,
      );
    });

    it('an HMAC signature under an RS256 header → signature_invalid', async () => {
      const rs256 = await createAuthenticator(
        authConfig({ public_key_file: pemPath }, { algorithms: ['RS256'] }),
        {
          env: {},
          now: () => NOW,
        },
      );
      const forged = signHs256Raw({ alg: 'RS256' }, claims({ sub: 'admin' }), rsa.spkiPem);
      expectFailure(await rs256.authenticate(forged), 'signature_invalid');
    });

    it('a config allowing HS256 next to a public key does not start', async () => {
      await expect(
        createAuthenticator(
          authConfig({ public_key_file: pemPath }, { algorithms: ['RS256', 'HS256'] }),
          { env: {} },
        ),
      ).rejects.toThrow(/auth\.algorithms: 'HS256' cannot be used with auth\.public_key_file/);
    });
  });
});

describe('key selection attacks', () => {
  let files: ReturnType<typeof tempDir>;
  let trusted: TestKeys;
  let jwksAuth: Authenticator;
  beforeAll(async () => {
    files = tempDir();
    trusted = await createTestKeys('ES256', { kid: 'trusted' });
    const path = files.write('jwks.json', JSON.stringify(trusted.jwks));
    jwksAuth = await createAuthenticator(
      authConfig({ jwks_file: path }, { algorithms: ['ES256'] }),
      { env: {}, now: () => NOW },
    );
  });
  afterAll(() => files.cleanup());

  it('unknown kid against a JWKS → key_not_found', async () => {
    const token = await trusted.mint(
      { sub: 'alice' },
      { now: NOW, header: { kid: 'no-such-key' } },
    );
    expectFailure(await jwksAuth.authenticate(token), 'key_not_found', 'kid');
  });

  it("an attacker's key under the trusted kid → signature_invalid", async () => {
    const attacker = await createTestKeys('ES256', { kid: 'trusted' });
    expectFailure(
      await jwksAuth.authenticate(await attacker.mint({ sub: 'admin' }, { now: NOW })),
      'signature_invalid',
    );
  });

  describe('headers that carry or point to a key are refused and never fetched', () => {
    const remoteConfig = authConfig(
      { jwks_url: 'https://keys.example.test/.well-known/jwks.json' },
      { algorithms: ['ES256'] },
    );
    let attacker: TestKeys;
    beforeAll(async () => {
      attacker = await createTestKeys('ES256');
    });
    afterEach(() => vi.restoreAllMocks());

    const cases = (): [string, Record<string, unknown>][] => [
      ['jku', { jku: 'https://evil.example/jwks.json' }],
      ['x5u', { x5u: 'https://evil.example/cert.pem' }],
      ['jwk', { jwk: attacker.publicJwk }],
      ['x5c', { x5c: ['MIIBszCCAVmgAwIBAgIUQ=='] }],
    ];

    it.each(['jku', 'x5u', 'jwk', 'x5c'])('%s → header_not_allowed, no fetch', async (name) => {
      const header = Object.fromEntries(cases())[name] as Record<string, unknown>;
      const recorder = recordingFetch();
      const globalFetch = vi.spyOn(globalThis, 'fetch');
      const remote = await createAuthenticator(remoteConfig, {
        env: {},
        now: () => NOW,
        fetch: recorder.fetch,
      });
      const token = await attacker.mint({ sub: 'admin' }, { now: NOW, header });
      expectFailure(await remote.authenticate(token), 'header_not_allowed', name);
      expect(recorder.calls).toEqual([]);
      expect(globalFetch).not.toHaveBeenCalled();
    });

    it('(control: the recorder does see the fetch for an ordinary token)', async () => {
      const recorder = recordingFetch();
      const remote = await createAuthenticator(remoteConfig, {
        env: {},
        now: () => NOW,
        fetch: recorder.fetch,
      });
      expectFailure(
        await remote.authenticate(await attacker.mint({ sub: 'alice' }, { now: NOW })),
        'keys_unavailable',
      );
      expect(recorder.calls).toEqual(['https://keys.example.test/.well-known/jwks.json']);
    });

    it('an embedded jwk is refused even on a source that never fetches', async () => {
      const token = await attacker.mint(
        { sub: 'admin' },
        { now: NOW, header: { jwk: attacker.publicJwk } },
      );
      expectFailure(await jwksAuth.authenticate(token), 'header_not_allowed', 'jwk');
    });
  });
});

describe('critical header extensions', () => {
  it('unknown crit → header_not_allowed', async () => {
    const token = signHs256Raw(
      { alg: 'HS256', crit: ['urn:example:ext'], 'urn:example:ext': true },
      claims(),
    );
    expectFailure(await auth.authenticate(token), 'header_not_allowed', 'crit');
  });

  it('crit even naming b64 → header_not_allowed (JWTs have no unencoded payloads)', async () => {
    const token = signHs256Raw({ alg: 'HS256', crit: ['b64'], b64: true }, claims());
    expectFailure(await auth.authenticate(token), 'header_not_allowed', 'crit');
  });
});

describe('integrity', () => {
  it('a valid token with a tampered payload → signature_invalid', async () => {
    const [header, , signature] = partsOf(await mint());
    const tampered = `${header}.${b64url(claims({ sub: 'admin' }))}.${signature}`;
    expectFailure(await auth.authenticate(tampered), 'signature_invalid', undefined, tampered);
  });

  it('a valid token with a tampered header → signature_invalid', async () => {
    const [, payload, signature] = partsOf(await mint());
    const tampered = `${b64url({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${payload}.${signature}`;
    expectFailure(await auth.authenticate(tampered), 'signature_invalid');
  });

  it('a token signed with another secret → signature_invalid', async () => {
    const token = await mintHs256(
      'another-secret-that-is-also-32-bytes-long',
      { sub: 'alice' },
      { now: NOW },
    );
    expectFailure(await auth.authenticate(token), 'signature_invalid');
  });

  it('a signed payload that is not JSON → token_malformed', async () => {
    expectFailure(
      await auth.authenticate(signHs256Raw({ alg: 'HS256' }, 'not json')),
      'token_malformed',
    );
    expectFailure(
      await auth.authenticate(signHs256Raw({ alg: 'HS256' }, [claims()])),
      'token_malformed',
    );
  });

  it('claims named like our result fields cannot forge a result', async () => {
    const token = await mint({
      ok: false,
      code: 'token_missing',
      message: 'x',
      principal: { id: 'root' },
    });
    const result = await auth.authenticate(token);
    expect(result.ok).toBe(true);
    expect(result.ok && result.principal.id).toBe('alice');
  });
});

describe('lifetime', () => {
  it('expired → token_expired', async () => {
    const token = await mint({ exp: NOW_S - 31 });
    expectFailure(await auth.authenticate(token), 'token_expired', 'exp');
  });

  it('nbf in the future → token_not_yet_valid', async () => {
    expectFailure(
      await auth.authenticate(await mint({ nbf: NOW_S + 31 })),
      'token_not_yet_valid',
      'nbf',
    );
  });

  it('iat in the future → token_issued_in_future (jose alone would accept it)', async () => {
    expectFailure(
      await auth.authenticate(await mint({ iat: NOW_S + 31 })),
      'token_issued_in_future',
      'iat',
    );
  });

  it('iat in the future with max_token_age_s set → token_issued_in_future (here jose catches it)', async () => {
    const aged = await hs256Authenticator({ max_token_age_s: 600 });
    expectFailure(
      await aged.authenticate(await mint({ iat: NOW_S + 31 })),
      'token_issued_in_future',
      'iat',
    );
  });

  it('iat older than max_token_age_s → token_too_old', async () => {
    const aged = await hs256Authenticator({ max_token_age_s: 600 });
    expectFailure(
      await aged.authenticate(await mint({ iat: NOW_S - 631 })),
      'token_too_old',
      'iat',
    );
  });

  it('no iat while max_token_age_s is set → claim_missing', async () => {
    const aged = await hs256Authenticator({ max_token_age_s: 600 });
    expectFailure(await aged.authenticate(await mint({ iat: undefined })), 'claim_missing', 'iat');
  });

  it.each([
    ['exp', 'tomorrow'],
    ['nbf', '0'],
    ['iat', null],
  ])('%s of the wrong type (%j) → claim_invalid', async (claim, value) => {
    expectFailure(await auth.authenticate(await mint({ [claim]: value })), 'claim_invalid', claim);
  });
});

describe('required and addressed claims', () => {
  it('missing exp → claim_missing', async () => {
    expectFailure(await auth.authenticate(await mint({ exp: undefined })), 'claim_missing', 'exp');
  });

  it('missing sub → claim_missing', async () => {
    expectFailure(await auth.authenticate(await mint({ sub: undefined })), 'claim_missing', 'sub');
  });

  it('missing iss → claim_missing', async () => {
    expectFailure(await auth.authenticate(await mint({ iss: undefined })), 'claim_missing', 'iss');
  });

  it('missing aud → claim_missing', async () => {
    expectFailure(await auth.authenticate(await mint({ aud: undefined })), 'claim_missing', 'aud');
  });

  it('wrong iss → claim_invalid', async () => {
    expectFailure(
      await auth.authenticate(await mint({ iss: 'https://evil.example' })),
      'claim_invalid',
      'iss',
    );
  });

  it('wrong aud → claim_invalid', async () => {
    expectFailure(
      await auth.authenticate(await mint({ aud: 'another-service' })),
      'claim_invalid',
      'aud',
    );
    expectFailure(await auth.authenticate(await mint({ aud: ['a', 'b'] })), 'claim_invalid', 'aud');
  });
});

describe('our claims', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['numeric sub', { sub: 42 }, 'sub'],
    ['unknown kind', { kind: 'admin' }, 'kind'],
    ['kind of the wrong type', { kind: ['api_token'] }, 'kind'],
    ['scope not a string', { kind: 'api_token', scope: ['settings:read'] }, 'scope'],
    ['scope with a lone surrogate', { kind: 'api_token', scope: 'settings:read \ud800' }, 'scope'],
    ['org_id not a string', { kind: 'api_token', org_id: 7 }, 'org_id'],
    ['org_ids not an array', { kind: 'api_token', org_ids: 'acme' }, 'org_ids'],
    ['org_ids empty', { kind: 'api_token', org_ids: [] }, 'org_ids'],
    ['org_ids with a non-string', { kind: 'api_token', org_ids: ['acme', 5] }, 'org_ids'],
    [
      'org_id outside org_ids',
      { kind: 'api_token', org_id: 'gamma', org_ids: ['acme', 'beta'] },
      'org_id',
    ],
    ['auth_time not a number', { auth_time: 'yesterday' }, 'auth_time'],
  ])('%s → claim_invalid', async (_, extra, claim) => {
    expectFailure(await auth.authenticate(await mint(extra)), 'claim_invalid', claim);
  });

  // The id grammars of src/contract/ids.ts, applied where a token names a user or an org.
  it.each<[string, Record<string, unknown>]>([
    ['empty', { sub: '' }],
    ['over 256 characters', { sub: 'u'.repeat(257) }],
    ['surrounding whitespace', { sub: 'alice ' }],
    ['a zero-width space', { sub: 'ali\u200bce' }],
    ['a control character', { sub: 'alice\u0000' }],
    ['not NFC', { sub: 'zoe\u0308' }],
    ['dot-only', { sub: '..' }],
    ['a prototype name', { sub: '__proto__' }],
    ['a lone surrogate', { sub: 'alice\udfff' }],
  ])('sub that is %s → sub_malformed', async (_, extra) => {
    expectFailure(await auth.authenticate(await mint(extra)), 'sub_malformed', 'sub');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['org_id with bad characters', { kind: 'api_token', org_id: 'acme corp' }, 'org_id'],
    ['org_id too long', { kind: 'api_token', org_id: 'o'.repeat(65) }, 'org_id'],
    ['org_id dot-only', { kind: 'api_token', org_id: '..' }, 'org_id'],
    ['org_id a prototype name', { kind: 'api_token', org_id: 'constructor' }, 'org_id'],
    [
      'org_id a case variant of the default org',
      { kind: 'api_token', org_id: 'Default' },
      'org_id',
    ],
    ['org_ids with a bad id', { kind: 'api_token', org_ids: ['acme', '../beta'] }, 'org_ids'],
    ['org_ids with a dot-only id', { kind: 'api_token', org_ids: ['acme', '.'] }, 'org_ids'],
    [
      'org_ids with a default look-alike',
      { kind: 'api_token', org_ids: ['acme', 'DEFAULT'] },
      'org_ids',
    ],
    ['malformed org claim on a session', { org_id: 'no spaces allowed' }, 'org_id'],
  ])('%s → org_id_malformed', async (_, extra, claim) => {
    expectFailure(await auth.authenticate(await mint(extra)), 'org_id_malformed', claim);
  });

  it('the default org itself is an acceptable binding; the look-alike check follows the configured default org', async () => {
    const bound = await auth.authenticate(await mint({ kind: 'api_token', org_id: 'default' }));
    expect(bound.ok && bound.principal.bound_orgs).toEqual(['default']);
    const main = await hs256Authenticator({}, { defaultOrg: 'main' });
    expectFailure(
      await main.authenticate(await mint({ kind: 'api_token', org_id: 'MAIN' })),
      'org_id_malformed',
      'org_id',
    );
    const other = await main.authenticate(await mint({ kind: 'api_token', org_id: 'Default' }));
    expect(other.ok && other.principal.bound_orgs).toEqual(['Default']);
  });

  it('a canonical non-ASCII sub is accepted exactly as sent', async () => {
    const result = await auth.authenticate(await mint({ sub: 'Zoë Ångström' }));
    expect(result.ok && result.principal.id).toBe('Zoë Ångström');
  });
});

describe('auth_time (sign-in time)', () => {
  it.each<[string, number, boolean]>([
    ['now', NOW_S, true],
    ['an hour ago', NOW_S - 3600, true],
    ['30 s ahead (within the tolerance)', NOW_S + 30, true],
    ['31 s ahead', NOW_S + 31, false],
    ['a day ahead', NOW_S + 86_400, false],
  ])('auth_time %s → ok: %s', async (_, authTime, ok) => {
    const result = await auth.authenticate(await mint({ auth_time: authTime }));
    if (ok) expect(result.ok && result.principal.auth_time).toBe(authTime);
    else expectFailure(result, 'auth_time_in_future', 'auth_time');
  });

  it('is refused in the future for an API token too (every claim is checked whatever the kind)', async () => {
    expectFailure(
      await auth.authenticate(await mint({ kind: 'api_token', auth_time: NOW_S + 3600 })),
      'auth_time_in_future',
      'auth_time',
    );
  });

  it('follows the configured tolerance', async () => {
    const strict = await hs256Authenticator({ clock_tolerance_s: 0 });
    expect((await strict.authenticate(await mint({ auth_time: NOW_S }))).ok).toBe(true);
    expectFailure(
      await strict.authenticate(await mint({ auth_time: NOW_S + 1 })),
      'auth_time_in_future',
      'auth_time',
    );
  });
});

describe('authenticate never throws', () => {
  it('for a spread of hostile inputs', async () => {
    const token = await mint();
    const [h, p, s] = partsOf(token);
    const inputs: unknown[] = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}..${s}`,
      `${p}.${h}.${s}`,
      token.toUpperCase(),
      token.replace(/.$/, '!'),
      `${h}.${p}.${s}=`,
      '\u0000.\u0000.\u0000',
      new String(token),
      Object.create(null),
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('boom');
          },
        },
      ),
    ];
    for (const input of inputs) {
      const result = await auth.authenticate(input as never);
      expect(result.ok).toBe(false);
    }
  });
});
