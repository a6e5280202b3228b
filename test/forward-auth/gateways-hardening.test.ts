/**
 * The gateway snippets' hygiene, through real NGINX and Caddy in front of a recording upstream
 * that accepts every protocol upgrade: h2c and other non-websocket upgrades are refused before
 * the check and never reach the upstream; a stalled orgwarden is an error within the check's
 * timeout, never a pass-through; the upstream learns the client's address from the connection,
 * not from the client's own X-Forwarded-For, X-Real-IP or Forwarded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { session } from '../support/app.js';
import {
  rawExchange,
  rawRequest,
  startCaddy,
  startNginx,
  startStalledListener,
  startUpstream,
  type Gateway,
  type GatewayTargets,
  type StalledListener,
  type Upstream,
} from './gateway-harness.js';
import { bearer, startForwardAuthApp } from './helpers.js';

let orgwarden: { app: App; port: number };
let upstream: Upstream;
let stalled: StalledListener;
let alice: string;

beforeAll(async () => {
  [orgwarden, upstream, stalled] = await Promise.all([
    startForwardAuthApp({ multiTenant: true }),
    startUpstream(),
    startStalledListener(),
  ]);
  alice = await session('alice');
});
afterAll(async () => {
  await Promise.all([orgwarden.app.stop(), upstream.close(), stalled.close()]);
});
beforeEach(() => {
  upstream.received.length = 0;
});

type Start = (targets: GatewayTargets) => Promise<Gateway>;
interface Quirks {
  /** What the gateway answers when orgwarden does not answer within the check's timeout. */
  stalled: number;
  /** Whether the snippet tunnels an allowed websocket handshake (NGINX's proxy_pass drops Upgrade). */
  tunnelsWebsocket: boolean;
}
const GATEWAYS: [string, Start, Quirks][] = [
  ['nginx', startNginx, { stalled: 503, tunnelsWebsocket: false }],
  ['caddy', startCaddy, { stalled: 504, tunnelsWebsocket: true }],
];

/** A GET of an org route alice (owner of acme) may read, with extra header lines. */
const request = (
  port: number,
  extra: string[],
  path = '/api/orgs/acme/members',
  token: string | null = alice,
) => [
  `GET ${path} HTTP/1.1`,
  `Host: 127.0.0.1:${port}`,
  ...(token ? [`Authorization: Bearer ${token}`] : []),
  ...extra,
  'Connection: close',
];
// Connection: close comes last and a second Connection line would be merged: the upgrade cases
// carry their own Connection line first, which is what h2c smugglers send.
const H2C = [
  'Upgrade: h2c',
  'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
  'Connection: Upgrade, HTTP2-Settings',
];

