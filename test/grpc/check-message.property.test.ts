/**
 * The gRPC flavour's own parsing, on generated input: `readCheckRequest` never throws, describes a
 * request only for an origin-form path, and hands the surface every header line — lower-cased,
 * pseudo-headers dropped, prototype names kept as plain headers; `toCheckResponse` lets a request
 * through (code OK, `ok_response`) exactly for a 200 answer, and never removes a header it sets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCheckRequest } from '../../src/grpc/check-request.js';
import { toCheckResponse } from '../../src/grpc/check-response.js';
import { fuzzParams } from '../support/fuzz.js';

const headerName = fc.oneof(
  fc.constantFrom(
    'authorization',
    'Authorization',
    'x-org-id',
    'cookie',
    ':path',
    ':authority',
    '__proto__',
    'constructor',
    'x-orgwarden-user',
    'X-Orgwarden-Anything',
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
);
const lines = fc.array(fc.tuple(headerName, fc.string({ maxLength: 20 })), { maxLength: 8 });

const checkRequest = fc.record(
  {
    attributes: fc.oneof(
      fc.constant(null),
      fc.record(
        {
          request: fc.oneof(
            fc.constant(null),
            fc.record(
              {
                http: fc.oneof(
                  fc.constant(null),
                  fc.record(
                    {
                      method: fc.constantFrom('GET', 'DELETE', '', 'GE T', 'get'),
                      path: fc.oneof(fc.constantFrom('', '*', '/', '/api/orgs'), fc.string()),
                      lines,
                      raw: fc.boolean(),
                    },
                    { requiredKeys: [] },
                  ),
                ),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** The generated lines as Envoy would put them in the message (`header_map` or `headers`). */
function toMessage(generated: unknown): unknown {
  const g = generated as {
    attributes?: {
      request?: {
        http?: { method?: string; path?: string; lines?: [string, string][]; raw?: boolean } | null;
      } | null;
    } | null;
  };
  const http = g.attributes?.request?.http;
  if (!http) return g;
  const { lines: hl = [], raw, ...rest } = http;
  const described = raw
    ? {
        header_map: {
          headers: hl.map(([key, value]) => ({ key, raw_value: Buffer.from(value, 'latin1') })),
        },
      }
    : { headers: Object.fromEntries(hl) };
  return { attributes: { request: { http: { ...rest, ...described } } } };
}

describe('readCheckRequest', () => {
  it('never throws; describes a request only for an origin-form path, with every header line', () => {
    fc.assert(
      fc.property(checkRequest, (generated) => {
        const message = toMessage(generated) as Parameters<typeof readCheckRequest>[0];
        const read = readCheckRequest(message);
        const http = message.attributes?.request?.http;
        expect(read.ok).toBe(!!http && (http.path ?? '').startsWith('/'));
        if (!read.ok) return;
        expect(read.value.url).toBe(`/v1/forward-auth${http!.path ?? ''}`);
        const names = Object.keys(read.value.headersDistinct);
        for (const name of names) {
          expect(name).toBe(name.toLowerCase());
          expect(name.startsWith(':')).toBe(false);
        }
        const sent = http!.header_map?.headers?.length
          ? http!.header_map.headers.map((h) => h.key ?? '')
          : Object.keys(http!.headers ?? {});
        const expected = sent.filter((n) => !n.startsWith(':'));
        const counted = names.reduce((n, k) => n + (read.value.headersDistinct[k]?.length ?? 0), 0);
        expect(counted).toBe(expected.length);
      }),
      fuzzParams(500),
    );
  });
});

describe('toCheckResponse', () => {
  const answer = fc.record({
    status: fc.constantFrom(200, 401, 403, 404, 500, 503),
    headers: fc.dictionary(headerName, fc.string({ maxLength: 10 }), { maxKeys: 5 }),
    body: fc.option(fc.record({ error: fc.string(), message: fc.string() }), { nil: null }),
  });

  it('allows exactly a 200 answer, and never lists a header it sets for removal', () => {
    fc.assert(
      fc.property(answer, lines, (a, sent) => {
        const headersDistinct: NodeJS.Dict<string[]> = Object.create(null) as NodeJS.Dict<string[]>;
        for (const [k, v] of sent) (headersDistinct[k.toLowerCase()] ??= []).push(v);
        const response = toCheckResponse(a, { method: 'GET', url: '/', headersDistinct });
        expect(response.status.code === 0).toBe(a.status === 200);
        expect(response.ok_response !== undefined).toBe(a.status === 200);
        expect(response.denied_response !== undefined).toBe(a.status !== 200);
        if (response.ok_response) {
          const set = response.ok_response.headers.map((h) => h.header.key);
          for (const removed of response.ok_response.headers_to_remove) {
            expect(set).not.toContain(removed);
            expect(removed.startsWith('x-orgwarden-')).toBe(true);
          }
        } else {
          expect(response.denied_response!.status.code).toBe(a.status);
          expect(response.status.code).toBe(a.status === 401 ? 16 : 7);
        }
      }),
      fuzzParams(500),
    );
  });
});
