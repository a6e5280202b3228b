/**
 * Measurements of jose v6 on its own (no orgwarden code), pinned so an upgrade that changes
 * them fails here first. Each one is a reason for a check or a mapping in src/authn.
 */
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { TEST_SECRET, createTestKeys, jwksOf, mintHs256 } from '../support/tokens.js';
import { NOW, NOW_S, signHs256Raw, startServer } from './helpers.js';

const key = new TextEncoder().encode(TEST_SECRET);
const options = { algorithms: ['HS256'], currentDate: new Date(NOW), clockTolerance: 30 };
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: unknown) => (error as { code?: string }).code ?? 'no code',
  );

describe('jose v6 alone', () => {
  it('accepts an iat in the future unless maxTokenAge is set (so claims.ts checks it)', async () => {
    const token = await mintHs256(TEST_SECRET, { sub: 'a', iat: NOW_S + 3600 }, { now: NOW });
    await expect(codeOf(jwtVerify(token, key, options))).resolves.toBe('accepted');
    const error = await jwtVerify(token, key, { ...options, maxTokenAge: 600 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'iat',
      reason: 'check_failed',
    });
  });

  it('reports a too-old iat as ERR_JWT_EXPIRED, like exp (so we branch on `claim`)', async () => {
    const token = await mintHs256(TEST_SECRET, { sub: 'a', iat: NOW_S - 7200 }, { now: NOW });
    const error = await jwtVerify(token, key, { ...options, maxTokenAge: 600 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_JWT_EXPIRED', claim: 'iat' });
  });

  it('checks only the presence of required claims, not their type (so claims.ts checks sub)', async () => {
    const token = await mintHs256(TEST_SECRET, { sub: 42 }, { now: NOW });
    await expect(
      codeOf(jwtVerify(token, key, { ...options, requiredClaims: ['sub'] })),
    ).resolves.toBe('accepted');
  });

  it('refuses an unknown crit with ERR_JOSE_NOT_SUPPORTED', async () => {
    const token = signHs256Raw(
      { alg: 'HS256', crit: ['urn:x'], 'urn:x': 1 },
      { sub: 'a', exp: NOW_S + 60 },
    );
    await expect(codeOf(jwtVerify(token, key, options))).resolves.toBe('ERR_JOSE_NOT_SUPPORTED');
  });

  it('ignores jku/jwk headers when given a fixed key (so precheck.ts refuses them explicitly)', async () => {
    const token = await mintHs256(
      TEST_SECRET,
      { sub: 'a' },
      { now: NOW, header: { jku: 'https://evil.example/jwks' } },
    );
    await expect(codeOf(jwtVerify(token, key, options))).resolves.toBe('accepted');
  });

  it('treats exp == now - tolerance as expired', async () => {
    const token = await mintHs256(TEST_SECRET, { sub: 'a', exp: NOW_S - 30 }, { now: NOW });
    await expect(codeOf(jwtVerify(token, key, options))).resolves.toBe('ERR_JWT_EXPIRED');
  });

  it('does not try each of several matching keys: ERR_JWKS_MULTIPLE_MATCHING_KEYS', async () => {
    const [a, b] = await Promise.all([
      createTestKeys('ES256', { kid: 'same' }),
      createTestKeys('ES256', { kid: 'same' }),
    ]);
    const token = await b.mint({ sub: 'a' }, { now: NOW });
    const jwks = createLocalJWKSet(jwksOf(a, b));
    await expect(
      codeOf(jwtVerify(token, jwks, { ...options, algorithms: ['ES256'] })),
    ).resolves.toBe('ERR_JWKS_MULTIPLE_MATCHING_KEYS');
  });

  it('lets remote JWKS failures escape without a JOSE code, or with the generic one', async () => {
    const keys = await createTestKeys('ES256');
    const token = await keys.mint({ sub: 'a' }, { now: NOW });
    const server = await startServer((req, res) => {
      res.statusCode = req.url === '/500' ? 500 : 200;
      res.end('{}');
    });
    const gone = await startServer((_, res) => res.end());
    await gone.close();
    try {
      const verify = (url: string) =>
        codeOf(
          jwtVerify(token, createRemoteJWKSet(new URL(url)), { ...options, algorithms: ['ES256'] }),
        );
      await expect(verify(`${server.url}/500`)).resolves.toBe('ERR_JOSE_GENERIC');
      await expect(verify(`${server.url}/empty-object`)).resolves.toBe('ERR_JWKS_INVALID');
      await expect(verify(`${gone.url}/jwks`)).resolves.toBe('no code');
    } finally {
      await server.close();
    }
  });
});
