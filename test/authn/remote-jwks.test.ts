/**
 * The JWKS URL source against a real HTTP server on 127.0.0.1: fetching, caching, rotation,
 * and every way the endpoint can fail (each → keys_unavailable, quickly).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import type { AuthConfig } from '../../src/config/types.js';
import { createTestKeys, jwksOf, type TestKeys } from '../support/tokens.js';
import { expectFailure } from './expect.js';
import { NOW, authConfig, startServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startServer>>;

let server: Server;
let current: TestKeys;
let next: TestKeys;
/** What `/jwks` serves; tests swap it to simulate rotation. */
let served: object;

beforeAll(async () => {
  [current, next] = await Promise.all([createTestKeys('ES256', { kid: 'k1' }), createTestKeys('ES256', { kid: 'k2' })]);
  served = jwksOf(current);
  server = await startServer((req, res) => {
    switch (req.url) {
      case '/jwks':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(served));
        return;
      case '/hang':
        return; // never answers
      case '/error':
        res.statusCode = 500;
        res.end('{"keys":[]}');
        return;
      case '/garbage':
        res.end('<html>not json</html>');
        return;
      case '/not-a-jwks':
        res.end('{"keys":"nope"}');
        return;
      case '/redirect':
        res.statusCode = 302;
        res.setHeader('location', '/jwks');
        res.end();
        return;
      default:
        res.statusCode = 404;
        res.end();
    }
  });
});
afterAll(() => server.close());

function remote(path: string, overrides: Partial<AuthConfig> = {}) {
  const config = authConfig({ jwks_url: `${server.url}${path}` }, { algorithms: ['ES256'], ...overrides });
  return createAuthenticator(config, { env: {}, now: () => NOW });
}

const count = (path: string) => server.requests.filter((url) => url === path).length;

describe('a healthy endpoint', () => {
  it('fetches on first use, then serves from the cache', async () => {
    served = jwksOf(current);
    const before = count('/jwks');
    const auth = await remote('/jwks');
    expect(count('/jwks')).toBe(before);
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(true);
    expect((await auth.authenticate(await current.mint({ sub: 'bob' }, { now: NOW }))).ok).toBe(true);
    expect(count('/jwks')).toBe(before + 1);
  });

  it('unknown kid within the cooldown → key_not_found without refetching', async () => {
    served = jwksOf(current);
    const auth = await remote('/jwks', { jwks_cooldown_s: 30 });
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(true);
    const before = count('/jwks');
    const stranger = await createTestKeys('ES256', { kid: 'unknown' });
    for (let i = 0; i < 5; i += 1) {
      expectFailure(await auth.authenticate(await stranger.mint({ sub: 'mallory' }, { now: NOW })), 'key_not_found', 'kid');
    }
    expect(count('/jwks')).toBe(before);
  });

  it('a rotated key is picked up by a refetch once the cooldown allows', async () => {
    served = jwksOf(current);
    const auth = await remote('/jwks', { jwks_cooldown_s: 0 });
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(true);
    served = jwksOf(current, next);
    const before = count('/jwks');
    expect((await auth.authenticate(await next.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(true);
    expect(count('/jwks')).toBe(before + 1);
  });

  it('jku pointing at the same server is refused and not requested', async () => {
    const auth = await remote('/jwks');
    const token = await current.mint({ sub: 'alice' }, { now: NOW, header: { jku: `${server.url}/evil-jwks` } });
    expectFailure(await auth.authenticate(token), 'header_not_allowed', 'jku');
    expect(count('/evil-jwks')).toBe(0);
  });
});

describe('a failing endpoint → keys_unavailable', () => {
  it('timeout: answered within a small multiple of jwks_timeout_ms', async () => {
    const auth = await remote('/hang', { jwks_timeout_ms: 150 });
    const started = performance.now();
    expectFailure(await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW })), 'keys_unavailable');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(1500);
  });

  it.each(['/error', '/garbage', '/not-a-jwks', '/redirect', '/missing'])('%s', async (path) => {
    const auth = await remote(path);
    expectFailure(await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW })), 'keys_unavailable');
  });

  it('connection refused', async () => {
    const gone = await startServer((_, res) => res.end());
    await gone.close();
    const config = authConfig({ jwks_url: `${gone.url}/jwks` }, { algorithms: ['ES256'], jwks_timeout_ms: 500 });
    const auth = await createAuthenticator(config, { env: {}, now: () => NOW });
    expectFailure(await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW })), 'keys_unavailable');
  });

  it('an injected fetch is used instead of the global one', async () => {
    const seen: string[] = [];
    const config = authConfig({ jwks_url: 'https://issuer.example.test/jwks' }, { algorithms: ['ES256'] });
    const auth = await createAuthenticator(config, {
      env: {},
      now: () => NOW,
      fetch: (async (input: Parameters<typeof fetch>[0]) => {
        seen.push(String(input));
        return new Response(JSON.stringify(jwksOf(current)), { headers: { 'content-type': 'application/json' } });
      }) as typeof fetch,
    });
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(true);
    expect(seen).toEqual(['https://issuer.example.test/jwks']);
  });
});
