/**
 * The JWKS refetch budget (finding: one client made one sidecar fetch the JWKS 258 times a
 * second by sending tokens with unknown `kid`s while the endpoint failed).
 *
 * For generated configs, sequences of token batches (known kids, a key re-made under a known kid,
 * random kids), injected times and key-server outcomes (a key set, 500, timeout, connection
 * error, garbage, oversize, too many keys), the key server sees:
 * - at most one fetch in flight;
 * - each fetch start no sooner after the previous one settled than the budget allows:
 *   `jwks_cooldown_s` after a success, `jwks_failure_backoff_s · 2^(n−1)` capped at
 *   `jwks_failure_backoff_max_s` after the n-th failure in a row;
 * - so at most 1 + elapsed / min(cooldown, backoff) fetches in all.
 * And every token gets an answer, never a throw: ok only with a key of the latest good key set
 * (so a removed key stops at the refresh that drops it, cached verifications included);
 * key_not_found only when the issuer's latest answer was good; keys_unavailable only when it was
 * a failure or no usable set is held.
 */
import fc from 'fast-check';
import type { JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/authn/index.js';
import type { AuthResult } from '../../src/authn/types.js';
import { NOW, authConfig, rawToken } from '../authn/helpers.js';
import { attackerKid, keyServerOutcome, type KeyServerOutcome } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  createTestKeys,
  jwksOf,
  type TestKeys,
} from '../support/tokens.js';

const MAX_BYTES = 4096;
const MAX_KEYS = 3;
/** Long enough for an answer in hand to be read; a hanging answer costs this much real time. */
const TIMEOUT_MS = 20;

/** Named key sets the server may serve; `k1r` is a different key published under kid k1. */
let sets: Record<string, JSONWebKeySet>;
/** Signed tokens by key name, and which key each set holds by name. */
let signed: Record<string, string>;
let holds: Record<string, Set<string>>;
let k1: TestKeys;

beforeAll(async () => {
  const [a, b, ar] = await Promise.all([
    createTestKeys('ES256', { kid: 'k1' }),
    createTestKeys('ES256', { kid: 'k2' }),
    createTestKeys('ES256', { kid: 'k1' }),
  ]);
  k1 = a;
  sets = { A: jwksOf(a), B: jwksOf(a, b), C: jwksOf(ar, b) };
  holds = { A: new Set(['k1']), B: new Set(['k1', 'k2']), C: new Set(['k1r', 'k2']) };
  const lifetime = {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat: NOW / 1000,
    exp: NOW / 1000 + 86_400,
  };
  signed = {
    k1: await a.mint({ sub: 'alice', ...lifetime }),
    k2: await b.mint({ sub: 'bob', ...lifetime }),
    k1r: await ar.mint({ sub: 'carol', ...lifetime }),
  };
});

type TokenChoice = { signedBy: 'k1' | 'k2' | 'k1r' } | { kid: string };

const tokenChoice: fc.Arbitrary<TokenChoice> = fc.oneof(
  fc.constantFrom('k1', 'k2', 'k1r' as const).map((signedBy) => ({ signedBy })),
  attackerKid.map((kid) => ({ kid })),
);

const budget = fc
  .record({
    cooldownS: fc.integer({ min: 1, max: 30 }),
    backoffS: fc.integer({ min: 1, max: 10 }),
    backoffExtraS: fc.integer({ min: 0, max: 60 }),
    maxAgeExtraS: fc.integer({ min: 0, max: 90 }),
    staleS: fc.integer({ min: 0, max: 300 }),
  })
  .map((b) => ({
    ...b,
    backoffMaxS: b.backoffS + b.backoffExtraS,
    maxAgeS: b.cooldownS + b.maxAgeExtraS,
  }));

