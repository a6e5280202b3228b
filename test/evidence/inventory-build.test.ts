/**
 * The inventory builder and its markdown: routes with the catalogue's requirements and the tests
 * that cover them (a small fake boundary suite stands in for the generated one), the event matrix,
 * the OpenAPI guard share, the risk register and the gaps.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueFromPolicyData } from '../../src/contract/policy-catalogue.js';
import type { BoundaryCase } from '../../src/evidence/boundary/types.js';
import { buildInventory, type InventoryInput } from '../../src/evidence/inventory/build.js';
import { parseOpenApi } from '../../src/evidence/inventory/openapi.js';
import { renderInventoryMarkdown } from '../../src/evidence/inventory/render-markdown.js';
import { parseRouteManifest } from '../../src/surfaces/forward-auth/manifest.js';

const catalogue = JSON.parse(
  readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8'),
) as Record<string, unknown>;
const EVENTS = {
  'node.deleted': {
    scope: 'org',
    channels: ['websocket', 'sse'],
    description: 'a node was deleted',
  },
  maintenance: { scope: 'global', channels: ['push'], description: 'planned downtime' },
  'invite.received': { scope: 'recipient', channels: ['push'], description: '' },
  broken: { scope: 'everyone', channels: ['websocket'] },
};
const withEvents = { orgwarden: { catalogue: { ...catalogue, events: EVENTS } } };
const { events: _shipped, ...catalogueWithoutEvents } = catalogue;
const withoutEvents = { orgwarden: { catalogue: catalogueWithoutEvents } };

const MANIFEST = `routes:
  - { method: GET, path: "/api/orgs/{org}", action: org.read, org: [path] }
  - { method: [PUT, POST], path: "/api/resources/{type}/{id}", action: resource.write, org: [header, cookie] }
  - { method: POST, path: /api/orgs, action: orgs.create, org: [] }
`;
const routes = parseRouteManifest(
  MANIFEST,
  'routes.yaml',
  catalogueFromPolicyData(withEvents) ?? new Map(),
).routes;

const expected = { allow: false, reason: 'cross_org', status: 403 } as const;
const fake = (
  c: Omit<BoundaryCase, 'expected' | 'boundary' | 'principal' | 'scenario'>,
): BoundaryCase => ({
  ...c,
  scenario: { mode: 'multi', principal: null, action: c.action, named: {} },
  boundary: 'other_org',
  principal: 'session:viewer',
  expected,
});
const suite = {
  cases: [
    fake({ name: 'org.read × other_org', action: 'org.read', surface: 'decide' }),
    fake({
      name: 'org.read × other_org × forward-auth',
      action: 'org.read',
      surface: 'forward_auth',
      route: { method: 'GET', path: '/api/orgs/{org}', uri: '/api/orgs/{org}' },
    }),
    fake({
      name: 'resource.write via POST',
      action: 'resource.write',
      surface: 'forward_auth',
      route: {
        method: 'POST',
        path: '/api/resources/{type}/{id}',
        uri: '/api/resources/{type}/{id}',
      },
    }),
    // Another route's path with this route's method: not this route's case.
    fake({
      name: 'elsewhere',
      action: 'resource.write',
      surface: 'forward_auth',
      route: { method: 'PUT', path: '/api/other', uri: '/api/other' },
    }),
  ],
  cells: [],
};

function input(over: Partial<InventoryInput> = {}): InventoryInput {
  return {
    policy: { source: 'policy.dir policies', revision: 'sha256:r', data: withEvents },
    manifest: { source: 'routes.yaml', routes },
    suite,
    rego: {
      source: 'policies',
      cases: [
        {
          name: 'a_test.rego › test_a › maintenance reaches members',
          strings: new Set(['maintenance', 'events.receive']),
        },
        { name: 'a_test.rego › test_read', strings: new Set(['org.read']) },
      ],
    },
    tables: {
      source: 'tables',
      cases: [
        {
          name: 'events.yaml › deleted node',
          action: 'events.receive',
          strings: new Set(['node.deleted']),
        },
        {
          name: 'data.yaml › a write',
          action: 'resource.write',
          strings: new Set(['resource.write']),
        },
      ],
    },
    openapi: null,
    riskRegister: { file: 'docs/risk-register.md', entries: [] },
    ...over,
  };
}

describe('buildInventory', () => {
  it("gives each route its guard from the catalogue and the route's own covering tests", () => {
    const inv = buildInventory(input());
    const [read, write, create] = inv.routes;
    expect(read).toEqual({
      methods: ['GET'],
      path: '/api/orgs/{org}',
      action: 'org.read',
      org_from: ['path'],
      min_role: 'viewer',
      scope: 'settings:read',
      tokens: 'allowed',
      org_scoped: true,
      tests: {
        generated: {
          forward_auth: ['org.read × other_org × forward-auth'],
          decide: ['org.read × other_org'],
        },
        rego: ['a_test.rego › test_read'],
        decision_tables: [],
      },
      covered: true,
    });
    expect(write?.org_from).toEqual(['header', 'cookie']);
    expect(write?.org_scoped).toBe(false);
    expect(write?.tests.generated).toEqual({
      forward_auth: ['resource.write via POST'],
      decide: [],
    });
    expect(write?.tests.decision_tables).toEqual(['data.yaml › a write']);
    expect(create).toMatchObject({
      min_role: null,
      tokens: 'session_only',
      org_from: [],
      covered: false,
    });
  });

  it('flags an uncovered route and a malformed or uncovered event type as gaps', () => {
    const inv = buildInventory(input());
    expect(inv.gaps).toEqual([
      { kind: 'uncovered_route', message: 'POST /api/orgs (orgs.create): no test covers it' },
      {
        kind: 'event_catalogue_problem',
        message: 'event broken: scope must be one of org, global, recipient',
      },
      { kind: 'uncovered_event', message: 'event invite.received: no test names it' },
    ]);
  });

  it('builds the event matrix: scope key, rule, filter point, channels, tests', () => {
    const { events } = buildInventory(input());
    expect(events.filter_point).toEqual({
      endpoint: 'POST /v1/events/filter',
      action: 'events.receive',
    });
    expect(events.types.map((e) => [e.type, e.scope, e.scope_key, e.covered])).toEqual([
      ['node.deleted', 'org', 'event.org', true],
      ['maintenance', 'global', "none (the recipient connection's org)", true],
      ['invite.received', 'recipient', 'event.user in event.org', false],
    ]);
    expect(events.types[0]?.tests.decision_tables).toEqual(['events.yaml › deleted node']);
    expect(events.types[1]?.tests.rego).toEqual([
      'a_test.rego › test_a › maintenance reaches members',
    ]);
  });

  it('reports a policy without an event catalogue as a gap, not a crash', () => {
    const inv = buildInventory(
      input({ policy: { source: 'p', revision: 'r', data: withoutEvents } }),
    );
    expect(inv.events).toMatchObject({ catalogue: false, types: [] });
    expect(inv.gaps.map((g) => g.kind)).toContain('event_catalogue_missing');
    expect(renderInventoryMarkdown(inv)).toContain('**GAP**: the policy has no event catalogue');
  });

  it('counts guarded operations, lists the unguarded ones as gaps, and never rounds up to 100 %', () => {
    const file = path.resolve('test/evidence/inventory-fixtures/openapi-unguarded.json');
    const operations = parseOpenApi(readFileSync(file, 'utf8'), file);
    const inv = buildInventory(input({ openapi: { file: 'api.json', operations } }));
    expect(inv.openapi).toMatchObject({ operations: 7, guarded: 1, percent: 14.2 });
    expect(inv.openapi?.unguarded.map((o) => `${o.method} ${o.path}`)).toEqual([
      'PATCH /api/orgs/{orgId}',
      'GET /api/orgs/{orgId}/shares/incoming',
      'DELETE /api/orgs/{orgId}/shares/export',
      'HEAD /api/resources/{type}/{id}',
      'GET /api/resources/{type}/{id}.json',
      'POST /api/AI/chat',
    ]);
    expect(inv.gaps.filter((g) => g.kind === 'unguarded_operation')).toHaveLength(6);
    const many = Array.from({ length: 1000 }, (_, i) => ({
      method: 'GET',
      path: `/api/orgs/{o}`,
      operationId: `${i}`,
    }));
    const almost = buildInventory(
      input({
        openapi: {
          file: 'a',
          operations: [...many.slice(1), { method: 'GET', path: '/nope', operationId: null }],
        },
      }),
    );
    expect(almost.openapi?.percent).toBe(99.9);
  });

  it('reports a missing risk register and a missing manifest as gaps', () => {
    const inv = buildInventory(
      input({
        manifest: { source: 'none: no routes.yaml in policy.dir', routes: null },
        riskRegister: { file: 'docs/risk-register.md', entries: null },
      }),
    );
    expect(inv.routes).toEqual([]);
    expect(inv.gaps.map((g) => g.message)).toEqual(
      expect.arrayContaining([
        'no route manifest (none: no routes.yaml in policy.dir)',
        'no risk register (docs/risk-register.md)',
      ]),
    );
  });

  it('without a generated suite, credits only hand-written tests and says so', () => {
    const inv = buildInventory(input({ suite: null }));
    expect(inv.test_sources.generated).toBe(false);
    expect(inv.routes[0]?.tests.generated).toBeNull();
    expect(inv.routes[0]?.covered).toBe(true); // the Rego test
  });
});

describe('renderInventoryMarkdown', () => {
  const md = renderInventoryMarkdown(buildInventory(input()));

  it("prints the routes table with a marked gap column and each route's counts", () => {
    expect(md).toContain(
      '| gap | method | path | action | org from | min role | scope | tokens | org-scoped | tests |',
    );
    expect(md).toContain(
      '|  | GET | `/api/orgs/{org}` | `org.read` | path | viewer | settings:read | tokens allowed | yes | generated 2 (forward-auth 1, decide 1), rego 1, tables 0 |',
    );
    expect(md).toContain(
      '| **GAP** | POST | `/api/orgs` | `orgs.create` | none | — | settings:write | session only | yes |',
    );
  });

  it('ends with a Gaps section listing every gap', () => {
    const gaps = md.slice(md.indexOf('## Gaps'));
    expect(gaps).toContain('- uncovered_route: POST /api/orgs (orgs.create): no test covers it');
    expect(gaps).toContain('- uncovered_event: event invite.received: no test names it');
  });
});
