/**
 * The JWKS URL source against a real HTTP server on 127.0.0.1: fetching, caching, rotation,
 * and every way the endpoint can fail (each → keys_unavailable, quickly).
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import type { AuthConfig } from '../../src/authn/config.js';
import type { Logger, LogLevel } from '../../src/contract/logger.js';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  createTestKeys,
  jwksOf,
  type TestKeys,
} from '../support/tokens.js';
import { expectFailure } from './expect.js';
import { NOW, authConfig, rawToken, startServer } from './helpers.js';

type Server = Awaited<ReturnType<typeof startServer>>;

let server: Server;
let current: TestKeys;
let next: TestKeys;
/** What `/jwks` serves; tests swap it to simulate rotation. */
let served: object;

type ScriptedAnswer =
  | { status: number }
  | { body: object; hold?: Promise<void> }
  | { chunked: number }
  | { endless: true }
  | { manyKeys: number };
/** Per path: how the key server answers (see `scripted`). */
const scriptedAnswers = new Map<string, ScriptedAnswer>();

async function answerScripted(answer: ScriptedAnswer, res: ServerResponse): Promise<void> {
  res.setHeader('content-type', 'application/json');
  if ('status' in answer) {
    res.statusCode = answer.status;
    res.end('{"error":"down"}');
  } else if ('body' in answer) {
    await answer.hold;
    res.end(JSON.stringify(answer.body));
  } else if ('manyKeys' in answer) {
    res.end(
      JSON.stringify({
        keys: Array.from({ length: answer.manyKeys }, (_, i) => ({
          ...current.publicJwk,
          kid: `many-${i}`,
        })),
      }),
    );
  } else {
    // No Content-Length: the size is known only by counting what arrives.
    const chunk = 'x'.repeat(16 * 1024);
    let sent = 0;
    res.write('{"keys":[],"pad":"');
    while (!res.destroyed && ('endless' in answer || sent < answer.chunked)) {
      sent += chunk.length;
      if (!res.write(chunk))
        await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
    }
    if (!res.destroyed) res.end('"}');
  }
}

beforeAll(async () => {
  [current, next] = await Promise.all([
    createTestKeys('ES256', { kid: 'k1' }),
    createTestKeys('ES256', { kid: 'k2' }),
  ]);
  served = jwksOf(current);
  server = await startServer((req, res) => {
    const answer = scriptedAnswers.get(req.url ?? '');
    if (answer) return void answerScripted(answer, res);
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
  const config = authConfig(
    { jwks_url: `${server.url}${path}` },
    { algorithms: ['ES256'], ...overrides },
  );
  return createAuthenticator(config, { env: {}, now: () => NOW });
}

const count = (path: string) => server.requests.filter((url) => url === path).length;

describe('a healthy endpoint', () => {
  it('fetches on first use, then serves from the cache', async () => {
    served = jwksOf(current);
    const before = count('/jwks');
    const auth = await remote('/jwks');
    expect(count('/jwks')).toBe(before);
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    expect((await auth.authenticate(await current.mint({ sub: 'bob' }, { now: NOW }))).ok).toBe(
      true,
    );
    expect(count('/jwks')).toBe(before + 1);
  });

  it('unknown kid within the cooldown → key_not_found without refetching', async () => {
    served = jwksOf(current);
    const auth = await remote('/jwks', { jwks_cooldown_s: 30 });
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    const before = count('/jwks');
    const stranger = await createTestKeys('ES256', { kid: 'unknown' });
    for (let i = 0; i < 5; i += 1) {
      expectFailure(
        await auth.authenticate(await stranger.mint({ sub: 'mallory' }, { now: NOW })),
        'key_not_found',
        'kid',
      );
    }
    expect(count('/jwks')).toBe(before);
  });

  it('a rotated key is picked up by a refetch once the cooldown allows', async () => {
    served = jwksOf(current);
    const auth = await remote('/jwks', { jwks_cooldown_s: 0 });
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    served = jwksOf(current, next);
    const before = count('/jwks');
    expect((await auth.authenticate(await next.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    expect(count('/jwks')).toBe(before + 1);
  });

  it('jku pointing at the same server is refused and not requested', async () => {
    const auth = await remote('/jwks');
    const token = await current.mint(
      { sub: 'alice' },
      { now: NOW, header: { jku: `${server.url}/evil-jwks` } },
    );
    expectFailure(await auth.authenticate(token), 'header_not_allowed', 'jku');
    expect(count('/evil-jwks')).toBe(0);
  });
});

describe('a failing endpoint → keys_unavailable', () => {
  it('timeout: answered within a small multiple of jwks_timeout_ms', async () => {
    const auth = await remote('/hang', { jwks_timeout_ms: 150 });
    const started = performance.now();
    expectFailure(
      await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW })),
      'keys_unavailable',
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(1500);
  });

  it.each(['/error', '/garbage', '/not-a-jwks', '/redirect', '/missing'])('%s', async (path) => {
    const auth = await remote(path);
    expectFailure(
      await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW })),
      'keys_unavailable',
    );
  });

  it('connection refused', async () => {
    const gone = await startServer((_, res) => res.end());
    await gone.close();
    const config = authConfig(
      { jwks_url: `${gone.url}/jwks` },
      { algorithms: ['ES256'], jwks_timeout_ms: 500 },
    );
    const auth = await createAuthenticator(config, { env: {}, now: () => NOW });
    expectFailure(
      await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW })),
      'keys_unavailable',
    );
  });

  it('an injected fetch is used instead of the global one', async () => {
    const seen: string[] = [];
    const config = authConfig(
      { jwks_url: 'https://issuer.example.test/jwks' },
      { algorithms: ['ES256'] },
    );
    const auth = await createAuthenticator(config, {
      env: {},
      now: () => NOW,
      fetch: (input: Parameters<typeof fetch>[0]) => {
        seen.push(input instanceof Request ? input.url : input.toString());
        return Promise.resolve(
          new Response(JSON.stringify(jwksOf(current)), {
            headers: { 'content-type': 'application/json' },
          }),
        );
      },
    });
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    expect(seen).toEqual(['https://issuer.example.test/jwks']);
  });
});