const scenario = fc.record({
  budget,
  batches: fc.array(
    fc.record({
      // mostly small steps (bursts inside one cooldown), sometimes long ones (past max age)
      advanceMs: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 200_000 })),
      tokens: fc.array(tokenChoice, { minLength: 1, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 16 },
  ),
  outcomes: fc.array(keyServerOutcome(['A', 'B', 'C']), { minLength: 1, maxLength: 16 }),
});

interface Fetch {
  startMs: number;
  settledMs: number | null;
  outcome: KeyServerOutcome;
  /** The client's deadline: aborted only if it passed before the client was done (it clears it after). */
  signal: AbortSignal | undefined;
}

/** Whether the client got this key set: the server served it and the client's deadline did not cut it off. */
const setGot = (f: Fetch | undefined): string | null =>
  f !== undefined && 'ok' in f.outcome && f.settledMs !== null && f.signal?.aborted !== true
    ? f.outcome.ok
    : null;

/** A key server in process: answers with the scripted outcomes, counting what is in flight. */
function fakeKeyServer(clock: { t: number }, outcomes: KeyServerOutcome[]) {
  const fetches: Fetch[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const settle = (record: Fetch) => {
    if (record.settledMs !== null) return;
    inFlight -= 1;
    record.settledMs = clock.t;
  };
  const fetchImpl = (async (_input: unknown, init?: RequestInit) => {
    const outcome = outcomes[fetches.length % outcomes.length] as KeyServerOutcome;
    const record: Fetch = {
      startMs: clock.t,
      settledMs: null,
      outcome,
      signal: init?.signal ?? undefined,
    };
    fetches.push(record);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Answer a turn of the event loop later, so callers in the same batch overlap with it.
    await new Promise((resolve) => setImmediate(resolve));
    if ('fail' in outcome && outcome.fail === 'timeout') {
      const signal = init?.signal;
      await new Promise<void>((resolve) =>
        signal?.aborted
          ? resolve()
          : signal?.addEventListener('abort', () => resolve(), { once: true }),
      );
      settle(record);
      throw new DOMException('The operation was aborted.', 'AbortError');
    }
    if ('fail' in outcome && outcome.fail === 'network') {
      settle(record);
      throw new TypeError('fetch failed');
    }
    const [status, text] = answer(outcome);
    const bytes = new TextEncoder().encode(text);
    // highWaterMark 0: nothing is pulled until the client reads, so "settled" means read or cancelled.
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          controller.enqueue(bytes);
          controller.close();
          settle(record);
        },
        cancel() {
          settle(record);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetchImpl, fetches, maxInFlight: () => maxInFlight, inFlight: () => inFlight };
}

function answer(outcome: KeyServerOutcome): [number, string] {
  if ('ok' in outcome) return [200, JSON.stringify(sets[outcome.ok])];
  switch (outcome.fail) {
    case 'status_500':
      return [500, '{"error":"down"}'];
    case 'garbage':
      return [200, '<html>maintenance</html>'];
    case 'too_large':
      return [200, JSON.stringify({ ...sets.B, pad: 'x'.repeat(MAX_BYTES) })];
    case 'too_many_keys':
      return [
        200,
        JSON.stringify({
          keys: Array.from({ length: MAX_KEYS + 1 }, (_, i) => ({
            ...k1.publicJwk,
            kid: `many-${i}`,
          })),
        }),
      ];
    default:
      throw new TypeError(`no body for ${outcome.fail}`);
  }
}

function tokenFor(choice: TokenChoice): string {
  if ('signedBy' in choice) return signed[choice.signedBy] as string;
  return rawToken(
    { alg: 'ES256', kid: choice.kid },
    { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'x', exp: NOW / 1000 + 3600 },
    'c2lnbmF0dXJl',
  );
}

function latestGoodSet(fetches: Fetch[]): Fetch | undefined {
  return fetches.filter((f) => setGot(f) !== null).at(-1);
}

const KEY_CODES = new Set(['key_not_found', 'keys_unavailable', 'signature_invalid']);

describe('JWKS refetch budget', () => {
  it('one fetch in flight, none sooner than the cooldown or backoff allows; a key verifies only from the latest good set; an outage is never key_not_found', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ budget: b, batches, outcomes }) => {
        const clock = { t: 0 };
        const server = fakeKeyServer(clock, outcomes);
        const config = authConfig(
          { jwks_url: 'https://idp.example.test/jwks' },
          {
            algorithms: ['ES256'],
            jwks_timeout_ms: TIMEOUT_MS,
            jwks_cooldown_s: b.cooldownS,
            jwks_cache_max_age_s: b.maxAgeS,
            jwks_stale_if_error_s: b.staleS,
            jwks_failure_backoff_s: b.backoffS,
            jwks_failure_backoff_max_s: b.backoffMaxS,
            jwks_max_bytes: MAX_BYTES,
            jwks_max_keys: MAX_KEYS,
          },
        );
        const auth = await createAuthenticator(config, {
          env: {},
          now: () => NOW + clock.t,
          fetch: server.fetchImpl,
        });

        for (const batch of batches) {
          clock.t += batch.advanceMs;
          const heldBefore = latestGoodSet(server.fetches);
          const results: AuthResult[] = await Promise.all(
            batch.tokens.map((choice) => auth.authenticate(tokenFor(choice))),
          );
          expect(server.inFlight()).toBe(0);
          const heldAfter = latestGoodSet(server.fetches);
          const lastFetch = server.fetches.at(-1);
          const lastFailed = lastFetch !== undefined && setGot(lastFetch) === null;
          const usable = (f: Fetch | undefined) =>
            f !== undefined && clock.t < (f.settledMs as number) + (b.maxAgeS + b.staleS) * 1000;
          for (const [i, result] of results.entries()) {
            const choice = batch.tokens[i] as TokenChoice;
            if (result.ok) {
              // Removal bound: accepted only with a key of the latest good set (the one held when
              // the batch began, or one fetched during it), while that set is usable; a set past
              // its max age only while the issuer's latest answer was a failure.
              expect('signedBy' in choice).toBe(true);
              const key = (choice as { signedBy: string }).signedBy;
              const by = [heldBefore, heldAfter].filter(
                (f) => holds[setGot(f) ?? '']?.has(key) === true && usable(f),
              );
              expect(by.length).toBeGreaterThan(0);
              if (by.every((f) => clock.t >= (f?.settledMs as number) + b.maxAgeS * 1000))
                expect(lastFailed).toBe(true);
            } else {
              expect(KEY_CODES.has(result.code), result.code).toBe(true);
              // "No such key" only on the word of the issuer's latest answer; an outage is never a verdict.
              if (result.code === 'key_not_found') expect(lastFailed).toBe(false);
              if (result.code === 'keys_unavailable')
                expect(lastFailed || !usable(heldAfter)).toBe(true);
            }
          }
        }

        expect(server.maxInFlight()).toBeLessThanOrEqual(1);
        const policy = {
          cooldownMs: b.cooldownS * 1000,
          backoffMs: b.backoffS * 1000,
          backoffMaxMs: b.backoffMaxS * 1000,
        };
        let failures = 0;
        for (let i = 1; i < server.fetches.length; i += 1) {
          const previous = server.fetches[i - 1] as Fetch;
          failures = setGot(previous) !== null ? 0 : failures + 1;
          const wait =
            failures === 0
              ? policy.cooldownMs
              : Math.min(policy.backoffMs * 2 ** (failures - 1), policy.backoffMaxMs);
          expect(
            (server.fetches[i] as Fetch).startMs - (previous.settledMs as number),
          ).toBeGreaterThanOrEqual(wait);
        }
        const elapsedMs = clock.t;
        const minGapMs = Math.min(b.cooldownS, b.backoffS) * 1000;
        expect(server.fetches.length).toBeLessThanOrEqual(1 + Math.floor(elapsedMs / minGapMs));
      }),
      fuzzParams(120, 2000),
    );
  });
});
