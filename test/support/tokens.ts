/**
 * Minting JWTs for tests anywhere in the repo.
 *
 * Default claims: `iss` TEST_ISSUER, `aud` TEST_AUDIENCE, `iat` now, `exp` now + 1 h. Pass a claim
 * to override it, or `undefined` to remove it. There is no default `sub`: say who the caller is.
 *
 *   await mintHs256(TEST_SECRET, { sub: 'alice' })                               // session
 *   await mintHs256(TEST_SECRET, { sub: 'alice', auth_time: nowS })              // fresh session
 *   await mintHs256(TEST_SECRET, { sub: 'tok1', kind: 'api_token',
 *                                  scope: 'settings:read', org_id: 'acme' })     // API token
 *   await mintHs256(TEST_SECRET, { sub: 'alice', exp: undefined })               // no exp
 *
 * For asymmetric keys: `const keys = await createTestKeys('ES256')`, then `keys.mint({...})`,
 * and give the verifier `keys.jwks` (JWKS) or `keys.spkiPem` (PEM). `opts.now` (ms) moves the
 * clock the defaults are computed from; `opts.header` adds protected header parameters.
 */
import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';

export const TEST_ISSUER = 'https://auth.example.test';
export const TEST_AUDIENCE = 'orgwarden';
/** A dev HS256 secret of the required length (≥ 32 bytes). */
export const TEST_SECRET = 'orgwarden-test-secret-0123456789abcdef';
/** The env var name tests conventionally put TEST_SECRET in (`auth.hs256_secret_env`). */
export const TEST_SECRET_ENV = 'ORGWARDEN_JWT_SECRET';

export type TestClaims = Record<string, unknown>;

export interface MintOptions {
  /** "Now" in milliseconds for the default `iat` / `exp`. Default: `Date.now()`. */
  now?: number;
  /** Extra protected header parameters (`kid`, `typ`, ...). `alg` is fixed by the key. */
  header?: Record<string, unknown>;
}

/** The default claims at `now` (ms) merged with `claims`; `undefined` values remove a claim. */
export function testClaims(claims: TestClaims = {}, now: number = Date.now()): TestClaims {
  const iat = Math.floor(now / 1000);
  const merged: TestClaims = {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat,
    exp: iat + 3600,
    ...claims,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

export async function mintHs256(
  secret: string | Uint8Array,
  claims?: TestClaims,
  opts: MintOptions = {},
): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return sign(key, 'HS256', claims, opts);
}

export interface TestKeys {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Public JWK with `kid`, `alg` and `use: 'sig'`. */
  publicJwk: JWK;
  /** `{ keys: [publicJwk] }`; combine several with `jwksOf`. */
  jwks: JSONWebKeySet;
  /** The public key as PEM SPKI (`-----BEGIN PUBLIC KEY-----`). */
  spkiPem: string;
  /** Signs with this key; the header carries `kid` unless `opts.header.kid` overrides it. */
  mint(claims?: TestClaims, opts?: MintOptions): Promise<string>;
}

/** A fresh key pair for an asymmetric JWS algorithm (RS256, PS256, ES256, ES384, EdDSA, ...). */
export async function createTestKeys(
  alg = 'ES256',
  opts: { kid?: string } = {},
): Promise<TestKeys> {
  const kid = opts.kid ?? `test-${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    alg,
    kid,
    privateKey,
    publicKey,
    publicJwk,
    jwks: { keys: [publicJwk] },
    spkiPem: await exportSPKI(publicKey),
    mint: (claims, mintOpts = {}) =>
      sign(privateKey, alg, claims, { ...mintOpts, header: { kid, ...mintOpts.header } }),
  };
}

export function jwksOf(...keys: TestKeys[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}

async function sign(
  key: CryptoKey | Uint8Array,
  alg: string,
  claims: TestClaims | undefined,
  opts: MintOptions,
): Promise<string> {
  return new SignJWT(testClaims(claims, opts.now))
    .setProtectedHeader({ ...opts.header, alg })
    .sign(key);
}