describe.each(GATEWAYS)('%s in front of orgwarden', (_name, start, quirks) => {
  let gateway: Gateway;
  let stalledGateway: Gateway;
  beforeAll(async () => {
    [gateway, stalledGateway] = await Promise.all([
      start({ orgwardenPort: orgwarden.port, appPort: upstream.port }),
      start({ orgwardenPort: stalled.port, appPort: upstream.port }),
    ]);
    // Runs after the suite, and only when both started.
    return async () => {
      await Promise.all([gateway.stop(), stalledGateway.stop()]);
    };
  });

  describe('protocol upgrades', () => {
    it('refuses an h2c upgrade (Upgrade: h2c, Connection: Upgrade, HTTP2-Settings) before the check; the upstream never sees it', async () => {
      const res = await rawExchange(gateway.port, request(gateway.port, H2C));
      expect(res.status, res.head).toBe(400);
      expect(upstream.received).toEqual([]);
    });

    const refused: [string, string[]][] = [
      ['h2c in capitals', ['Upgrade: H2C', 'Connection: Upgrade']],
      ['h2c without HTTP2-Settings', ['Upgrade: h2c', 'Connection: Upgrade']],
      [
        'HTTP2-Settings without Upgrade',
        ['HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA', 'Connection: HTTP2-Settings'],
      ],
      ['websocket listed with h2c', ['Upgrade: websocket, h2c', 'Connection: Upgrade']],
      ['h2c listed with websocket', ['Upgrade: h2c, websocket', 'Connection: Upgrade']],
      ['a TLS upgrade', ['Upgrade: TLS/1.2', 'Connection: Upgrade']],
      ['a made-up protocol', ['Upgrade: orgwarden-tunnel', 'Connection: Upgrade']],
    ];
    it.each(refused)(
      'refuses %s (400 upgrade_refused); the upstream never sees it',
      async (_case, lines) => {
        const res = await rawExchange(gateway.port, request(gateway.port, lines));
        expect(res.status, res.head).toBe(400);
        expect(res.head).toMatch(/content-type: application\/json/i);
        expect(upstream.received).toEqual([]);
      },
    );

    it('never hands the upstream an upgrade other than websocket, whatever the Upgrade lines say', async () => {
      for (const lines of [
        ['Upgrade: websocket', 'Upgrade: h2c'],
        ['Upgrade: h2c', 'Upgrade: websocket'],
      ]) {
        const res = await rawExchange(
          gateway.port,
          request(gateway.port, [...lines, 'Connection: Upgrade']),
        );
        // Refused (Caddy; NGINX when h2c comes first), or forwarded as a plain request (NGINX's
        // proxy_pass drops Upgrade): never switched.
        expect(res.status, res.head).not.toBe(101);
      }
      expect(
        upstream.received.filter(
          (r) => r.upgrade !== undefined && r.upgrade.toLowerCase() !== 'websocket',
        ),
      ).toEqual([]);
      expect(upstream.received.filter((r) => /h2c/i.test(r.headers.upgrade ?? ''))).toEqual([]);
    });

    it(`${quirks.tunnelsWebsocket ? 'passes' : 'forwards without its Upgrade'} a websocket handshake that orgwarden allows`, async () => {
      const res = await rawExchange(
        gateway.port,
        request(gateway.port, [
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        ]),
      );
      expect(res.status, res.head).toBe(quirks.tunnelsWebsocket ? 101 : 200);
      expect(upstream.received).toHaveLength(1);
      const got = upstream.received[0]!;
      expect(got.upgrade).toBe(quirks.tunnelsWebsocket ? 'websocket' : undefined);
      expect([
        got.headers['x-orgwarden-user'],
        got.headers['x-orgwarden-org'],
        got.headers['x-orgwarden-role'],
      ]).toEqual(['alice', 'acme', 'owner']);
    });

    it('answers a websocket handshake orgwarden denies with the deny; the upstream never sees it', async () => {
      const res = await rawExchange(
        gateway.port,
        request(
          gateway.port,
          [
            'Upgrade: websocket',
            'Connection: Upgrade',
            'Sec-WebSocket-Version: 13',
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          ],
          '/api/orgs/acme/members',
          null,
        ),
      );
      expect(res.status, res.head).toBe(401);
      expect(upstream.received).toEqual([]);
    });
  });

  it(`answers ${quirks.stalled} when orgwarden accepts the check and never answers; the upstream never sees the request`, async () => {
    const accepted = stalled.accepted();
    // Without a timeout on the check, NGINX would wait 60 s and Caddy for ever: the client's
    // own 10 s deadline would fail this test first.
    const res = await rawRequest(stalledGateway.port, {
      path: '/api/orgs/acme/members',
      headers: bearer(alice),
      timeoutMs: 10_000,
    });
    expect(res.status).toBe(quirks.stalled);
    expect(stalled.accepted()).toBeGreaterThan(accepted);
    expect(upstream.received).toEqual([]);
  });

  it("tells the upstream the connection's address, never the client's X-Forwarded-For, X-Real-IP or Forwarded", async () => {
    const res = await rawRequest(gateway.port, {
      path: '/api/orgs/acme/members',
      headers: {
        ...bearer(alice),
        'X-Forwarded-For': '203.0.113.7',
        'X-Real-IP': '203.0.113.7',
        Forwarded: 'for=203.0.113.7;proto=https;host=evil.example',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'evil.example',
      },
    });
    expect(res.status).toBe(200);
    const got = upstream.received[0]!;
    expect(got.remoteAddress).toBe('127.0.0.1');
    expect(got.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      forwarded: 'for=127.0.0.1;proto=http',
      'x-forwarded-proto': 'http',
    });
    const values = got.rawHeaders.filter((_v, i) => i % 2 === 1).join('\n');
    expect(values).not.toMatch(/203\.0\.113\.7|evil\.example|https/);
  });
});

describe.each<[string, (t: GatewayTargets) => Promise<Gateway>]>([
  ['nginx', (t) => startNginx(t, { ipv6: true })],
  ['caddy', (t) => startCaddy(t, { ipv6: true })],
])('%s with a client on IPv6', (_name, start) => {
  it('gives the upstream Forwarded with the address quoted in brackets, as RFC 7239 wants', async () => {
    const gateway = await start({ orgwardenPort: orgwarden.port, appPort: upstream.port });
    try {
      const res = await rawRequest(gateway.port, {
        host: '::1',
        path: '/api/orgs/acme/members',
        headers: {
          ...bearer(alice),
          Host: `127.0.0.1:${gateway.port}`,
          Forwarded: 'for=203.0.113.7',
        },
      });
      expect(res.status, gateway.output()).toBe(200);
      expect(upstream.received[0]!.headers).toMatchObject({
        forwarded: 'for="[::1]";proto=http',
        'x-forwarded-for': '::1',
        'x-real-ip': '::1',
      });
    } finally {
      await gateway.stop();
    }
  });
});

describe('nginx server settings around the snippet', () => {
  it('with ignore_invalid_headers off (and underscores off) passes underscore spellings under a name no directive matches: keep it on', async () => {
    // The documented reason the snippet needs ignore_invalid_headers on (the default): NGINX
    // keeps the invalid header, and its lower-case key drops the `_`, so no proxy_set_header
    // line can replace it.
    const gateway = await startNginx(
      { orgwardenPort: orgwarden.port, appPort: upstream.port },
      { serverDirectives: ['ignore_invalid_headers off;'] },
    );
    try {
      const res = await rawRequest(gateway.port, {
        path: '/api/orgs/acme/members',
        headers: { ...bearer(alice), X_Orgwarden_Role: 'viewer' },
      });
      expect(res.status).toBe(200);
      expect(upstream.received[0]!.headers.x_orgwarden_role).toBe('viewer');
    } finally {
      await gateway.stop();
    }
  });
});