/**
 * A key server whose answer the test sets per request, on its own path so counts are exact.
 * `gate` (when set) holds every answer until released: requests pile up in flight.
 */
function scripted(overrides: Partial<AuthConfig> = {}) {
  const path = `/scripted-${Math.random().toString(36).slice(2)}`;
  const clock = { t: 0 };
  const logs: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const config = authConfig(
    { jwks_url: `${server.url}${path}` },
    { algorithms: ['ES256'], ...overrides },
  );
  return {
    path,
    clock,
    logs,
    fetches: () => count(path),
    create: () =>
      createAuthenticator(config, {
        env: {},
        now: () => NOW + clock.t,
        log: recordingLogger(logs),
      }),
  };
}

describe('an endpoint that fails: a retryable keys_unavailable, never a verdict on the token', () => {
  it('with no key set yet: keys_unavailable, and no fetch until the backoff allows', async () => {
    const setup = scripted({ jwks_failure_backoff_s: 2, jwks_failure_backoff_max_s: 8 });
    scriptedAnswers.set(setup.path, { status: 500 });
    const auth = await setup.create();
    const token = await current.mint({ sub: 'alice' }, { now: NOW });
    // Failures at 0, 2, 6 (2 s then 4 s), 14 and 22 (doubling stops at the 8 s cap).
    const expected: [second: number, fetches: number][] = [
      [0, 1],
      [1.999, 1],
      [2, 2],
      [5.999, 2],
      [6, 3],
      [13.999, 3],
      [14, 4],
      [21.999, 4],
      [22, 5],
    ];
    for (const [second, fetches] of expected) {
      setup.clock.t = second * 1000;
      expectFailure(await auth.authenticate(token), 'keys_unavailable');
      expect(setup.fetches(), `at ${second} s`).toBe(fetches);
    }
    expect(setup.logs.at(-1)).toMatchObject({
      level: 'warn',
      fields: {
        url: `${server.url}${setup.path}`,
        problem: 'status',
        consecutive_failures: 5,
        next_fetch_in_ms: 8000,
        serving: 'nothing',
      },
    });
  });

  it('a known kid keeps verifying on the stale set for jwks_stale_if_error_s past max age, then keys_unavailable', async () => {
    const setup = scripted({
      jwks_cooldown_s: 10,
      jwks_cache_max_age_s: 60,
      jwks_stale_if_error_s: 120,
      token_cache_ttl_s: 3600,
    });
    scriptedAnswers.set(setup.path, { body: jwksOf(current) });
    const auth = await setup.create();
    const token = await current.mint({ sub: 'alice' }, { now: NOW });
    expect((await auth.authenticate(token)).ok).toBe(true);
    scriptedAnswers.set(setup.path, { status: 503 });
    setup.clock.t = 60_000;
    expect((await auth.authenticate(token)).ok).toBe(true);
    expect(setup.fetches()).toBe(2);
    setup.clock.t = 179_999;
    expect((await auth.authenticate(token)).ok).toBe(true);
    setup.clock.t = 180_000;
    expectFailure(await auth.authenticate(token), 'keys_unavailable');
    // Back up: the next fetch the backoff allows brings the keys back.
    scriptedAnswers.set(setup.path, { body: jwksOf(current) });
    setup.clock.t = 10 * 60_000;
    expect((await auth.authenticate(token)).ok).toBe(true);
    expect(setup.logs.at(-1)).toMatchObject({
      level: 'info',
      msg: 'JWKS fetched again after failures',
    });
  });

  it('an unknown kid after a failed refetch is keys_unavailable (the held set may be out of date); after a good one, key_not_found', async () => {
    const setup = scripted({ jwks_cooldown_s: 10, jwks_failure_backoff_s: 5 });
    scriptedAnswers.set(setup.path, { body: jwksOf(current) });
    const auth = await setup.create();
    expect((await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW }))).ok).toBe(
      true,
    );
    const newcomer = await next.mint({ sub: 'bob' }, { now: NOW });
    scriptedAnswers.set(setup.path, { status: 502 });
    setup.clock.t = 10_000;
    expectFailure(await auth.authenticate(newcomer), 'keys_unavailable');
    expect(setup.fetches()).toBe(2);
    // The known key is unaffected.
    expect(
      (await auth.authenticate(await current.mint({ sub: 'alice', jti: 'x' }, { now: NOW }))).ok,
    ).toBe(true);
    scriptedAnswers.set(setup.path, { body: jwksOf(current) });
    setup.clock.t = 15_000;
    expectFailure(await auth.authenticate(newcomer), 'key_not_found', 'kid');
    expect(setup.fetches()).toBe(3);
  });
});

