/**
 * The route manifest: the default one covers exactly the routes of the product API; matching is
 * by specificity (a literal wins over a parameter, whatever the order in the file) and
 * case-sensitive; and a manifest with any problem is refused as a whole with every problem named
 * by file, entry and key — so the process does not start on it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { loadForwardAuthManifest } from '../../src/surfaces/forward-auth/load-manifest.js';
import {
  parseRouteManifest,
  RouteManifestError,
} from '../../src/surfaces/forward-auth/manifest.js';
import { catalogueFromPolicyData } from '../../src/contract/policy-catalogue.js';
import type { RouteTable } from '../../src/surfaces/forward-auth/route-table.js';
import { createTestApp, TEST_BUNDLE } from '../support/app.js';
import { DEFAULT_ROUTES } from './helpers.js';

const CATALOGUE_DATA = {
  orgwarden: {
    catalogue: JSON.parse(
      readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8'),
    ) as unknown,
  },
};
const catalogue = catalogueFromPolicyData(CATALOGUE_DATA)!;
const FILE = '/etc/orgwarden/routes.yaml';

const parse = (text: string): RouteTable => parseRouteManifest(text, FILE, catalogue);
const defaultTable = () => parse(readFileSync(DEFAULT_ROUTES, 'utf8'));

function issuesOf(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof RouteManifestError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

const segments = (p: string) => (p === '/' ? [] : p.slice(1).split('/'));

describe('the default manifest (policies/routes.yaml)', () => {
  it('names each route by its methods and path pattern as written, uniquely (the metrics label)', () => {
    const names = defaultTable().routes.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('GET /api/orgs/{org}');
    const listed = parse(
      'routes:\n  - { method: [GET, HEAD], path: /api/orgs, action: orgs.list, org: [] }\n',
    );
    expect(listed.routes.map((r) => r.name)).toEqual(['GET,HEAD /api/orgs']);
  });

  it('covers exactly the routes of the product API, each with its action', () => {
    const routes = defaultTable().routes.flatMap((r) =>
      r.methods.map((m) => `${m} ${r.pattern} ${r.action}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /api/orgs orgs.list',
        'POST /api/orgs orgs.create',
        'GET /api/orgs/{org} org.read',
        'PUT /api/orgs/{org} org.update',
        'DELETE /api/orgs/{org} org.delete',
        'GET /api/orgs/{org}/members org.members.list',
        'POST /api/orgs/{org}/members org.members.invite',
        'DELETE /api/orgs/{org}/members/{user} org.members.remove',
        'GET /api/orgs/{org}/invitations org.invitations.list',
        'DELETE /api/orgs/{org}/invitations/{user} org.invitations.revoke',
        'GET /api/orgs/{org}/shares org.shares.list',
        'POST /api/orgs/{org}/shares org.shares.create',
        'DELETE /api/orgs/{org}/shares/{share} org.shares.delete',
        'GET /api/orgs/{org}/shares/incoming org.shares.incoming.list',
        'POST /api/orgs/{org}/shares/incoming/{share}/accept org.shares.incoming.accept',
        'DELETE /api/orgs/{org}/shares/incoming/{share} org.shares.incoming.decline',
        'GET /api/admin/orgs/{org}/billing-state org.billing.read',
        'GET /api/resources/{type}/{id} resource.read',
        'PUT /api/resources/{type}/{id} resource.write',
        'POST /api/resources/{type}/{id} resource.write',
        'DELETE /api/resources/{type}/{id} resource.write',
        'POST /api/ai/chat ai.chat',
        'POST /api/ai/execute/stream ai.execute',
      ].sort(),
    );
  });

  it("takes the org from the path for every /api/orgs/{org} and admin route, from header then cookie for the data plane, and from nowhere for the caller's own orgs", () => {
    const orgOf = Object.fromEntries(
      defaultTable().routes.map((r) => [`${r.methods.join('|')} ${r.pattern}`, r.org.join(',')]),
    );
    for (const [route, org] of Object.entries(orgOf)) {
      if (route.includes('{org}')) expect(org, route).toBe('path');
      else if (route.includes('/api/resources/') || route.includes('/api/ai/'))
        expect(org, route).toBe('header,cookie');
      else expect(org, route).toBe('');
    }
  });

  it('marks org routes (org from the path, or an org-management action) and only those', () => {
    const orgRoutes = defaultTable()
      .routes.filter((r) => r.orgRoute)
      .map((r) => r.action);
    const others = defaultTable()
      .routes.filter((r) => !r.orgRoute)
      .map((r) => r.action);
    expect(orgRoutes).toContain('orgs.list');
    expect(orgRoutes).toContain('org.billing.read');
    expect(orgRoutes).toHaveLength(17);
    expect(others.sort()).toEqual(['ai.chat', 'ai.execute', 'resource.read', 'resource.write']);
  });
});

describe('matching', () => {
  const table = defaultTable();
  const cases: [string, string, string, Record<string, string>][] = [
    ['GET', '/api/orgs', 'orgs.list', {}],
    ['GET', '/api/orgs/acme', 'org.read', { org: 'acme' }],
    ['DELETE', '/api/orgs/acme/members/bob', 'org.members.remove', { org: 'acme', user: 'bob' }],
    ['GET', '/api/orgs/acme/shares/incoming', 'org.shares.incoming.list', { org: 'acme' }],
    ['DELETE', '/api/orgs/acme/shares/s1', 'org.shares.delete', { org: 'acme', share: 's1' }],
    [
      'DELETE',
      '/api/orgs/acme/shares/incoming/s1',
      'org.shares.incoming.decline',
      { org: 'acme', share: 's1' },
    ],
    [
      'POST',
      '/api/orgs/acme/shares/incoming/s1/accept',
      'org.shares.incoming.accept',
      { org: 'acme', share: 's1' },
    ],
    ['GET', '/api/admin/orgs/acme/billing-state', 'org.billing.read', { org: 'acme' }],
    ['DELETE', '/api/resources/node/n1', 'resource.write', { type: 'node', id: 'n1' }],
    ['POST', '/api/ai/execute/stream', 'ai.execute', {}],
  ];
  it.each(cases)('%s %s is %s', (method, p, action, params) => {
    const match = table.match(method, segments(p));
    expect(match.ok && match.route.action).toBe(action);
    expect(match.ok && Object.fromEntries(match.params)).toEqual(params);
  });

  it('never reads /shares/incoming as a share named "incoming", not even for a method only {share} has', () => {
    const get = table.match('GET', segments('/api/orgs/acme/shares/incoming'));
    expect(get.ok && get.route.action).toBe('org.shares.incoming.list');
    // DELETE is routed for /shares/{share} but not for /shares/incoming: not routed, no fallback.
    expect(table.match('DELETE', segments('/api/orgs/acme/shares/incoming'))).toEqual({
      ok: false,
      reason: 'method_not_routed',
      methods: ['GET'],
    });
  });

  it('prefers the literal whatever the order of the entries in the file', () => {
    const entries = [
      '  - { method: GET, path: "/x/{org}/shares/{share}", action: org.shares.list, org: [path] }',
      '  - { method: GET, path: "/x/{org}/shares/incoming", action: org.shares.incoming.list, org: [path] }',
    ];
    for (const order of [entries, [...entries].reverse()]) {
      const match = parse(`routes:\n${order.join('\n')}\n`).match(
        'GET',
        segments('/x/acme/shares/incoming'),
      );
      expect(match.ok && match.route.action).toBe('org.shares.incoming.list');
    }
  });

  it('falls back to a parameter when the literal branch leads nowhere', () => {
    const t = parse(
      'routes:\n  - { method: GET, path: "/a/{x}/c", action: ai.chat, org: [] }\n  - { method: GET, path: /a/b/d, action: ai.execute, org: [] }\n',
    );
    const match = t.match('GET', ['a', 'b', 'c']);
    expect(match.ok && match.route.action).toBe('ai.chat');
    expect(match.ok && match.params.get('x')).toBe('b');
  });

  it.each([
    ['GET', '/API/orgs', 'no_route'],
    ['GET', '/api/ORGS', 'no_route'],
    ['GET', '/api/Orgs/acme', 'no_route'],
    ['GET', '/api/orgs/acme/members/bob/extra', 'no_route'],
    ['GET', '/', 'no_route'],
    ['get', '/api/orgs', 'method_not_routed'],
    ['HEAD', '/api/orgs', 'method_not_routed'],
    ['PATCH', '/api/resources/node/n1', 'method_not_routed'],
  ])('%s %s is not routed (%s)', (method, p, reason) => {
    expect(table.match(method, segments(p))).toMatchObject({ ok: false, reason });
  });
});

describe('validation: every problem, named by file, entry and key', () => {
  const cases: [string, string, unknown[]][] = [
    ['an unknown top-level key', 'routes: []\nversion: 2\n', ['version: is not a known key']],
    ['routes that are not a list', 'routes: {}\n', ['routes: must be a list of routes']],
    [
      'a manifest that is not a mapping',
      '- GET /api/orgs\n',
      [': must be a mapping with a "routes" list'],
    ],
    [
      'an entry that is not a mapping',
      'routes:\n  - GET /api/orgs\n',
      ['routes[0]: must be a mapping with method, path, action and org'],
    ],
    [
      'an unknown entry key',
      'routes:\n  - { method: GET, path: /api/orgs, action: orgs.list, org: [], public: true }\n',
      ['routes[0].public: is not a known key (GET /api/orgs)'],
    ],
    [
      'a lower-case method',
      'routes:\n  - { method: get, path: /api/orgs, action: orgs.list, org: [] }\n',
      [
        'routes[0].method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case), got "get" (get /api/orgs)',
      ],
    ],
    [
      'an unknown method in a list',
      'routes:\n  - { method: [GET, FETCH], path: /api/orgs, action: orgs.list, org: [] }\n',
      [
        'routes[0].method[1]: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case), got "FETCH" (GET|FETCH /api/orgs)',
      ],
    ],
    [
      'a method listed twice',
      'routes:\n  - { method: [GET, GET], path: /api/orgs, action: orgs.list, org: [] }\n',
      ['routes[0].method: lists GET twice (GET|GET /api/orgs)'],
    ],
    [
      'a missing path',
      'routes:\n  - { method: GET, action: orgs.list, org: [] }\n',
      ['routes[0].path: is required (a string such as /api/orgs/{org})'],
    ],
    [
      'a path without a leading slash',
      'routes:\n  - { method: GET, path: api/orgs, action: orgs.list, org: [] }\n',
      ['routes[0].path: "api/orgs" must start with / (GET api/orgs)'],
    ],
    [
      'a parameter inside a segment',
      'routes:\n  - { method: GET, path: "/api/org-{org}", action: org.read, org: [] }\n',
      [
        'routes[0].path: "/api/org-{org}": segment "org-{org}" is neither a literal (A-Z a-z 0-9 . _ ~ -) nor a whole-segment parameter ({name}) (GET /api/org-{org})',
      ],
    ],
    [
      'a trailing slash',
      'routes:\n  - { method: GET, path: /api/orgs/, action: orgs.list, org: [] }\n',
      [
        'routes[0].path: "/api/orgs/" has an empty segment (double or trailing slash) (GET /api/orgs/)',
      ],
    ],
    [
      'a dot segment',
      'routes:\n  - { method: GET, path: /api/../orgs, action: orgs.list, org: [] }\n',
      ['routes[0].path: "/api/../orgs" has a dot segment (GET /api/../orgs)'],
    ],
    [
      'a parameter named twice',
      'routes:\n  - { method: GET, path: "/a/{id}/b/{id}", action: ai.chat, org: [] }\n',
      ['routes[0].path: "/a/{id}/b/{id}" names the parameter {id} twice (GET /a/{id}/b/{id})'],
    ],
    [
      'an action missing from the catalogue',
      'routes:\n  - { method: GET, path: "/api/orgs/{org}", action: org.raed, org: [path] }\n',
      ['routes[0].action: "org.raed" is not in the action catalogue (GET /api/orgs/{org})'],
    ],
    [
      'a missing action',
      'routes:\n  - { method: GET, path: /api/orgs, org: [] }\n',
      ['routes[0].action: is required (an action of the catalogue) (GET /api/orgs)'],
    ],
    [
      'a missing org',
      'routes:\n  - { method: GET, path: /api/orgs, action: orgs.list }\n',
      [
        'routes[0].org: is required: [path], a list of header and cookie in order of precedence, or [] (GET /api/orgs)',
      ],
    ],
    [
      'an unknown org source',
      'routes:\n  - { method: GET, path: /api/orgs, action: orgs.list, org: [query] }\n',
      ['routes[0].org: unknown org source "query" (path, header, cookie) (GET /api/orgs)'],
    ],
    [
      'org from the path without {org}',
      'routes:\n  - { method: GET, path: /api/orgs, action: orgs.list, org: [path] }\n',
      [
        'routes[0].org: takes the org from the path, but the path has no {org} parameter (GET /api/orgs)',
      ],
    ],
    [
      '{org} in the path with the org from the header',
      'routes:\n  - { method: GET, path: "/api/orgs/{org}", action: org.read, org: [header] }\n',
      [
        'routes[0].org: must be [path]: the path has an {org} parameter, and the org the upstream acts on is the one to authorize (GET /api/orgs/{org})',
      ],
    ],
    [
      '[path] with another source',
      'routes:\n  - { method: GET, path: "/api/orgs/{org}", action: org.read, org: [path, header] }\n',
      [
        'routes[0].org: [path] stands alone: the path names the org (the org header is compared to it) (GET /api/orgs/{org})',
      ],
    ],
    [
      'a resource id from a parameter the path lacks',
      'routes:\n  - { method: GET, path: "/api/resources/{type}", action: resource.read, org: [header], resource: { type: "{type}", id: "{id}" } }\n',
      [
        'routes[0].resource.id: refers to {id}, which the path does not have (GET /api/resources/{type})',
      ],
    ],
    [
      'an unknown resource key',
      'routes:\n  - { method: GET, path: "/r/{id}", action: resource.read, org: [header], resource: { type: node, id: "{id}", org: acme } }\n',
      ['routes[0].resource.org: is not a known key (type, id) (GET /r/{id})'],
    ],
    [
      'a resource without a type',
      'routes:\n  - { method: GET, path: "/r/{id}", action: resource.read, org: [header], resource: { id: "{id}" } }\n',
      ['routes[0].resource.type: is required (GET /r/{id})'],
    ],
    [
      'a malformed literal value',
      'routes:\n  - { method: GET, path: "/r/{id}", action: resource.read, org: [header], resource: { type: "no de", id: "{id}" } }\n',
      [
        'routes[0].resource.type: "no de" is neither "{param}" nor a literal (A-Z a-z 0-9 . _ : -) (GET /r/{id})',
      ],
    ],
    [
      'a bad context name',
      'routes:\n  - { method: DELETE, path: "/m/{org}/{user}", action: org.members.remove, org: [path], context: { Target-User: "{user}" } }\n',
      ['routes[0].context.Target-User: is not a valid context name (DELETE /m/{org}/{user})'],
    ],
    [
      'the same route twice under other parameter names',
      'routes:\n  - { method: GET, path: "/api/orgs/{org}", action: org.read, org: [path] }\n  - { method: [PUT, GET], path: "/api/orgs/{id}", action: org.update, org: [] }\n',
      ['routes[1]: GET /api/orgs/{id} duplicates routes[0] (GET /api/orgs/{org})'],
    ],
    [
      'a duplicate YAML key',
      'routes:\n  - { method: GET, method: POST, path: /api/orgs, action: orgs.list, org: [] }\n',
      [': Map keys must be unique at line 2, column 20:'],
    ],
    ['a YAML syntax error', 'routes: [\n', [expect.stringMatching(/^: /) as unknown]],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual(expected);
  });

  it('reports every problem of every entry at once, and names the file first in the message', () => {
    const text = [
      'routes:',
      '  - { method: GET, path: "/api/orgs/{org}", action: org.raed, org: [header] }',
      '  - { method: PUT, path: "/api/orgs/{org}", action: org.update, org: [path] }',
      '  - { method: FETCH, path: /x//y, action: ai.chat, org: [] }',
    ].join('\n');
    let error: unknown;
    try {
      parse(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RouteManifestError);
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as Error).message.split('\n');
    expect(lines).toEqual([
      `${FILE}: routes[0].action: "org.raed" is not in the action catalogue (GET /api/orgs/{org})`,
      `${FILE}: routes[0].org: must be [path]: the path has an {org} parameter, and the org the upstream acts on is the one to authorize (GET /api/orgs/{org})`,
      `${FILE}: routes[2].method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case), got "FETCH" (FETCH /x//y)`,
      `${FILE}: routes[2].path: "/x//y" has an empty segment (double or trailing slash) (FETCH /x//y)`,
    ]);
  });

  it('accepts an empty manifest (every request is then unknown_route)', () => {
    expect(parse('routes: []\n').routes).toEqual([]);
  });
});

describe('loading at start', () => {
  const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'orgwarden-routes-'));

  it('uses <policy.dir>/routes.yaml when policy.routes is not set, and none when that file is absent', async () => {
    const found = await loadForwardAuthManifest({ dir: path.resolve('policies') }, CATALOGUE_DATA);
    expect(found.source).toBe(DEFAULT_ROUTES);
    expect(found.table?.routes).toHaveLength(21);
    const absent = await loadForwardAuthManifest({ dir: tmp() }, CATALOGUE_DATA);
    expect(absent).toEqual({ table: null, source: 'none: no routes.yaml in policy.dir' });
  });

  it('has no manifest with a bundle and no policy.routes', async () => {
    expect(await loadForwardAuthManifest({ bundle: TEST_BUNDLE }, CATALOGUE_DATA)).toEqual({
      table: null,
      source: 'none: policy.bundle without policy.routes',
    });
  });

  it('refuses a policy.routes that cannot be read, naming it', async () => {
    const file = path.join(tmp(), 'missing.yaml');
    await expect(
      loadForwardAuthManifest({ bundle: TEST_BUNDLE, routes: file }, CATALOGUE_DATA),
    ).rejects.toThrow(`${file}: cannot read the route manifest (ENOENT)`);
  });

  it('refuses to check routes against a policy without an action catalogue', async () => {
    await expect(
      loadForwardAuthManifest({ bundle: TEST_BUNDLE, routes: DEFAULT_ROUTES }, {}),
    ).rejects.toThrow(
      `${DEFAULT_ROUTES}: the loaded policy has no action catalogue to check the routes against`,
    );
  });

  it('stops the app from starting on an invalid manifest, with a config error naming the file and the entry', async () => {
    const file = path.join(tmp(), 'routes.yaml');
    writeFileSync(
      file,
      'routes:\n  - { method: GET, path: /api/orgs, action: orgs.list, org: [] }\n  - { method: GET, path: "/api/orgs/{org}", action: org.raed, org: [path] }\n',
    );
    const started = createTestApp({ extra: { policy: { bundle: TEST_BUNDLE, routes: file } } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      `${file}: routes[1].action: "org.raed" is not in the action catalogue (GET /api/orgs/{org})`,
    );
  });
});
