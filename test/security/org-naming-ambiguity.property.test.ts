/**
 * A request that names its org (or its credential) twice is refused the same way on every
 * surface: generated header sets with two org headers whose names differ in case, two
 * `authorization` headers, or two `org_id` cookies (in one Cookie header or two), at any position
 * among other headers and cookies. `/v1/authorize` (the `headers` object) answers 400
 * `invalid_request` and forward-auth refuses with `invalid_request`, both naming the header or the
 * cookie; with only one of the two namings, both decide as usual.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthorizeBody } from '../../src/http/inbound/authorize-body.js';
import { startForwardAuthApp } from '../forward-auth/helpers.js';
import type { App } from '../../src/app.js';
import { caseVariant, fillerCookie, fillerHeader } from '../support/arbitraries.js';
import { postJson, session } from '../support/app.js';
import { fuzzParams } from '../support/fuzz.js';

const NAMES = { org_header: 'X-Org-ID', org_cookie: 'org_id' };
type Entry = [name: string, value: string];

interface Naming {
  kind: 'org header' | 'authorization' | 'org cookie';
  /** Every header in order, both namings included. */
  entries: Entry[];
  /** The same with the second naming left out. */
  single: Entry[];
  /** What the refusal must name. */
  named: string;
}

const ORG = fc.constantFrom('acme', 'globex', 'default');

/** Inserts `items` into `base` at generated positions, keeping their relative order. */
function interleave<T>(base: T[], items: T[], positions: number[]): T[] {
  const out = [...base];
  items.forEach((item, i) => out.splice(Math.min(positions[i] ?? 0, out.length), 0, item));
  return out;
}

/** Two spellings of a header name that are distinct strings (a JSON object cannot hold one twice). */
const twoSpellings = (name: string) =>
  fc.tuple(caseVariant(name), caseVariant(name)).filter(([a, b]) => a !== b);

function naming(tokens: { alice: string; mallory: string }): fc.Arbitrary<Naming> {
  const fillers = fc.array(fillerHeader, { maxLength: 5 });
  const positions = fc.array(fc.nat(6), { minLength: 2, maxLength: 2 });

  const orgHeader = fc
    .tuple(twoSpellings('x-org-id'), ORG, ORG, fillers, positions)
    .map(([[a, b], v1, v2, filler, at]): Naming => {
      const auth: Entry = ['authorization', `Bearer ${tokens.alice}`];
      return {
        kind: 'org header',
        entries: interleave(
          [auth, ...filler],
          [
            [a, v1],
            [b, v2],
          ],
          at,
        ),
        single: interleave([auth, ...filler], [[a, v1]], at),
        named: 'x-org-id is given more than once',
      };
    });

  const authorization = fc
    .tuple(twoSpellings('authorization'), fc.boolean(), fillers, positions)
    .map(([[a, b], swap, filler, at]): Naming => {
      const [first, second] = swap
        ? [tokens.mallory, tokens.alice]
        : [tokens.alice, tokens.mallory];
      const org: Entry = ['x-org-id', 'acme'];
      return {
        kind: 'authorization',
        entries: interleave(
          [org, ...filler],
          [
            [a, `Bearer ${first}`],
            [b, `Bearer ${second}`],
          ],
          at,
        ),
        single: interleave([org, ...filler], [[a, `Bearer ${first}`]], at),
        named: 'authorization is given more than once',
      };
    });

  const cookies = fc
    .tuple(
      ORG,
      ORG,
      fc.array(fillerCookie, { maxLength: 4 }),
      positions,
      fc.boolean(),
      twoSpellings('cookie'),
      fillers,
    )
    .map(([v1, v2, others, at, split, [c1, c2], filler]): Naming => {
      const auth: Entry = ['authorization', `Bearer ${tokens.alice}`];
      const all = interleave(others, [`org_id=${v1}`, `org_id=${v2}`], at);
      const second = all.lastIndexOf(`org_id=${v2}`);
      const withoutSecond = all.filter((_, i) => i !== second);
      // Split: the same cookies over two Cookie headers (browsers and proxies both produce that).
      const half = Math.ceil(all.length / 2);
      const entries: Entry[] =
        split &&
        all.slice(0, half).some((c) => c.startsWith('org_id=')) &&
        all.slice(half).some((c) => c.startsWith('org_id='))
          ? [auth, ...filler, [c1, all.slice(0, half).join('; ')], [c2, all.slice(half).join('; ')]]
          : [auth, ...filler, [c1, all.join('; ')]];
      return {
        kind: 'org cookie',
        entries,
        single: [auth, ...filler, [c1, withoutSecond.join('; ')]],
        named: 'the org_id cookie is given more than once',
      };
    });

  return fc.oneof(orgHeader, authorization, cookies);
}

