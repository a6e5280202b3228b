/** Each key source: a good token is accepted, and every setup failure stops creation with a clear error. */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import type { AuthConfig } from '../../src/authn/config.js';
import {
  TEST_SECRET,
  TEST_SECRET_ENV,
  createTestKeys,
  jwksOf,
  mintHs256,
  type TestKeys,
} from '../support/tokens.js';
import { expectFailure } from './expect.js';
import { NOW, TEST_ENV, authConfig, recordingFetch, tempDir } from './helpers.js';

const deps = { env: TEST_ENV, now: () => NOW };
const create = (config: AuthConfig) => createAuthenticator(config, deps);

let files: ReturnType<typeof tempDir>;
let es256: TestKeys;
let rs256: TestKeys;
beforeAll(async () => {
  files = tempDir();
  [es256, rs256] = await Promise.all([createTestKeys('ES256'), createTestKeys('RS256')]);
});
afterAll(() => files.cleanup());

describe('HS256 secret from an env var', () => {
  it('verifies tokens signed with the secret', async () => {
    const auth = await create(authConfig());
    expect(
      (await auth.authenticate(await mintHs256(TEST_SECRET, { sub: 'alice' }, { now: NOW }))).ok,
    ).toBe(true);
  });

  it('a missing env var stops creation, naming it', async () => {
    await expect(createAuthenticator(authConfig(), { env: {} })).rejects.toThrow(
      `auth.hs256_secret_env: env var ${TEST_SECRET_ENV} is not set`,
    );
  });

  it('a secret under 32 bytes stops creation, naming the env var', async () => {
    await expect(
      createAuthenticator(authConfig(), { env: { [TEST_SECRET_ENV]: 'x'.repeat(31) } }),
    ).rejects.toThrow(
      `auth.hs256_secret_env: env var ${TEST_SECRET_ENV} must hold at least 32 bytes`,
    );
    await expect(
      createAuthenticator(authConfig(), { env: { [TEST_SECRET_ENV]: 'x'.repeat(32) } }),
    ).resolves.toBeDefined();
  });

  it('asymmetric algorithms cannot be paired with it', async () => {
    await expect(create(authConfig({}, { algorithms: ['HS256', 'RS256'] }))).rejects.toThrow(
      "auth.algorithms: 'RS256' cannot be used with auth.hs256_secret_env",
    );
  });
});

