/**
 * The explorer's routes over HTTP against a real app: who may open them (HTTP Basic with an admin
 * credential's token, or Bearer; 401 with a Basic challenge; 403 for a token that is no
 * credential's), the security headers, the recent decisions and their filters, the overview, and
 * `ui.enabled: false`. The page itself is tested in Chromium (explorer.browser.test.ts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { App } from '../../src/app.js';
import { loadUiAssets } from '../../src/http/ui-assets.js';
import { apiToken, postJson, session, startTestApp, testConfigDoc } from '../support/app.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const AUDITOR_TOKEN = 'auditor-token-0123456789abcdef';
const basic = (password: string, user = 'reviewer') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let app: App;
let url: string;
beforeAll(async () => {
  ({ app, url } = await startTestApp({
    extra: {
      admin: {
        token_env: 'ORGWARDEN_ADMIN_TOKEN',
        credentials: [{ name: 'reviewer', role: 'auditor', token_env: 'AUDITOR_TOKEN' }],
      },
      ui: { recent_decisions: 5 },
    },
    env: { AUDITOR_TOKEN },
  }));
});
afterAll(() => app.stop());

const get = (path: string, authorization?: string) =>
  fetch(`${url}${path}`, authorization ? { headers: { authorization } } : {});

async function decisions(query = '', authorization = basic(AUDITOR_TOKEN)) {
  const res = await get(`/ui/api/decisions${query}`, authorization);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    decisions: { decision_id: string; principal: { id: string } | null; action: string }[];
    capacity: number;
    held: number;
    seen: number;
  };
}

describe('who may open the explorer', () => {
  it('answers 401 with a Basic challenge when no credential is sent', async () => {
    for (const path of ['/ui/', '/ui/explorer.js', '/ui/api/decisions', '/ui/api/overview']) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate'), path).toBe(
        'Basic realm="orgwarden", charset="UTF-8"',
      );
    }
  });

  it('answers 401 to a malformed Basic value and 403 to a password that is no credential', async () => {
    expect((await get('/ui/', 'Basic not-base64!')).status).toBe(401);
    expect((await get('/ui/', basic(''))).status).toBe(401);
    const wrong = await get('/ui/', basic('not-the-admin-token-0123456789'));
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      'admin token is not valid',
    );
  });

  it('admits an auditor by Basic (any user name) and the admin by Bearer', async () => {
    expect((await get('/ui/', basic(AUDITOR_TOKEN, 'anyone'))).status).toBe(200);
    expect((await get('/ui/api/overview', `Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
  });

  it('takes Basic on the explorer only: an admin API route still wants Bearer', async () => {
    const res = await get('/v1/admin/audit', basic(ADMIN_TOKEN));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('what the explorer serves', () => {
  it('serves the page, its module and stylesheet with the security headers', async () => {
    const assets = await loadUiAssets();
    for (const [path, type, body] of [
      ['/ui/', 'text/html', assets[''].body],
      ['/ui/explorer.js', 'text/javascript', assets['explorer.js'].body],
      ['/ui/explorer.css', 'text/css', assets['explorer.css'].body],
    ] as const) {
      const res = await get(path, basic(AUDITOR_TOKEN));
      expect(res.headers.get('content-type'), path).toContain(type);
      expect(Buffer.from(await res.arrayBuffer()).equals(body), path).toBe(true);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const api = await get('/ui/api/decisions', basic(AUDITOR_TOKEN));
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('lists the recent decisions newest first, filtered, as their log entries', async () => {
    const hostile = '<script>alert(1)</script>';
    const ask = async (token: Promise<string>, org: string, action: string) =>
      postJson(`${url}/v1/authorize`, { token: await token, org, action });
    await ask(session('alice'), 'acme', 'org.read'); // a member: allowed
    await ask(session(hostile), 'acme', 'org.read'); // a non-member names acme: a spoof
    await ask(apiToken('tok-acme', { scope: '*', org_id: 'acme' }), 'globex', 'resource.read');
    const all = await decisions();
    expect(all.capacity).toBe(5);
    expect(all.decisions.slice(0, 3).map((d) => d.principal?.id)).toEqual([
      'tok-acme',
      hostile,
      'alice',
    ]);
    const ids = async (query: string) =>
      (await decisions(query)).decisions.map((d) => d.principal?.id);
    expect(await ids(`?principal=${encodeURIComponent('<script>')}`)).toEqual([hostile]);
    expect(await ids('?spoof=true')).toEqual(['tok-acme', hostile]);
    expect(await ids('?reason=access_denied&org=acme')).toEqual([hostile]);
    expect(await ids('?spoof=false&action=org.&org=acme')).toEqual(['alice']);
    expect(await ids('?org=globex&limit=1')).toEqual(['tok-acme']);
    // A deny carries the policy's explanation: the deciding check failed, the rest after it skipped.
    const [denied] = (await decisions(`?principal=${encodeURIComponent(hostile)}`)).decisions as {
      explain?: { check: string; passed: boolean | 'skipped' }[];
    }[];
    expect(denied?.explain?.filter((step) => step.passed === false)).toEqual([
      expect.objectContaining({ check: 'binding_membership', reason: 'access_denied' }),
    ]);
    // The JSON carries the id as data; the tokens the callers sent are nowhere.
    const text = await (await get('/ui/api/decisions', basic(AUDITOR_TOKEN))).text();
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
  });

  it('keeps at most ui.recent_decisions, overwriting the oldest', async () => {
    for (let i = 0; i < 7; i++)
      await postJson(`${url}/v1/authorize`, {
        token: await session(`ring-${i}`),
        action: 'node.read',
      });
    const page = await decisions();
    expect(page.held).toBe(5);
    expect(page.decisions.map((d) => d.principal?.id)).toEqual([
      'ring-6',
      'ring-5',
      'ring-4',
      'ring-3',
      'ring-2',
    ]);
    expect(page.seen).toBeGreaterThanOrEqual(10);
  });

  it('refuses bad filters with a 400 naming them', async () => {
    for (const query of [
      '?who=alice',
      '?spoof=maybe',
      '?limit=0',
      '?limit=1001',
      '?principal=a&principal=b',
      `?action=${'x'.repeat(257)}`,
    ]) {
      const res = await get(`/ui/api/decisions${query}`, basic(AUDITOR_TOKEN));
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'invalid_request',
      );
    }
  });

  it('gives the state at a glance', async () => {
    const res = await get('/ui/api/overview', basic(AUDITOR_TOKEN));
    const body = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(body.policy?.revision).toBe(app.policy.current()?.revision);
    expect(body.tenancy).toMatchObject({ multi_tenant: true, killed: false });
    expect(body.directory).toEqual({ ready: true, reason: null });
    expect(body.recent).toMatchObject({ capacity: 5 });
    expect(body.org_header).toBe(app.config.tenancy.org_header);
  });
});

describe('ui.enabled: false', () => {
  it('serves no explorer route', async () => {
    const off = await startTestApp({ extra: { ui: { enabled: false } } });
    try {
      expect(off.app.routes.some((r) => r.path.startsWith('/ui/'))).toBe(false);
      const headers = { authorization: basic(ADMIN_TOKEN) };
      expect((await fetch(`${off.url}/ui/api/overview`, { headers })).status).toBe(404);
      // Without the page, `/ui/` is a path with a trailing slash like any other: refused.
      expect((await fetch(`${off.url}/ui/`, { headers })).status).toBe(400);
    } finally {
      await off.app.stop();
    }
  });

  it('a package without the page files does not start, naming the file', async () => {
    await expect(loadUiAssets('/nonexistent/ui')).rejects.toThrow(
      /cannot read the explorer page's file \/nonexistent\/ui\/index.html/,
    );
  });
});

describe('docs/explorer.md', () => {
  it('its config example is a valid config with a reviewer of role auditor', () => {
    const markdown = readFileSync('docs/explorer.md', 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(markdown)?.[1];
    expect(yaml).toBeDefined();
    const example = parse(yaml!.replace(/^ {3}/gm, '')) as Record<string, unknown>;
    const config = parseConfig(testConfigDoc({ extra: example }), { env: {} });
    expect(config.ui).toEqual({ enabled: true, recent_decisions: 1000 });
    expect(config.admin.credentials).toEqual([
      { name: 'reviewer', role: 'auditor', token_env: 'ORGWARDEN_REVIEWER_TOKEN' },
    ]);
  });
});
