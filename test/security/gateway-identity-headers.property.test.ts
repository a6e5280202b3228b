/**
 * Through the shipped gateway snippets, run for real, the upstream never receives a client's
 * value for an identity header, whatever spelling carries it: every case mix of the name, each
 * `-` as `-` or `_` (a CGI/WSGI-style upstream reads all of them as the same HTTP_X_ORGWARDEN_*
 * variable). Its view of each identity header is exactly what orgwarden answered. NGINX is run as
 * shipped and with `underscores_in_headers on`, which lets underscore names in (with
 * `ignore_invalid_headers off` and underscores off, NGINX passes them under a name no directive
 * matches: unsupported, see docs/gateways.md and gateways-hardening.test.ts). Each case is a real
 * round trip through the gateway.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { IDENTITY_HEADERS } from '../../src/surfaces/forward-auth/answer.js';
import {
  rawRequest,
  startCaddy,
  startNginx,
  startUpstream,
  type Gateway,
  type GatewayTargets,
  type Received,
  type Upstream,
} from '../forward-auth/gateway-harness.js';
import { bearer, startForwardAuthApp } from '../forward-auth/helpers.js';
import { cgiName, headerSpelling } from '../support/arbitraries.js';
import { apiToken, session } from '../support/app.js';
import { fuzzParams } from '../support/fuzz.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const NAMES = Object.values(IDENTITY_HEADERS);
/** What a forger would claim in each header (plausible values, so only the count can tell). */
const FORGED: Record<string, string> = {
  [IDENTITY_HEADERS.user]: 'erin',
  [IDENTITY_HEADERS.org]: 'globex',
  [IDENTITY_HEADERS.role]: 'owner',
  [IDENTITY_HEADERS.kind]: 'session',
  [IDENTITY_HEADERS.decision]: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
};

interface Caller {
  path: string;
  token: () => string;
  /** What orgwarden answers for this caller; '' = an empty header or none. */
  expected: Record<string, string>;
}

let orgwarden: { app: App; port: number };
let upstream: Upstream;
const tokens: Record<string, string> = {};
const CALLERS: Record<'session' | 'apiToken', Caller> = {
  session: {
    path: '/api/orgs/acme/members',
    token: () => tokens.alice!,
    expected: {
      [IDENTITY_HEADERS.user]: 'alice',
      [IDENTITY_HEADERS.org]: 'acme',
      [IDENTITY_HEADERS.role]: 'owner',
      [IDENTITY_HEADERS.kind]: 'session',
    },
  },
  apiToken: {
    path: '/api/resources/node/n1',
    token: () => tokens.acmeToken!,
    expected: {
      [IDENTITY_HEADERS.user]: 'tok-acme',
      [IDENTITY_HEADERS.org]: 'acme',
      [IDENTITY_HEADERS.role]: '',
      [IDENTITY_HEADERS.kind]: 'api_token',
    },
  },
};

beforeAll(async () => {
  [orgwarden, upstream] = await Promise.all([
    startForwardAuthApp({ multiTenant: true }),
    startUpstream(),
  ]);
  tokens.alice = await session('alice');
  tokens.acmeToken = await apiToken('tok-acme', { scope: '*', org_id: 'acme' });
});
afterAll(async () => {
  await Promise.all([orgwarden.app.stop(), upstream.close()]);
});

/** The upstream's CGI view: every value it got for each identity header, any spelling. */
function cgiView(received: Received): Map<string, string[]> {
  const view = new Map<string, string[]>(NAMES.map((n) => [cgiName(n), []]));
  for (let i = 0; i < received.rawHeaders.length; i += 2)
    view.get(cgiName(received.rawHeaders[i]!))?.push(received.rawHeaders[i + 1] ?? '');
  return view;
}

const spelledIdentityHeader = fc
  .constantFrom(...NAMES)
  .chain((name) => headerSpelling(name).map((spelling) => ({ name, spelling })));
const forgery = fc.record({
  caller: fc.constantFrom<keyof typeof CALLERS>('session', 'apiToken'),
  headers: fc.uniqueArray(spelledIdentityHeader, {
    minLength: 1,
    maxLength: 6,
    selector: (h) => h.spelling.toLowerCase(),
  }),
});

const GATEWAYS: [string, (t: GatewayTargets) => Promise<Gateway>][] = [
  ['nginx as shipped', (t) => startNginx(t)],
  [
    'nginx with underscores_in_headers on',
    (t) => startNginx(t, { serverDirectives: ['underscores_in_headers on;'] }),
  ],
  [
    'nginx with underscores_in_headers on, ignore_invalid_headers off',
    (t) =>
      startNginx(t, {
        serverDirectives: ['underscores_in_headers on;', 'ignore_invalid_headers off;'],
      }),
  ],
  ['caddy', (t) => startCaddy(t)],
];

describe.each(GATEWAYS)('%s', (_name, start) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await start({ orgwardenPort: orgwarden.port, appPort: upstream.port });
    // Runs after the suite, and only when the gateway started.
    return () => gateway.stop();
  });

  it('never lets a client-sent spelling of an identity header reach the upstream', async () => {
    await fc.assert(
      fc.asyncProperty(forgery, async ({ caller, headers }) => {
        const who = CALLERS[caller];
        upstream.received.length = 0;
        const forged = Object.fromEntries(headers.map((h) => [h.spelling, FORGED[h.name]!]));
        const res = await rawRequest(gateway.port, {
          path: who.path,
          headers: { ...bearer(who.token()), ...forged },
        });
        expect(res.status, gateway.output()).toBe(200);
        expect(upstream.received).toHaveLength(1);
        const view = cgiView(upstream.received[0]!);
        for (const [name, value] of Object.entries(who.expected)) {
          // An empty value may arrive as an empty header (Caddy) or none (NGINX): never as another.
          expect(
            view.get(cgiName(name))!.filter((v) => v !== ''),
            name,
          ).toEqual(value === '' ? [] : [value]);
        }
        const decision = view.get(cgiName(IDENTITY_HEADERS.decision))!;
        expect(decision).toHaveLength(1);
        expect(decision[0]).toMatch(ULID);
        expect(decision[0]).not.toBe(FORGED[IDENTITY_HEADERS.decision]);
      }),
      fuzzParams(60, 2000),
    );
  });
});
