/**
 * The credentials case files ask with: real JWTs, signed for this run only and verified by the
 * same authenticator the server uses. HS256 with a secret made fresh for each run, or — for
 * `keys: unavailable` — ES256 verified against a JWKS URL on a loopback port nothing listens on.
 * The config's `auth` section is never used: no deployment key signs a case's token.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createAuthenticator } from '../../authn/index.js';
import type { Authenticator } from '../../authn/types.js';
import { authConfigSchema } from '../../authn/config.js';
import type { Claims } from './schema.js';

const ISSUER = 'https://cases.orgwarden.invalid';
const AUDIENCE = 'orgwarden';
const SECRET_ENV = 'ORGWARDEN_CASE_SECRET';

type TokenFault = 'none' | 'garbage' | 'expired' | 'wrong_audience' | 'wrong_signature';

export interface CaseTokens {
  /** Verifies tokens signed with the run's secret. */
  authenticator: Authenticator;
  /** Verifies ES256 tokens against a JWKS it can never fetch. */
  keysDown: Authenticator;
  /** The token for `claims` (undefined claims: sub `anonymous`), broken as `fault` says. */
  mint(
    claims: Claims | undefined,
    fault: TokenFault | undefined,
    keys?: 'unavailable',
  ): Promise<string | undefined>;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Tokens and their verifiers at the fixed instant `now` (ms), so `auth_age_s` is exact. */
export async function createCaseTokens(now: number): Promise<CaseTokens> {
  const secret = randomBytes(32).toString('base64url');
  const auth = authConfigSchema({ baseDir: process.cwd(), env: null }).parse({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['HS256'],
    hs256_secret_env: SECRET_ENV,
  });
  const authenticator = await createAuthenticator(auth, {
    env: { [SECRET_ENV]: secret },
    now: () => now,
  });
  const remote = {
    ...auth,
    algorithms: ['ES256'],
    hs256_secret_env: undefined,
    jwks_url: `http://127.0.0.1:${await closedPort()}/jwks`,
  };
  const keysDown = await createAuthenticator(remote, { env: {}, now: () => now });
  const es256 = await generateKeyPair('ES256');
  const hs256 = new TextEncoder().encode(secret);
  const other = new TextEncoder().encode(randomBytes(32).toString('base64url'));
  const nowS = Math.floor(now / 1000);

  async function sign(
    claims: Record<string, unknown>,
    key: Uint8Array | CryptoKey,
    alg: string,
  ): Promise<string> {
    const all = { iss: ISSUER, aud: AUDIENCE, iat: nowS, exp: nowS + 3600, ...claims };
    return new SignJWT(all).setProtectedHeader({ alg, kid: 'case-files' }).sign(key);
  }

  async function mint(
    given: Claims | undefined,
    fault: TokenFault | undefined,
    keys?: 'unavailable',
  ): Promise<string | undefined> {
    if (fault === 'none') return undefined;
    if (fault === 'garbage') return 'not.a.jwt';
    const { sub, auth_age_s, ...claims } = given ?? { sub: 'anonymous' };
    const all = {
      sub,
      ...claims,
      ...(auth_age_s !== undefined ? { auth_time: nowS - auth_age_s } : {}),
    };
    if (fault === 'expired')
      return sign({ ...all, iat: nowS - 7200, exp: nowS - 3600 }, hs256, 'HS256');
    if (fault === 'wrong_audience') return sign({ ...all, aud: 'another-service' }, hs256, 'HS256');
    if (fault === 'wrong_signature') return sign(all, other, 'HS256');
    if (keys === 'unavailable') return sign(all, es256.privateKey, 'ES256');
    return sign(all, hs256, 'HS256');
  }

  return { authenticator, keysDown, mint };
}
