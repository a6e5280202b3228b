/**
 * Forward-auth path parameters: decoded once, as UTF-8, after route matching — the string the
 * upstream's router will see — and refused (403 invalid_request, before any decision, counted)
 * when that string could be read two ways or names an org or user that is not canonical.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseRouteManifest } from '../../src/surfaces/forward-auth/manifest.js';
import { catalogueFromPolicyData } from '../../src/contract/policy-catalogue.js';
import { decodeParam, decodeRouteParams } from '../../src/surfaces/forward-auth/path-params.js';
import { scrape, valueOf } from '../observability/helpers.js';
import { session, startTestApp, TEST_BUNDLE } from '../support/app.js';
import { bearer, check, DEFAULT_ROUTES, STYLES } from './helpers.js';

const DIRECTORY = path.resolve('test', 'support', 'fixtures', 'encoded-ids-directory.yaml');

describe('decodeParam', () => {
  const accepted: [string, string, string][] = [
    ['an e-mail id with an encoded @', 'olivia%40example.com', 'olivia@example.com'],
    ['an e-mail id with a raw @', 'olivia@example.com', 'olivia@example.com'],
    ['UTF-8 escapes and an encoded space', 'zo%C3%AB%20%C3%BC', 'zoë ü'],
    ['lower-case hex', 'zo%c3%ab', 'zoë'],
    ['a plus sign, which a path never reads as a space', 'a+b', 'a+b'],
    ['raw sub-delimiters', "it's(me)!", "it's(me)!"],
    ['a four-byte character', '%F0%9F%98%80', '😀'],
  ];
  it.each(accepted)('decodes %s', (_name, raw, value) => {
    expect(decodeParam(raw)).toEqual({ ok: true, value });
  });

  const refused: [string, string, string][] = [
    ['an encoded slash', 'a%2Fb', 'decodes to a slash (/)'],
    ['an encoded backslash', 'a%5cb', 'decodes to a backslash (\\)'],
    [
      'a double-encoded @ (%2540)',
      'olivia%2540example.com',
      'decodes to a percent sign (%): double encoding',
    ],
    ['an encoded NUL', 'a%00', 'decodes to a control character'],
    ['an encoded DEL', 'a%7F', 'decodes to a control character'],
    ['a C1 control (U+0085)', 'a%C2%85', 'decodes to a control character'],
    ['an invalid two-byte sequence (%C3%28)', '%C3%28', 'is not valid UTF-8 once percent-decoded'],
    [
      'a UTF-8 encoded surrogate (%ED%A0%80)',
      '%ED%A0%80',
      'is not valid UTF-8 once percent-decoded',
    ],
    ['an overlong slash (%C0%AF)', '%C0%AF', 'is not valid UTF-8 once percent-decoded'],
    [
      'an overlong three-byte slash (%E0%80%AF)',
      '%E0%80%AF',
      'is not valid UTF-8 once percent-decoded',
    ],
    ['an overlong four-byte slash', '%F0%80%80%AF', 'is not valid UTF-8 once percent-decoded'],
    ['a stray continuation byte', 'a%80', 'is not valid UTF-8 once percent-decoded'],
    ['a truncated sequence', 'a%E2%82', 'is not valid UTF-8 once percent-decoded'],
    ['a code point past U+10FFFF', '%F4%90%80%80', 'is not valid UTF-8 once percent-decoded'],
    ['a malformed escape', 'a%zz', 'has a malformed percent-encoding'],
    ['a truncated escape', 'a%4', 'has a malformed percent-encoding'],
    ['a raw non-ASCII character', 'zoë', 'has a character that must be percent-encoded'],
  ];
  it.each(refused)('refuses %s', (_name, raw, problem) => {
    expect(decodeParam(raw)).toEqual({ ok: false, problem });
  });
});

describe('decodeRouteParams', () => {
  const data = JSON.parse(
    readFileSync(path.resolve('policies', 'orgwarden', 'catalogue', 'data.json'), 'utf8'),
  ) as Record<string, unknown>;
  const table = parseRouteManifest(
    readFileSync(DEFAULT_ROUTES, 'utf8'),
    DEFAULT_ROUTES,
    catalogueFromPolicyData({ orgwarden: { catalogue: data } })!,
  );
  const route = (pattern: string, method: string) =>
    table.routes.find((r) => r.pattern === pattern && r.methods.includes(method))!;
  const removeMember = route('/api/orgs/{org}/members/{user}', 'DELETE');

  it('knows which parameters of the default manifest name an org or a user', () => {
    expect([...removeMember.idParams]).toEqual([
      ['org', 'org'],
      ['user', 'user'],
    ]);
    expect([...route('/api/orgs/{org}/invitations/{user}', 'DELETE').idParams]).toEqual([
      ['org', 'org'],
      ['user', 'user'],
    ]);
    expect([...route('/api/resources/{type}/{id}', 'GET').idParams]).toEqual([]);
  });

  it('decodes every parameter once', () => {
    const decoded = decodeRouteParams(
      removeMember,
      new Map([
        ['org', 'acme'],
        ['user', 'olivia%40example.com'],
      ]),
      'default',
    );
    expect(decoded).toEqual({
      ok: true,
      params: new Map([
        ['org', 'acme'],
        ['user', 'olivia@example.com'],
      ]),
    });
  });

  const refused: [string, string, string, string][] = [
    [
      'a case variant of the default org',
      'Default',
      'bob',
      'path parameter {org} must not be a case variant of the default org',
    ],
    [
      'an org id outside the grammar',
      'ac%20me',
      'bob',
      'path parameter {org} must match ^[A-Za-z0-9._-]{1,64}$',
    ],
    [
      'a prototype name as org',
      'constructor',
      'bob',
      'path parameter {org} must not be __proto__, constructor or prototype',
    ],
    [
      'a user id with a leading space',
      'acme',
      '%20olivia',
      'path parameter {user} must not start or end with whitespace',
    ],
    [
      'a user id with a zero-width space',
      'acme',
      'oli%E2%80%8Bvia',
      'path parameter {user} must not contain control, zero-width or other invisible characters',
    ],
    // the decoder keeps a leading BOM (TextDecoder would drop it by default), so the grammar sees it
    [
      'a user id behind a byte order mark',
      'acme',
      '%EF%BB%BFolivia',
      'path parameter {user} must not start or end with whitespace',
    ],
    [
      'a decomposed user id (not NFC)',
      'acme',
      'zoe%CC%88',
      'path parameter {user} must be in Unicode normalisation form NFC',
    ],
    [
      'a prototype name as user',
      'acme',
      '__proto__',
      'path parameter {user} must not be __proto__, constructor or prototype',
    ],
    [
      'a user id that decodes to a slash',
      'acme',
      'a%2Fb',
      'path parameter {user} decodes to a slash (/)',
    ],
  ];
  it.each(refused)('refuses %s, naming the parameter', (_name, org, user, message) => {
    expect(
      decodeRouteParams(
        removeMember,
        new Map([
          ['org', org],
          ['user', user],
        ]),
        'default',
      ),
    ).toEqual({ ok: false, message });
  });
});

describe('forward-auth with encoded ids (real app)', () => {
  let app: App;
  let url: string;
  let port: number;
  let logFile: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    logFile = path.join(
      mkdtempSync(path.join(os.tmpdir(), 'orgwarden-fa-params-')),
      'decisions.log',
    );
    ({ app, url } = await startTestApp({
      multiTenant: true,
      directoryFile: DIRECTORY,
      extra: {
        policy: { bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES },
        decision_log: { sink: 'file', file: logFile },
      },
    }));
    port = (app.http.server.address() as { port: number }).port;
    for (const user of ['bob', 'olivia@example.com']) tokens[user] = await session(user);
  });
  afterAll(() => app.stop());

  describe.each(STYLES)('%s style', (style) => {
    it('an admin cannot remove the owner by encoding her e-mail id (olivia%40example.com)', async () => {
      for (const spelling of [
        'olivia%40example.com',
        'olivia@example.com',
        'olivia%40example%2Ecom',
        '%6Flivia%40example.com',
      ]) {
        const res = await check(
          port,
          style,
          'DELETE',
          `/api/orgs/acme/members/${spelling}`,
          bearer(tokens.bob!),
        );
        expect([spelling, res.status, res.json?.error]).toEqual([
          spelling,
          403,
          'owner_role_immutable',
        ]);
      }
    });

    it('an admin may remove an editor whose id is non-ASCII with a space, sent encoded', async () => {
      const res = await check(
        port,
        style,
        'DELETE',
        '/api/orgs/acme/members/zo%C3%AB%20%C3%BC',
        bearer(tokens.bob!),
      );
      expect(res.status).toBe(200);
    });

    it('refuses a double-encoded id (%2540) before any decision', async () => {
      const res = await check(
        port,
        style,
        'DELETE',
        '/api/orgs/acme/members/olivia%2540example.com',
        bearer(tokens.bob!),
      );
      expect(res.status).toBe(403);
      expect(res.json).toEqual({
        error: 'invalid_path',
        message: 'the original path is refused: encoded percent sign (%25: double encoding)',
      });
    });

    it.each([
      ['%C3%28', 'path parameter {user} is not valid UTF-8 once percent-decoded'],
      ['%ED%A0%80', 'path parameter {user} is not valid UTF-8 once percent-decoded'],
      ['%C0%AF', 'path parameter {user} is not valid UTF-8 once percent-decoded'],
      ['olivia%C2%85', 'path parameter {user} decodes to a control character'],
      [
        '%E2%80%8Bolivia%40example.com',
        'path parameter {user} must not contain control, zero-width or other invisible characters',
      ],
    ])(
      'refuses the user %s with 403 invalid_request naming the parameter, before any decision',
      async (segment, message) => {
        const res = await check(
          port,
          style,
          'DELETE',
          `/api/orgs/acme/members/${segment}`,
          bearer(tokens.bob!),
        );
        expect(res.status).toBe(403);
        expect(res.json).toEqual({ error: 'invalid_request', message });
        expect(res.headers['x-orgwarden-error']).toBe('invalid_request');
        expect(res.headers['x-orgwarden-decision-id']).toBeUndefined();
      },
    );
  });

  it('refuses an org in the path that is not an acceptable org id, naming {org}', async () => {
    const res = await check(
      port,
      'caddy',
      'GET',
      '/api/orgs/De%66ault/members',
      bearer(tokens.bob!),
    );
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: 'invalid_request',
      message: 'path parameter {org} must not be a case variant of the default org',
    });
  });

  it('hands the policy decoded resource ids too (the decision log shows what was decided about)', async () => {
    const res = await check(port, 'nginx', 'GET', '/api/resources/doc/caf%C3%A9%20cr%C3%A8me', {
      ...bearer(tokens['olivia@example.com']!),
      'x-org-id': 'acme',
    });
    expect(res.status).toBe(200);
    const id = res.headers['x-orgwarden-decision-id'];
    let entry: { decision_id: string; resource?: unknown } | undefined;
    for (let i = 0; i < 50 && !entry; i++) {
      await new Promise((r) => setTimeout(r, 20));
      entry = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { decision_id: string; resource?: unknown })
        .find((e) => e.decision_id === id);
    }
    expect(entry?.resource).toEqual({ type: 'doc', id: 'café crème', org: null });
  });

  it('counts parameter refusals as forward-auth refusals (invalid_request), not as decisions', async () => {
    const before = await scrape(url);
    const refused = valueOf(before.samples, 'orgwarden_forward_auth_refusals_total', {
      refusal: 'invalid_request',
    });
    const decided = valueOf(before.samples, 'orgwarden_decisions_total', {
      kind: 'forward_auth',
      decision: 'deny',
      reason: 'owner_role_immutable',
    });
    for (const segment of ['%C3%28', '%ED%A0%80', 'a%C2%9F'])
      expect(
        (
          await check(
            port,
            'traefik',
            'DELETE',
            `/api/orgs/acme/members/${segment}`,
            bearer(tokens.bob!),
          )
        ).status,
      ).toBe(403);
    const after = await scrape(url);
    expect(
      valueOf(after.samples, 'orgwarden_forward_auth_refusals_total', {
        refusal: 'invalid_request',
      }),
    ).toBe(refused + 3);
    expect(
      valueOf(after.samples, 'orgwarden_decisions_total', {
        kind: 'forward_auth',
        decision: 'deny',
        reason: 'owner_role_immutable',
      }),
    ).toBe(decided);
  });
});
