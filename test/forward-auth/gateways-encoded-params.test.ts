/**
 * Path parameters through real gateways: the upstream decodes each path segment once, as every
 * router does (`decodeURIComponent`), so orgwarden must check the member the upstream will act
 * on. An admin cannot remove the owner by percent-encoding the owner's id; removing a regular
 * member named in encoded form is allowed, and the upstream decodes the id of that member.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { DecisionLogEntry } from '../../src/observability/decision-log-entry.js';
import { session, startTestApp, TEST_BUNDLE } from '../support/app.js';
import {
  rawRequest,
  startCaddy,
  startNginx,
  startUpstream,
  type Gateway,
  type GatewayTargets,
  type Received,
  type Upstream,
} from './gateway-harness.js';
import { bearer, DEFAULT_ROUTES } from './helpers.js';

const DIRECTORY = path.resolve('test', 'support', 'fixtures', 'directory-encoded-ids.yaml');
let orgwarden: { app: App; port: number };
let logDir: string;
let upstream: Upstream;
let bob: string;

beforeAll(async () => {
  logDir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-encoded-'));
  const { app } = await startTestApp({
    multiTenant: true,
    directoryFile: DIRECTORY,
    extra: {
      policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES },
      decision_log: { sink: 'file', file: path.join(logDir, 'decisions.log') },
    },
  });
  orgwarden = { app, port: (app.http.server.address() as { port: number }).port };
  upstream = await startUpstream();
  bob = await session('bob');
});
afterAll(async () => {
  await Promise.all([orgwarden.app.stop(), upstream.close()]);
  rmSync(logDir, { recursive: true, force: true });
});
beforeEach(() => {
  upstream.received.length = 0;
});

/** The path as the upstream's router sees it: each segment percent-decoded once. */
const routedSegments = (r: Received): string[] =>
  (r.url.split('?')[0] ?? '')
    .split('/')
    .slice(1)
    .map((s) => decodeURIComponent(s));

async function loggedDecision(id: string): Promise<DecisionLogEntry | undefined> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    let text = '';
    try {
      text = readFileSync(path.join(logDir, 'decisions.log'), 'utf8');
    } catch {
      // not written yet
    }
    const entry = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as DecisionLogEntry)
      .find((e) => e.decision_id === id);
    if (entry) return entry;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

// [org, the owner's id, a regular member's id]
const ORGS: [string, string, string][] = [
  ['initech', 'olivia@example.com', 'nina@example.com'],
  ['umbrella', 'zoë ångström', 'paul müller'],
];

describe.each<[string, (t: GatewayTargets) => Promise<Gateway>]>([
  ['nginx', startNginx],
  ['caddy', startCaddy],
])('%s in front of orgwarden', (_name, start) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await start({ orgwardenPort: orgwarden.port, appPort: upstream.port });
    // Runs after the suite, and only when the gateway started.
    return () => gateway.stop();
  });

  it.each(ORGS)(
    'denies an admin of %s removing the owner %j named percent-encoded; the upstream receives nothing',
    async (org, owner) => {
      const res = await rawRequest(gateway.port, {
        method: 'DELETE',
        path: `/api/orgs/${org}/members/${encodeURIComponent(owner)}`,
        headers: bearer(bob),
      });
      expect(res.status, res.body).toBe(403);
      expect(upstream.received).toEqual([]);
    },
  );

  it.each(ORGS)(
    'lets an admin of %s remove a regular member named percent-encoded; the upstream decodes that member',
    async (org, _owner, member) => {
      const res = await rawRequest(gateway.port, {
        method: 'DELETE',
        path: `/api/orgs/${org}/members/${encodeURIComponent(member)}`,
        headers: bearer(bob),
      });
      expect(res.status, res.body).toBe(200);
      expect(upstream.received).toHaveLength(1);
      const got = upstream.received[0]!;
      expect(routedSegments(got)).toEqual(['api', 'orgs', org, 'members', member]);
      const decision = await loggedDecision(String(got.headers['x-orgwarden-decision-id']));
      expect(decision).toMatchObject({
        kind: 'forward_auth',
        action: 'org.members.remove',
        principal: { id: 'bob' },
        effective_org: org,
        allow: true,
      });
    },
  );
});