describe('one fetch in flight', () => {
  it('concurrent tokens with unknown kids share one fetch of a slow endpoint', async () => {
    const setup = scripted();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    scriptedAnswers.set(setup.path, { body: jwksOf(current), hold: held });
    const auth = await setup.create();
    const strangers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => createTestKeys('ES256', { kid: `stranger-${i}` })),
    );
    const tokens = await Promise.all(
      [current, ...strangers].flatMap((k) => [
        k.mint({ sub: 'a' }, { now: NOW }),
        k.mint({ sub: 'b' }, { now: NOW }),
      ]),
    );
    const pending = tokens.map((t) => auth.authenticate(t));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(setup.fetches()).toBe(1);
    release();
    const results = await Promise.all(pending);
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok && r.code === 'key_not_found')).toHaveLength(10);
    expect(setup.fetches()).toBe(1);
  });

  it('while the endpoint fails, a flood of random kids sends one fetch per backoff step, not one per token', async () => {
    const setup = scripted({ jwks_failure_backoff_s: 1, jwks_failure_backoff_max_s: 4 });
    scriptedAnswers.set(setup.path, { status: 500 });
    const auth = await setup.create();
    const claims = { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'x', exp: NOW / 1000 + 3600 };
    // 258 tokens a second for 10 s of injected time, each with its own kid (no credential needed).
    for (let i = 0; i < 2580; i += 1) {
      setup.clock.t = Math.floor((i * 1000) / 258);
      const token = rawToken({ alg: 'ES256', kid: `k${i}` }, claims, 'c2lnbmF0dXJl');
      expectFailure(await auth.authenticate(token), 'keys_unavailable');
    }
    // Failures at 0, 1, 3, 7: then the 4 s cap.
    expect(setup.fetches()).toBe(4);
  });
});

describe('size caps: refused with a log line naming the URL and the cap; the held set keeps serving', () => {
  it.each([
    [
      'a body over jwks_max_bytes without Content-Length (chunked)',
      { chunked: 300 * 1024 },
      'too_large',
      /larger than the cap of 262144 bytes \(auth\.jwks_max_bytes\)/,
    ],
    [
      'a Content-Length over jwks_max_bytes',
      { body: { keys: [], pad: 'x'.repeat(300 * 1024) } },
      'too_large',
      /cap of 262144 bytes/,
    ],
    ['an endless body', { endless: true }, 'too_large', /cap of 262144 bytes/],
    [
      'more keys than jwks_max_keys',
      { manyKeys: 101 },
      'too_many_keys',
      /holds 101 keys, more than the cap of 100 \(auth\.jwks_max_keys\)/,
    ],
  ] as const)('%s', async (_name, answer, problem, message) => {
    const setup = scripted({
      jwks_cooldown_s: 10,
      jwks_cache_max_age_s: 60,
      jwks_timeout_ms: 5000,
    });
    scriptedAnswers.set(setup.path, { body: jwksOf(current) });
    const auth = await setup.create();
    const token = await current.mint({ sub: 'alice' }, { now: NOW });
    expect((await auth.authenticate(token)).ok).toBe(true);

    scriptedAnswers.set(setup.path, answer);
    setup.clock.t = 60_000;
    const started = performance.now();
    expect((await auth.authenticate(token)).ok).toBe(true);
    // Refused as the bytes arrive, not by the 5 s timeout.
    expect(performance.now() - started).toBeLessThan(4000);
    expect(setup.fetches()).toBe(2);
    const warning = setup.logs.find((l) => l.level === 'warn');
    expect(warning?.fields).toMatchObject({
      url: `${server.url}${setup.path}`,
      problem,
      serving: 'stale key set',
    });
    expect(String(warning?.fields.error)).toContain(`${server.url}${setup.path}`);
    expect(String(warning?.fields.error)).toMatch(message);
  });

  it('with nothing held yet, an oversized set is keys_unavailable', async () => {
    const setup = scripted();
    scriptedAnswers.set(setup.path, { chunked: 300 * 1024 });
    const auth = await setup.create();
    expectFailure(
      await auth.authenticate(await current.mint({ sub: 'alice' }, { now: NOW })),
      'keys_unavailable',
    );
  });
});

/** A logger that records each line as `{level, msg, fields}`. */
function recordingLogger(
  logs: { level: string; msg: string; fields: Record<string, unknown> }[],
): Logger {
  const emit =
    (level: LogLevel) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      logs.push({ level, msg, fields });
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
