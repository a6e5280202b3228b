/**
 * A rolling restart of two orgwarden replicas behind a real NGINX (the forward-auth snippet from
 * deploy/gateways/, both replicas in one upstream with keepalive): keep-alive clients send
 * forward-auth checked requests and `POST /v1/authorize` through NGINX while replica A is
 * stopped with SIGTERM and started again, then B. No client request fails: each gets orgwarden's
 * answer (or the upstream's, once allowed), never a 502/503/504 from NGINX.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { session, testConfigDoc, TEST_BUNDLE } from '../support/app.js';
import { createCommandRunner, type Served } from '../support/command.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import {
  freePort,
  startNginx,
  startUpstream,
  type Gateway,
  type Upstream,
} from '../forward-auth/gateway-harness.js';
import { DEFAULT_ROUTES } from '../forward-auth/helpers.js';
import { startLoad, type LoadRequest } from './shutdown-load.js';

const orgwarden = createCommandRunner({
  env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
});
let upstream: Upstream;
let nginx: Gateway;
let config: string;
const ports: number[] = [];
const FAIL_TIMEOUT_S = 1;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-rolling-'));
  config = path.join(dir, 'orgwarden.yaml');
  const doc = testConfigDoc({ multiTenant: true });
  writeFileSync(
    config,
    stringify({
      ...doc,
      server: { host: '127.0.0.1', shutdown_delay_s: 1, shutdown_timeout_s: 5 },
      policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES },
    }),
  );
  ports.push(await freePort(), await freePort());
  upstream = await startUpstream();
  nginx = await startNginx(
    { orgwardenPort: ports[0]!, appPort: upstream.port },
    {
      orgwardenUpstream: [
        ...ports.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=${FAIL_TIMEOUT_S}s;`),
        'keepalive 16;',
      ],
      // The decision API through the same gateway, as docs/gateways.md shows it.
      serverDirectives: [
        `location = /v1/authorize {
            proxy_pass http://orgwarden;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout non_idempotent;
        }`,
      ],
    },
  );
});
afterAll(async () => {
  orgwarden.killAll();
  await Promise.all([nginx.stop(), upstream.close()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`replica on ${port} not ready`);
    await sleep(50);
  }
}

/** SIGTERM, a clean exit, and a new process on the same port, ready (killAll stops it). */
async function restart(replica: Served, port: number): Promise<void> {
  replica.child.kill('SIGTERM');
  expect(await replica.exited).toBe(0);
  expect(replica.logs()).toContain('"msg":"stopped","drained":true');
  await orgwarden.serve(config, {}, port);
  await waitReady(port);
}

it('no request fails while both replicas restart in turn', async () => {
  const [a, b] = await Promise.all(ports.map((p) => orgwarden.serve(config, {}, p)));
  await Promise.all(ports.map(waitReady));
  const token = await session('alice');
  const decision = JSON.stringify({ token, org: 'acme', action: 'org.read' });
  const load = startLoad({
    port: nginx.port,
    clients: 32,
    stopWhenRefused: false,
    request: (client): LoadRequest =>
      client % 2 === 0
        ? { method: 'GET', path: '/api/orgs/acme', headers: { authorization: `Bearer ${token}` } }
        : {
            method: 'POST',
            path: '/v1/authorize',
            headers: { 'content-type': 'application/json' },
            body: decision,
          },
  });
  await sleep(500);
  await restart(a!, ports[0]!);
  // NGINX keeps a replica out for fail_timeout after its last failed attempt (A refused while it
  // was down): the next replica is stopped once that has passed, as docs/gateways.md says.
  await sleep(FAIL_TIMEOUT_S * 1000 + 500);
  await restart(b!, ports[1]!);
  await sleep(500);
  const report = await load.stop();

  expect(report.failures, nginx.output()).toEqual([]);
  expect(report.refused + report.resetFresh).toBe(0);
  expect(report.statuses).toEqual({ 200: report.answered });
  expect(report.answered).toBeGreaterThan(100);
  expect(upstream.received.every((r) => r.headers['x-orgwarden-user'] === 'alice')).toBe(true);
  console.log(
    `rolling restart behind nginx: ${report.answered} answered, 0 failed (${upstream.received.length} checked requests reached the upstream)`,
  );
}, 60_000);