/** A forward-auth check in Traefik/Caddy style, written to the socket byte for byte. */
function forwardAuthRaw(
  port: number,
  entries: Entry[],
): Promise<{ status: number; body: { error?: string; message?: string } }> {
  const lines = [
    'GET /v1/forward-auth HTTP/1.1',
    'Host: orgwarden.test',
    'X-Forwarded-Method: GET',
    'X-Forwarded-Uri: /api/resources/node/n1',
    ...entries.map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
    '',
    '',
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(lines.join('\r\n')));
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (raw += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
      const text = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      let body: { error?: string; message?: string } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // an allow has no body
      }
      resolve({ status, body });
    });
  });
}

let app: App;
let port: number;
let url: string;
let tokens: { alice: string; mallory: string };

beforeAll(async () => {
  ({ app, port } = await startForwardAuthApp({ multiTenant: true }));
  url = `http://127.0.0.1:${port}`;
  tokens = { alice: await session('alice'), mallory: await session('mallory') };
});
afterAll(() => app.stop());

describe('two namings of the org or the credential', () => {
  it('are refused by the /v1/authorize parser, naming the header or cookie; one naming is read', () => {
    fc.assert(
      fc.property(naming({ alice: 'a.b.c', mallory: 'd.e.f' }), (n) => {
        const refused = parseAuthorizeBody(
          { headers: Object.fromEntries(n.entries), action: 'resource.read' },
          NAMES,
        );
        expect(!refused.ok && refused.message, n.kind).toContain(`headers: ${n.named}`);
        expect(
          parseAuthorizeBody(
            { headers: Object.fromEntries(n.single), action: 'resource.read' },
            NAMES,
          ).ok,
          n.kind,
        ).toBe(true);
      }),
      fuzzParams(2000),
    );
  });

  it('are refused alike by POST /v1/authorize (400) and by forward-auth; one naming gets a decision from both', async () => {
    await fc.assert(
      fc.asyncProperty(naming(tokens), async (n) => {
        const viaAuthorize = await postJson(`${url}/v1/authorize`, {
          headers: Object.fromEntries(n.entries),
          action: 'resource.read',
        });
        expect(viaAuthorize.status, n.kind).toBe(400);
        expect(viaAuthorize.json?.error?.code).toBe('invalid_request');
        expect(viaAuthorize.json?.error?.message).toContain(n.named);

        const viaForwardAuth = await forwardAuthRaw(port, n.entries);
        expect(viaForwardAuth.status, n.kind).toBe(403);
        expect(viaForwardAuth.body.error).toBe('invalid_request');
        expect(viaForwardAuth.body.message).toContain(n.named);

        const decided = await postJson(`${url}/v1/authorize`, {
          headers: Object.fromEntries(n.single),
          action: 'resource.read',
        });
        expect(decided.status, n.kind).toBe(200);
        expect(typeof decided.json?.allow).toBe('boolean');
        const checked = await forwardAuthRaw(port, n.single);
        expect(checked.body.error, n.kind).not.toBe('invalid_request');
      }),
      fuzzParams(40),
    );
  });
});
