/**
 * JWKS size caps (finding: a 400 MB key set was accepted and 1.85 GB held). For generated bodies
 * around the byte cap, cut into arbitrary chunks, with a Content-Length that is absent, true, or
 * a lie in either direction, and for generated key counts around the key cap:
 * - a body is refused as too large exactly when its bytes, or the length it declares, pass the
 *   cap; a lying Content-Length never lets an oversized body through;
 * - the client stops reading within one chunk of the cap (it never holds the whole body);
 * - a body within the cap is refused for its keys exactly when it holds more than the key cap.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { JwksFetchError, fetchJwks } from '../../src/authn/keys/jwks-fetch.js';
import { fuzzParams } from '../support/fuzz.js';
import { createTestKeys, type TestKeys } from '../support/tokens.js';

const URL_ = new URL('https://idp.example.test/jwks');
let key: TestKeys;

beforeAll(async () => {
  key = await createTestKeys('ES256', { kid: 'k' });
});

const lengthHeader = fc.constantFrom('absent', 'true', 'lies_low', 'lies_high' as const);

const scenario = fc.record({
  maxBytes: fc.integer({ min: 1024, max: 8192 }),
  maxKeys: fc.integer({ min: 1, max: 6 }),
  keys: fc.integer({ min: 1, max: 9 }),
  // padding relative to the cap: well under it, around it, far over it
  extraBytes: fc.oneof(fc.integer({ min: -400, max: 400 }), fc.integer({ min: 0, max: 20_000 })),
  chunkBytes: fc.integer({ min: 1, max: 3000 }),
  length: lengthHeader,
});

describe('JWKS size caps', () => {
  it('refuses exactly the bodies over the byte cap (whatever Content-Length says) and the sets over the key cap, reading at most a chunk past the cap', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        async ({ maxBytes, maxKeys, keys, extraBytes, chunkBytes, length }) => {
          const json = JSON.stringify({
            keys: Array.from({ length: keys }, (_, i) => ({ ...key.publicJwk, kid: `k${i}` })),
          });
          const bytes = new TextEncoder().encode(
            json + ' '.repeat(Math.max(0, maxBytes + extraBytes - json.length)),
          );
          const declared = {
            absent: null,
            true: bytes.length,
            lies_low: Math.min(bytes.length, 100),
            lies_high: bytes.length + maxBytes,
          }[length];

          let pulled = 0;
          let offset = 0;
          const body = new ReadableStream<Uint8Array>(
            {
              pull(controller) {
                if (offset >= bytes.length) {
                  controller.close();
                  return;
                }
                const chunk = bytes.subarray(offset, offset + chunkBytes);
                offset += chunk.length;
                pulled += chunk.length;
                controller.enqueue(chunk);
              },
            },
            { highWaterMark: 0 },
          );
          const headers = new Headers({ 'content-type': 'application/json' });
          if (declared !== null) headers.set('content-length', String(declared));
          const fakeFetch = (() =>
            Promise.resolve(new Response(body, { status: 200, headers }))) as typeof fetch;

          const outcome = await fetchJwks(
            URL_,
            { timeoutMs: 5000, maxBytes, maxKeys },
            fakeFetch,
          ).then(
            (jwks) => ({ ok: true as const, keys: jwks.keys.length }),
            (error: unknown) => ({ ok: false as const, error }),
          );

          const tooLarge = bytes.length > maxBytes || (declared !== null && declared > maxBytes);
          if (tooLarge) {
            expect(outcome.ok).toBe(false);
            const error = (outcome as { error: unknown }).error;
            expect(error).toBeInstanceOf(JwksFetchError);
            expect((error as JwksFetchError).problem).toBe('too_large');
            expect((error as JwksFetchError).message).toBe(
              `auth.jwks_url: ${URL_.href} is larger than the cap of ${maxBytes} bytes (auth.jwks_max_bytes)`,
            );
          } else if (keys > maxKeys) {
            expect((outcome as { error: unknown }).error).toMatchObject({
              problem: 'too_many_keys',
            });
            expect(String((outcome as { error: unknown }).error)).toContain(
              `more than the cap of ${maxKeys} (auth.jwks_max_keys)`,
            );
          } else {
            expect(outcome).toEqual({ ok: true, keys });
          }
          expect(pulled).toBeLessThanOrEqual(maxBytes + chunkBytes);
        },
      ),
      fuzzParams(400),
    );
  });
});
