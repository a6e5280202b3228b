/**
 * Property: an AuthZEN evaluation answers exactly what `POST /v1/authorize` answers for the
 * equivalent request (docs/authzen.md, "The mapping"): the same allow, reason, status, effective
 * org and spoof. Both are asked of one running app over HTTP, for subjects vouched for, sessions
 * and API tokens (bound to one org, several, or none), every catalogue action and one unknown, orgs
 * that exist, are suspended, do not exist or are malformed, the org resource, resources of either
 * org, and a `target_user`. Seeded (test/support/fuzz.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiToken, postJson, session } from '../support/app.js';
import { fuzzParams } from '../support/fuzz.js';
import { startSurfaceApp, type SurfaceApp } from './helpers.js';

const USERS = [
  'alice',
  'bob',
  'carol',
  'dave',
  'vera',
  'erin',
  'frank',
  'gina',
  'root-admin',
  'mallory',
];
const ORGS = ['acme', 'globex', 'frozen', 'leaving', 'default', 'nope', 'Bad Org', 'ACME'];
const ACTIONS = [
  ...Object.keys(
    (
      JSON.parse(readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8')) as {
        actions: Record<string, unknown>;
      }
    ).actions,
  ),
  'no.such.action',
];
const API_TOKENS = {
  'tok-acme': { org_id: 'acme', scope: 'monitoring:read monitoring:write settings:read' },
  'tok-both': { org_ids: ['acme', 'globex'], scope: 'monitoring:read settings:read' },
  'tok-default': { scope: 'monitoring:read ai:chat' },
} as const;

let s: SurfaceApp;
const tokens = new Map<string, string>();
beforeAll(async () => {
  s = await startSurfaceApp({ multiTenant: true });
  for (const user of USERS) tokens.set(`session:${user}`, await session(user));
  for (const [id, claims] of Object.entries(API_TOKENS))
    tokens.set(`api_token:${id}`, await apiToken(id, claims));
});
afterAll(() => s.stop());

const subjectArb = fc.oneof(
  fc.record({ form: fc.constant('vouched' as const), id: fc.constantFrom(...USERS) }),
  fc.record({ form: fc.constant('session' as const), id: fc.constantFrom(...USERS) }),
  fc.record({
    form: fc.constant('api_token' as const),
    id: fc.constantFrom(...Object.keys(API_TOKENS)),
  }),
);
const resourceArb = fc.oneof(
  fc.record({ kind: fc.constant('org' as const), id: fc.constantFrom(...ORGS) }),
  fc.record({
    kind: fc.constant('resource' as const),
    type: fc.constantFrom('node', 'event', 'document'),
    id: fc.constantFrom('n1', 'n2', 'n3', 'alert', 'system.maintenance'),
    org: fc.option(fc.constantFrom(...ORGS), { nil: undefined }),
  }),
);
const caseArb = fc.record({
  subject: subjectArb,
  action: fc.constantFrom(...ACTIONS),
  resource: resourceArb,
  org: fc.option(fc.constantFrom(...ORGS), { nil: undefined }),
  targetUser: fc.option(fc.constantFrom(...USERS), { nil: undefined }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** The AuthZEN evaluation of a case, and the `/v1/authorize` document the mapping says it is. */
function bothForms(c: Case): { authzen: unknown; authorize: unknown } {
  const token =
    c.subject.form === 'vouched'
      ? undefined
      : tokens.get(`${c.subject.form === 'api_token' ? 'api_token' : 'session'}:${c.subject.id}`);
  const context = c.targetUser === undefined ? {} : { target_user: c.targetUser };
  // The org resource names the org itself: context.org may only repeat it.
  const contextOrg = c.resource.kind === 'org' ? undefined : c.org;
  const authzen = {
    subject: {
      type: c.subject.form === 'api_token' ? 'api_token' : 'user',
      id: c.subject.id,
      ...(token === undefined ? {} : { properties: { token } }),
    },
    action: { name: c.action },
    resource:
      c.resource.kind === 'org'
        ? { type: 'org', id: c.resource.id }
        : {
            type: c.resource.type,
            id: c.resource.id,
            ...(c.resource.org === undefined ? {} : { properties: { org: c.resource.org } }),
          },
    context: { ...context, ...(contextOrg === undefined ? {} : { org: contextOrg }) },
  };
  const org =
    c.resource.kind === 'org' ? c.resource.id : (contextOrg ?? c.resource.org ?? undefined);
  const authorize = {
    // A vouched user is a session without a token binding or sign-in time: a plain session token.
    token: token ?? tokens.get(`session:${c.subject.id}`),
    action: c.action,
    ...(org === undefined ? {} : { org }),
    resource:
      c.resource.kind === 'org'
        ? null
        : { type: c.resource.type, id: c.resource.id, org: c.resource.org ?? null },
    context,
  };
  return { authzen, authorize };
}

it('an AuthZEN evaluation answers what /v1/authorize answers for the equivalent request', async () => {
  const reasons = new Set<unknown>();
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const { authzen, authorize } = bothForms(c);
      const [a, b] = await Promise.all([
        postJson(`${s.url}/access/v1/evaluation`, authzen),
        postJson(`${s.url}/v1/authorize`, authorize),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const want = b.json as Record<string, unknown>;
      reasons.add(want.reason);
      expect(a.json).toMatchObject({
        decision: want.allow,
        context: {
          reason: want.reason,
          status: want.status,
          effective_org: want.effective_org,
          spoof: want.spoof,
        },
      });
    }),
    fuzzParams(200),
  );
  // Not a vacuous pass: the runs met allows and a spread of denials.
  expect(reasons.has('allowed')).toBe(true);
  expect(reasons.size).toBeGreaterThan(5);
});