describe('JWKS file', () => {
  it('verifies tokens from each key of the set, with or without kid', async () => {
    const path = files.write('two-keys.jwks.json', JSON.stringify(jwksOf(es256, rs256)));
    const auth = await create(authConfig({ jwks_file: path }, { algorithms: ['ES256', 'RS256'] }));
    expect((await auth.authenticate(await es256.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    expect((await auth.authenticate(await rs256.mint({ sub: 'bob' }, { now: NOW }))).ok).toBe(true);
    // Without kid, jose picks the single key matching alg and key type.
    const noKid = await rs256.mint({ sub: 'carol' }, { now: NOW, header: { kid: undefined } });
    expect(
      JSON.parse(Buffer.from(noKid.split('.')[0] as string, 'base64url').toString()),
    ).not.toHaveProperty('kid');
    expect((await auth.authenticate(noKid)).ok).toBe(true);
  });

  it('several keys matching one token (rotation without kid) are each tried', async () => {
    const [oldKey, newKey, stranger] = await Promise.all([
      createTestKeys('ES256'),
      createTestKeys('ES256'),
      createTestKeys('ES256'),
    ]);
    const strip = (keys: TestKeys) => ({ ...keys.publicJwk, kid: undefined });
    const path = files.write(
      'rotation.jwks.json',
      JSON.stringify({ keys: [strip(oldKey), strip(newKey)] }),
    );
    const auth = await create(authConfig({ jwks_file: path }, { algorithms: ['ES256'] }));
    const noKid = { now: NOW, header: { kid: undefined } };
    expect((await auth.authenticate(await oldKey.mint({ sub: 'alice' }, noKid))).ok).toBe(true);
    expect((await auth.authenticate(await newKey.mint({ sub: 'bob' }, noKid))).ok).toBe(true);
    expectFailure(
      await auth.authenticate(await stranger.mint({ sub: 'mallory' }, noKid)),
      'signature_invalid',
    );
    // A matching key settles it: its verdict on the claims is the answer.
    expectFailure(
      await auth.authenticate(await newKey.mint({ sub: 'bob', exp: NOW / 1000 - 3600 }, noKid)),
      'token_expired',
      'exp',
    );
  });

  it('a key outside the set → key_not_found', async () => {
    const path = files.write('one-key.jwks.json', JSON.stringify(es256.jwks));
    const auth = await create(authConfig({ jwks_file: path }, { algorithms: ['ES256'] }));
    const stranger = await createTestKeys('ES256');
    expectFailure(
      await auth.authenticate(await stranger.mint({ sub: 'mallory' }, { now: NOW })),
      'key_not_found',
    );
  });

  it.each<[string, string, string, RegExp]>([
    ['not JSON', 'bad-1.json', '{ keys: ', /auth\.jwks_file: .*bad-1\.json is not valid JSON/],
    [
      'no keys array',
      'bad-2.json',
      '{"kty":"EC"}',
      /auth\.jwks_file: .*bad-2\.json is not a JWKS with a non-empty "keys" array/,
    ],
    [
      'an empty keys array',
      'bad-3.json',
      '{"keys":[]}',
      /auth\.jwks_file: .*bad-3\.json is not a JWKS/,
    ],
    [
      'keys that are not objects',
      'bad-4.json',
      '{"keys":["a"]}',
      /auth\.jwks_file: .*bad-4\.json is not a JWKS/,
    ],
  ])('a file that is %s stops creation', async (_, name, content, message) => {
    const path = files.write(name, content);
    await expect(
      create(authConfig({ jwks_file: path }, { algorithms: ['ES256'] })),
    ).rejects.toThrow(message);
  });

  it('private key material stops creation', async () => {
    const { exportJWK, generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const path = files.write(
      'private.jwks.json',
      JSON.stringify({ keys: [await exportJWK(privateKey)] }),
    );
    await expect(
      create(authConfig({ jwks_file: path }, { algorithms: ['ES256'] })),
    ).rejects.toThrow(
      /auth\.jwks_file: .*private\.jwks\.json holds private or symmetric key material/,
    );
  });

  it('an unreadable file stops creation, naming it', async () => {
    const path = join(files.dir, 'missing.json');
    await expect(
      create(authConfig({ jwks_file: path }, { algorithms: ['ES256'] })),
    ).rejects.toThrow(`auth.jwks_file: cannot read ${path}`);
  });

  it('HS256 cannot be paired with it', async () => {
    const path = files.write('hs.jwks.json', JSON.stringify(es256.jwks));
    await expect(
      create(authConfig({ jwks_file: path }, { algorithms: ['HS256'] })),
    ).rejects.toThrow("auth.algorithms: 'HS256' cannot be used with auth.jwks_file");
  });

  it('readFile is injectable', async () => {
    const read: string[] = [];
    const auth = await createAuthenticator(
      authConfig({ jwks_file: '/virtual/jwks.json' }, { algorithms: ['ES256'] }),
      {
        ...deps,
        readFile: (path) => {
          read.push(path);
          return Promise.resolve(JSON.stringify(es256.jwks));
        },
      },
    );
    expect(read).toEqual(['/virtual/jwks.json']);
    expect((await auth.authenticate(await es256.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
  });
});

describe('PEM public key file', () => {
  it('SPKI: verifies tokens for every configured algorithm the key serves', async () => {
    const { SignJWT, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8 } = await import('jose');
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const path = files.write('rsa.pem', await exportSPKI(publicKey));
    const auth = await create(
      authConfig({ public_key_file: path }, { algorithms: ['RS256', 'PS256'] }),
    );
    const pkcs8 = await exportPKCS8(privateKey);
    for (const alg of ['RS256', 'PS256']) {
      const token = await new SignJWT({
        sub: 'alice',
        iss: 'https://auth.example.test',
        aud: 'orgwarden',
        exp: NOW / 1000 + 60,
      })
        .setProtectedHeader({ alg })
        .sign(await importPKCS8(pkcs8, alg));
      expect((await auth.authenticate(token)).ok).toBe(true);
    }
  });

  it('SPKI EC key: a token from another key → signature_invalid', async () => {
    const path = files.write('ec.pem', es256.spkiPem);
    const auth = await create(authConfig({ public_key_file: path }, { algorithms: ['ES256'] }));
    expect((await auth.authenticate(await es256.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    const other = await createTestKeys('ES256');
    expectFailure(
      await auth.authenticate(await other.mint({ sub: 'mallory' }, { now: NOW })),
      'signature_invalid',
    );
  });

  it('X.509 certificate: its public key verifies tokens', async () => {
    // A self-signed P-256 certificate and its key, committed for tests only (made once with
    // `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500`).
    const keyPath = resolve('test', 'support', 'fixtures', 'x509', 'cert-key.pem');
    const certPath = resolve('test', 'support', 'fixtures', 'x509', 'cert.pem');
    const { SignJWT, importPKCS8 } = await import('jose');
    const { readFileSync } = await import('node:fs');
    const privateKey = await importPKCS8(readFileSync(keyPath, 'utf8'), 'ES256');
    const auth = await create(authConfig({ public_key_file: certPath }, { algorithms: ['ES256'] }));
    const token = await new SignJWT({
      sub: 'alice',
      iss: 'https://auth.example.test',
      aud: 'orgwarden',
      exp: NOW / 1000 + 60,
    })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    expect((await auth.authenticate(token)).ok).toBe(true);
    // The key file itself is refused as a verifier key.
    await expect(
      create(authConfig({ public_key_file: keyPath }, { algorithms: ['ES256'] })),
    ).rejects.toThrow(/auth\.public_key_file: .*cert-key\.pem holds a private key/);
  });

  it('an algorithm the key cannot serve stops creation, naming file and algorithm', async () => {
    const path = files.write('ec-for-rsa.pem', es256.spkiPem);
    await expect(
      create(authConfig({ public_key_file: path }, { algorithms: ['RS256'] })),
    ).rejects.toThrow(
      `auth.public_key_file: the key in ${path} cannot verify 'RS256' (auth.algorithms)`,
    );
    const p384 = files.write('p256-for-es384.pem', es256.spkiPem);
    await expect(
      create(authConfig({ public_key_file: p384 }, { algorithms: ['ES384'] })),
    ).rejects.toThrow(/cannot verify 'ES384'/);
  });

  it.each<[string, string, RegExp]>([
    ['garbage', 'hello', /is not a PEM public key \(SPKI\) or X\.509 certificate/],
    [
      'a truncated PEM',
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n',
      /cannot verify 'ES256'/,
    ],
  ])('a file holding %s stops creation', async (_, content, message) => {
    const path = files.write(`bad-${content.length}.pem`, content);
    await expect(
      create(authConfig({ public_key_file: path }, { algorithms: ['ES256'] })),
    ).rejects.toThrow(message);
  });

  it('an unreadable file stops creation, naming it', async () => {
    const path = join(files.dir, 'nope.pem');
    await expect(
      create(authConfig({ public_key_file: path }, { algorithms: ['ES256'] })),
    ).rejects.toThrow(`auth.public_key_file: cannot read ${path}`);
  });
});

describe('JWKS URL (setup only; fetching is in remote-jwks.test.ts)', () => {
  it('an https URL is accepted and nothing is fetched at creation', async () => {
    const recorder = recordingFetch();
    await createAuthenticator(
      authConfig({ jwks_url: 'https://issuer.example.test/jwks' }, { algorithms: ['ES256'] }),
      {
        ...deps,
        fetch: recorder.fetch,
      },
    );
    expect(recorder.calls).toEqual([]);
  });

  it.each(['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks'])(
    'loopback http is allowed: %s',
    async (url) => {
      await expect(
        create(authConfig({ jwks_url: url }, { algorithms: ['ES256'] })),
      ).resolves.toBeDefined();
    },
  );

  it.each<[string, RegExp]>([
    [
      'http://issuer.example.test/jwks',
      /auth\.jwks_url: 'http:\/\/issuer\.example\.test' must use https/,
    ],
    ['http://127.0.0.1.evil.example/jwks', /must use https/],
    ['file:///etc/jwks.json', /must use https/],
    ['not a url', /auth\.jwks_url: 'not a url' is not a URL/],
    [
      'https://user:pw@issuer.example.test/jwks',
      /auth\.jwks_url: credentials in the URL are not allowed/,
    ],
  ])('%s stops creation', async (url, message) => {
    await expect(create(authConfig({ jwks_url: url }, { algorithms: ['ES256'] }))).rejects.toThrow(
      message,
    );
  });

  it('HS256 cannot be paired with it', async () => {
    await expect(
      create(
        authConfig({ jwks_url: 'https://issuer.example.test/jwks' }, { algorithms: ['HS256'] }),
      ),
    ).rejects.toThrow("auth.algorithms: 'HS256' cannot be used with auth.jwks_url");
  });
});

describe('programmer misuse is a TypeError', () => {
  it.each<[string, Partial<AuthConfig>]>([
    ['no key source', { hs256_secret_env: undefined }],
    ['two key sources', { jwks_file: '/x.json' }],
    ["'none' among the algorithms", { algorithms: ['HS256', 'none'] }],
    ['no algorithms', { algorithms: [] }],
    ['an empty audience', { audience: '' }],
    ['a negative tolerance', { clock_tolerance_s: -1 }],
    ['a zero token size limit', { max_token_bytes: 0 }],
    ['an empty env var name', { hs256_secret_env: '' }],
  ])('%s', async (_, overrides) => {
    await expect(create(authConfig({}, overrides))).rejects.toBeInstanceOf(TypeError);
  });

  it('missing deps.env', async () => {
    await expect(createAuthenticator(authConfig(), undefined as never)).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});
