/**
 * Strings that are not well-formed Unicode (a lone surrogate, which is valid JSON: `"\ud800"`) are
 * a 400 `invalid_request` naming the field on every endpoint that reads a body, change nothing, and
 * never reach the policy: no `policy_error`, on any surface, from any client input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialRequest } from '../../src/contract/decision-request.js';
import { postJson, session } from '../support/app.js';
import { countEvaluations, startSurfaceApp, type SurfaceApp } from '../surfaces/helpers.js';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
const LONE = '\ud800';

let s: SurfaceApp;
let aliceToken: string;
let evaluations: ReturnType<typeof countEvaluations>;
beforeAll(async () => {
  s = await startSurfaceApp({ multiTenant: true });
  aliceToken = await session('alice');
  evaluations = countEvaluations(s.app);
});
afterAll(() => s.stop());

const authzen = () => ({
  subject: { type: 'user', id: 'alice' },
  action: { name: 'org.read' },
  resource: { type: 'org', id: 'acme' },
});
const authorize = () => ({
  token: aliceToken,
  org: 'acme',
  action: 'org.read',
  resource: { type: 'org', id: 'acme', org: 'acme' },
  context: { target_user: 'bob' },
});
const event = () => ({
  channel: 'push',
  event: { type: 'alert', org: 'acme' },
  recipients: [{ id: 's1', user: 'alice', org: 'acme' }],
});
const job = () => ({
  job: {
    id: 'j1',
    type: 'report',
    org: 'acme',
    enqueued_by: { user: 'alice' },
    action: 'resource.read',
    resource: { type: 'node', id: 'n1' },
  },
});

describe('decision endpoints: 400 naming the field, and the policy is never asked', () => {
  const cases: [string, string, unknown, RegExp][] = [
    [
      'authorize: a lone surrogate in the org',
      '/v1/authorize',
      { ...authorize(), org: `acme${LONE}` },
      /^org: must be well-formed Unicode/,
    ],
    [
      'authorize: in a context value',
      '/v1/authorize',
      { ...authorize(), context: { target_user: `b${LONE}ob` } },
      /^context.target_user: must be well-formed Unicode/,
    ],
    [
      'authorize: in a context key',
      '/v1/authorize',
      { ...authorize(), context: { [`k${LONE}`]: 'x' } },
      /^context: keys must be well-formed Unicode/,
    ],
    [
      'authorize: in a resource id',
      '/v1/authorize',
      { ...authorize(), resource: { type: 'node', id: `\udfff` } },
      /^resource.id: must be well-formed Unicode/,
    ],
    [
      'authorize: in the action',
      '/v1/authorize',
      { ...authorize(), action: `org.read${LONE}` },
      /^action: must be well-formed Unicode/,
    ],
    [
      'authorize: in a header value',
      '/v1/authorize',
      {
        headers: { authorization: `Bearer ${aliceToken}`, 'x-org-id': `acme${LONE}` },
        action: 'org.read',
      },
      /^headers.x-org-id: must be well-formed/,
    ],
    [
      'authorize: in the cookie header',
      '/v1/authorize',
      {
        headers: { authorization: `Bearer ${aliceToken}`, cookie: `org_id=acme${LONE}` },
        action: 'org.read',
      },
      /^headers.cookie: must be well-formed/,
    ],
    [
      'authorize: in an unknown field (refused before the field check)',
      '/v1/authorize',
      { ...authorize(), [LONE]: 1 },
      /^request body: keys must be well-formed/,
    ],
    [
      'batch: in one item',
      '/v1/authorize/batch',
      { items: [authorize(), { ...authorize(), org: LONE }] },
      /^items\[1\].org: must be well-formed Unicode/,
    ],
    [
      'events: in a recipient user',
      '/v1/events/filter',
      { ...event(), recipients: [{ id: 's1', user: `al${LONE}ice`, org: 'acme' }] },
      /^recipients\[0\].user: must be well-formed/,
    ],
    [
      'events: in the event type',
      '/v1/events/filter',
      { ...event(), event: { type: `alert${LONE}`, org: 'acme' } },
      /^event.type: must be well-formed/,
    ],
    [
      'jobs: in the enqueuer',
      '/v1/jobs/authorize',
      { job: { ...job().job, enqueued_by: { user: `alice${LONE}` } } },
      /^job.enqueued_by.user: must be well-formed/,
    ],
    [
      'jobs: in the job org',
      '/v1/jobs/authorize',
      { job: { ...job().job, org: `${LONE}acme` } },
      /^job.org: must be well-formed/,
    ],
    [
      'AuthZEN: in the subject id',
      '/access/v1/evaluation',
      { ...authzen(), subject: { type: 'user', id: `alice${LONE}` } },
      /^subject.id: must be well-formed/,
    ],
    [
      'AuthZEN: in a property orgwarden ignores (refused all the same)',
      '/access/v1/evaluations',
      { ...authzen(), evaluations: [{}, { action: { name: 'x', properties: { m: LONE } } }] },
      /^evaluations\[1\].action.properties.m: must be well-formed/,
    ],
    [
      'deep in a nested list',
      '/v1/authorize',
      { ...authorize(), context: { x: [[[{ y: LONE }]]] } },
      /^context.x\[0\]\[0\]\[0\].y: must be well-formed/,
    ],
  ];
  it.each(cases)('%s', async (_name, path, body, message) => {
    evaluations.reset();
    const res = await postJson(`${s.url}${path}`, body);
    expect(res.status).toBe(400);
    expect(res.json?.error?.code).toBe('invalid_request');
    expect(res.json?.error?.message).toMatch(message);
    expect(evaluations.count).toBe(0);
  });

  it('the same documents without the surrogate are decided (the refusal is about the surrogate alone)', async () => {
    for (const [path, body] of [
      ['/v1/authorize', authorize()],
      ['/v1/events/filter', event()],
      ['/v1/jobs/authorize', job()],
      ['/access/v1/evaluation', authzen()],
    ] as const) {
      const res = await postJson(`${s.url}${path}`, body);
      expect(res.status, path).toBe(200);
    }
  });

  it('a surrogate pair (a well-formed astral character) is accepted and decided', async () => {
    const res = await postJson(`${s.url}/v1/authorize`, {
      ...authorize(),
      context: { note: 'rocket \ud83d\ude80' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ allow: true, reason: 'allowed' });
  });

  it('the error message itself is well-formed Unicode (no half of a pair quoted back)', async () => {
    const key = `${'k'.repeat(31)}\ud83d\ude80${LONE}`;
    const res = await postJson(`${s.url}/v1/authorize`, {
      ...authorize(),
      context: { [key]: { v: LONE } },
    });
    expect(res.status).toBe(400);
    expect(res.text.includes('\\ud')).toBe(false);
    expect((res.json?.error?.message as string).isWellFormed()).toBe(true);
  });
});

describe('management endpoints: 400, and nothing changes', () => {
  const adminPut = (path: string, body: unknown) =>
    postJsonWith('PUT', `${s.url}${path}`, body, ADMIN);

  it('a directory record write with a lone surrogate in a member id is refused and the record is unchanged', async () => {
    const before = await fetch(`${s.url}/v1/directory/orgs/acme`, { headers: ADMIN }).then((r) =>
      r.text(),
    );
    const res = await adminPut('/v1/directory/orgs/acme', {
      status: 'active',
      members: [{ user: `mallory${LONE}`, role: 'owner' }],
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_request' });
    expect(res.json.error.message).toMatch(/^members\[0\].user: must be well-formed Unicode/);
    expect(
      await fetch(`${s.url}/v1/directory/orgs/acme`, { headers: ADMIN }).then((r) => r.text()),
    ).toBe(before);
  });

  it('a member write with a lone surrogate in the role is refused', async () => {
    const res = await adminPut('/v1/directory/orgs/acme/members/zoe', { role: `admin${LONE}` });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^role: must be well-formed Unicode/);
    expect(
      (
        await fetch(`${s.url}/v1/directory/orgs/acme`, { headers: ADMIN }).then(
          (r) => r.json() as Promise<{ members: { user: string }[] }>,
        )
      ).members.map((m) => m.user),
    ).not.toContain('zoe');
  });

  it('the kill switch refuses a key with a lone surrogate and keeps its state', async () => {
    const res = await adminPut('/v1/admin/tenancy', { multi_tenant: false, [LONE]: true });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^request body: keys must be well-formed/);
    expect(s.app.tenancy.isMultiTenant()).toBe(true);
  });

  it('the shadow loader refuses a path with a lone surrogate', async () => {
    const res = await postJsonWith(
      'POST',
      `${s.url}/v1/admin/policy/shadow`,
      { dir: `/tmp/${LONE}` },
      ADMIN,
    );
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^dir: must be well-formed/);
    expect(s.app.rollout.shadow.status()).toBeNull();
  });
});

describe('the core, called in process, never lets such a string reach the policy', () => {
  // The document parser (`authorize`) refuses these naming the field; `decide`, which in-process
  // callers and every surface hand a request already parsed, must not pass them to the WASM either.
  const request = (): CredentialRequest => ({
    kind: 'request',
    token: aliceToken,
    named_org: { id: 'acme', source: 'field' },
    action: 'org.read',
    resource: { type: 'org', id: 'acme', org: 'acme' },
    context: { target_user: 'bob' },
  });
  const cases: [string, Partial<CredentialRequest>, string, RegExp][] = [
    ['in the action', { action: `org.read${LONE}` }, 'unknown_action', /^action: /],
    [
      'in the org field',
      { named_org: { id: `acme${LONE}`, source: 'field' } },
      'invalid_org',
      /^org: /,
    ],
    [
      'in the resource org',
      { resource: { type: 'node', id: 'n1', org: LONE } },
      'invalid_org',
      /^resource\.org: /,
    ],
    [
      'in the resource id',
      { resource: { type: 'node', id: LONE, org: null } },
      'access_denied',
      /^resource\.id: /,
    ],
    ['in a context key', { context: { [LONE]: 'x' } }, 'access_denied', /^context/],
  ];
  it.each(cases)(
    '%s: a deny with its own reason, not policy_error',
    async (_name, patch, reason) => {
      evaluations.reset();
      const decision = await s.app.authorizer.decide({ ...request(), ...patch });
      expect(decision).toMatchObject({
        allow: false,
        reason,
        detail: 'malformed_input',
        spoof: false,
        effective_org: null,
      });
      expect(evaluations.count).toBe(0);
    },
  );

  it.each(cases)(
    '%s: the document parser refuses it, naming the field',
    async (_name, patch, _reason, field) => {
      const { named_org: namedOrg, kind: _kind, ...rest } = { ...request(), ...patch };
      const parsed = await s.app.authorizer.authorize({ ...rest, org: namedOrg?.id ?? 'acme' });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(field);
    },
  );

  it('a principal vouched for by a server-side caller with a malformed id is unauthenticated', async () => {
    const decision = await s.app.authorizer.decide({
      kind: 'event',
      token: undefined,
      trusted_principal: {
        id: `alice${LONE}`,
        kind: 'session',
        scopes: [],
        bound_orgs: null,
        auth_time: null,
      },
      named_org: { id: 'acme', source: 'field' },
      action: 'events.receive',
      resource: { type: 'event', id: 'alert', org: 'acme' },
      context: {},
    });
    expect(decision).toMatchObject({
      allow: false,
      reason: 'unauthenticated',
      detail: 'claim_invalid',
      principal: null,
    });
  });
});

async function postJsonWith(
  method: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: JSON.parse(text) as { error: { code: string; message: string } },
    text,
  };
}
