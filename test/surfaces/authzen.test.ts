/**
 * The AuthZEN 1.0 routes through a real app (compiled default policy, fixture directory, HS256
 * tokens, a caller token required). The specification's own examples are replayed with the ids
 * adapted to the fixture directory: its subjects (`alice@acmecorp.com`, `alice@example.com`)
 * become the fixture's `alice` (owner of acme, viewer of globex); its actions `can_read` /
 * `read` and `can_edit` become the catalogue's `resource.read` and `resource.write`; its
 * resources keep their type and id and gain `properties.org`, the org they live in. The
 * evaluations-semantics example denies document 2: there the subject is carol (editor of acme)
 * and document 2 lives in globex, an org she is not a member of.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_STATUS } from '../../src/contract/reasons.js';
import { apiToken, postJson, session } from '../support/app.js';
import { sendRaw } from '../support/raw-http.js';
import { startSurfaceApp, type SurfaceApp } from './helpers.js';

const CALLER_TOKEN = 'caller-token-for-authzen-0123456789';
const CALLER = { 'x-orgwarden-caller-token': CALLER_TOKEN };
const BASE_URL = 'https://pdp.example.com';

let s: SurfaceApp;
beforeAll(async () => {
  s = await startSurfaceApp({
    multiTenant: true,
    extra: {
      server: { host: '127.0.0.1', port: 0, caller_token_env: 'ORGWARDEN_CALLER_TOKEN' },
      authzen: { base_url: BASE_URL },
    },
    env: { ORGWARDEN_CALLER_TOKEN: CALLER_TOKEN },
  });
});
afterAll(() => s.stop());

const evaluation = (body: unknown, headers: Record<string, string> = {}) =>
  postJson(`${s.url}/access/v1/evaluation`, body, { ...CALLER, ...headers });
const evaluations = (body: unknown, headers: Record<string, string> = {}) =>
  postJson(`${s.url}/access/v1/evaluations`, body, { ...CALLER, ...headers });

async function decisionsMade(): Promise<number> {
  const metric = s.app.metrics.registry.getSingleMetric('orgwarden_decisions_total');
  const values = metric ? (await metric.get()).values : [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

const alice = { type: 'user', id: 'alice' };
const doc = (id: string, org = 'acme') => ({ type: 'document', id, properties: { org } });
const decisions = (body: unknown) =>
  (body as { evaluations: { decision: boolean }[] }).evaluations.map((e) => e.decision);

describe("the specification's examples", () => {
  it('Access Evaluation request (6.1): decision and orgwarden context', async () => {
    const res = await evaluation(
      {
        subject: alice,
        resource: { type: 'account', id: '123', properties: { org: 'acme' } },
        action: { name: 'resource.read', properties: { method: 'GET' } },
        context: { time: '1985-10-26T01:22-07:00' },
      },
      { 'x-request-id': 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716' },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('bfe9eb29-ab87-4ca3-be83-a1d5d8305716');
    expect(res.json).toEqual({
      decision: true,
      context: {
        reason: 'allowed',
        status: 200,
        spoof: false,
        effective_org: 'acme',
        decision_id: expect.stringMatching(/^[0-9A-Z]{26}$/) as unknown,
        retryable: false,
      },
    });
  });

  it('Access Evaluations without defaults, with defaults, and with an overridden default (7.1)', async () => {
    const items = ['boxcarring.md', 'subject-search.md', 'resource-search.md'];
    const none = await evaluations({
      evaluations: items.map((id) => ({
        subject: alice,
        action: { name: 'resource.read' },
        resource: doc(id),
        context: { time: '2024-05-31T15:22-07:00' },
      })),
    });
    expect([none.status, decisions(none.json)]).toEqual([200, [true, true, true]]);
    const defaults = await evaluations({
      subject: alice,
      context: { time: '2024-05-31T15:22-07:00' },
      evaluations: items.map((id) => ({ action: { name: 'resource.read' }, resource: doc(id) })),
    });
    expect(decisions(defaults.json)).toEqual([true, true, true]);
    // vera is a viewer of acme: reading is allowed, the overriding `can_edit` is not.
    const overridden = await evaluations({
      subject: { type: 'user', id: 'vera' },
      context: { time: '2024-05-31T15:22-07:00' },
      action: { name: 'resource.read' },
      evaluations: [
        { resource: doc('boxcarring.md') },
        { resource: doc('subject-search.md') },
        { action: { name: 'resource.write' }, resource: doc('resource-search.md') },
      ],
    });
    expect(decisions(overridden.json)).toEqual([true, true, false]);
    const third = (overridden.json as { evaluations: { context: unknown }[] }).evaluations[2];
    expect(third?.context).toMatchObject({ reason: 'insufficient_role', status: 403 });
  });

  describe('evaluations semantics (7.1.2): read three documents, the second one denied', () => {
    const body = (semantic?: string) => ({
      subject: { type: 'user', id: 'carol' },
      action: { name: 'resource.read' },
      ...(semantic ? { options: { evaluations_semantic: semantic } } : {}),
      evaluations: [
        { resource: doc('1') },
        { resource: doc('2', 'globex') },
        { resource: doc('3') },
      ],
    });

    it('execute_all (and no option): every decision, in order', async () => {
      for (const semantic of ['execute_all', undefined]) {
        const before = await decisionsMade();
        const res = await evaluations(body(semantic));
        expect([semantic, res.status, decisions(res.json)]).toEqual([
          semantic,
          200,
          [true, false, true],
        ]);
        expect(await decisionsMade()).toBe(before + 3);
      }
    });

    it('deny_on_first_deny: stops at the deny, which is the last answer; nothing after it is decided', async () => {
      const before = await decisionsMade();
      const res = await evaluations(body('deny_on_first_deny'));
      expect(decisions(res.json)).toEqual([true, false]);
      const denied = (res.json as { evaluations: { context: unknown }[] }).evaluations[1];
      expect(denied?.context).toMatchObject({ reason: 'access_denied', spoof: true });
      expect(await decisionsMade()).toBe(before + 2);
    });

    it('permit_on_first_permit: stops at the first permit', async () => {
      const before = await decisionsMade();
      const res = await evaluations(body('permit_on_first_permit'));
      expect(decisions(res.json)).toEqual([true]);
      expect(await decisionsMade()).toBe(before + 1);
    });

    it('a run that never meets its stopping decision answers every evaluation', async () => {
      const res = await evaluations({
        ...body('permit_on_first_permit'),
        evaluations: [{ resource: doc('2', 'globex') }, { resource: doc('4', 'globex') }],
      });
      expect(decisions(res.json)).toEqual([false, false]);
    });
  });

  it('an evaluations request without evaluations (or with none) is a single evaluation (7.1)', async () => {
    const single = { subject: alice, action: { name: 'resource.read' }, resource: doc('1') };
    for (const body of [single, { ...single, evaluations: [] }]) {
      const res = await evaluations(body);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ decision: true, context: { reason: 'allowed' } });
      expect(res.json).not.toHaveProperty('evaluations');
    }
  });

  it('the metadata document (10): the configured identifier and the two endpoints, no credential needed', async () => {
    const res = await fetch(`${s.url}/.well-known/authzen-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      policy_decision_point: BASE_URL,
      access_evaluation_endpoint: `${BASE_URL}/access/v1/evaluation`,
      access_evaluations_endpoint: `${BASE_URL}/access/v1/evaluations`,
    });
  });

  it('the Host header never changes the metadata', async () => {
    const port = Number(new URL(s.url).port);
    const res = await sendRaw(port, {
      method: 'GET',
      target: '/.well-known/authzen-configuration',
      headers: { host: 'evil.example' },
    });
    expect(res.json).toMatchObject({ policy_decision_point: BASE_URL });
  });
});

describe('the mapping', () => {
  it('the org comes from context.org before resource.properties.org; the resource keeps its own org', async () => {
    // erin owns globex; node n1 of acme is shared with globex (accepted, viewer).
    const res = await evaluation({
      subject: { type: 'user', id: 'erin' },
      action: { name: 'resource.read' },
      resource: { type: 'node', id: 'n1', properties: { org: 'acme' } },
      context: { org: 'globex' },
    });
    expect(res.json).toMatchObject({ decision: true, context: { effective_org: 'globex' } });
    const without = await evaluation({
      subject: { type: 'user', id: 'erin' },
      action: { name: 'resource.read' },
      resource: { type: 'node', id: 'n1', properties: { org: 'acme' } },
    });
    expect(without.json).toMatchObject({
      decision: false,
      context: { reason: 'access_denied', spoof: true },
    });
  });

  it('the org resource is the org itself', async () => {
    const res = await evaluation({
      subject: { type: 'user', id: 'bob' },
      action: { name: 'org.members.invite' },
      resource: { type: 'org', id: 'acme' },
    });
    expect(res.json).toMatchObject({
      decision: true,
      context: { reason: 'allowed', effective_org: 'acme' },
    });
  });

  it('a subject with a token is the principal of the token, verified like a bearer token', async () => {
    const carol = await session('carol');
    const ok = await evaluation({
      subject: { type: 'user', id: 'carol', properties: { token: carol } },
      action: { name: 'resource.write' },
      resource: doc('1'),
    });
    expect(ok.json).toMatchObject({ decision: true });
    const token = await apiToken('tok-1', { org_id: 'acme', scope: 'monitoring:read' });
    const api = await evaluation({
      subject: { type: 'api_token', id: 'tok-1', properties: { token } },
      action: { name: 'resource.read' },
      resource: doc('1'),
    });
    expect(api.json).toMatchObject({ decision: true, context: { effective_org: 'acme' } });
    const expired = await evaluation({
      subject: { type: 'user', id: 'carol', properties: { token: 'not.a.jwt' } },
      action: { name: 'resource.read' },
      resource: doc('1'),
    });
    expect(expired.json).toMatchObject({
      decision: false,
      context: { reason: 'unauthenticated', status: REASON_STATUS.unauthenticated },
    });
  });

  it('unknown members are ignored (11.1.1); properties other than token and org are not read', async () => {
    const res = await evaluation({
      subject: { ...alice, properties: { department: 'Sales', role: 'owner' }, extra: 1 },
      action: { name: 'resource.read', properties: { method: 'GET' } },
      resource: { ...doc('1'), properties: { org: 'acme', owner: 'alice' } },
      future_member: { anything: true },
    });
    expect(res.json).toMatchObject({ decision: true });
  });
});

describe('bad input: 400 with its own message, no decision made', () => {
  const valid = { subject: alice, action: { name: 'resource.read' }, resource: doc('1') };
  const cases: [string, unknown, string, 'evaluation' | 'evaluations'][] = [
    ['no subject', { ...valid, subject: undefined }, 'subject: required', 'evaluation'],
    [
      'no resource id',
      { ...valid, resource: { type: 'x' } },
      'resource.id: required',
      'evaluation',
    ],
    ['an empty action name', { ...valid, action: { name: '' } }, 'action.name:', 'evaluation'],
    [
      'a subject type orgwarden does not decide for',
      { ...valid, subject: { type: 'group', id: 'g' } },
      'subject.type: must be one of user, api_token',
      'evaluation',
    ],
    [
      'an API token subject without its token',
      { ...valid, subject: { type: 'api_token', id: 't' } },
      'subject.type: only a "user" can be vouched for',
      'evaluation',
    ],
    [
      'a vouched user id that is not canonical',
      { ...valid, subject: { type: 'user', id: ' alice' } },
      'subject.id:',
      'evaluation',
    ],
    [
      'a context value that is not a string',
      { ...valid, context: { time: 5 } },
      'context.time: must be a string',
      'evaluation',
    ],
    [
      'an org resource and a context.org that disagree',
      { ...valid, resource: { type: 'org', id: 'acme' }, context: { org: 'globex' } },
      'context.org: names another org than the org resource',
      'evaluation',
    ],
    [
      'an item without a subject and no default',
      { evaluations: [{ action: { name: 'a' }, resource: doc('1') }] },
      'evaluations[0].subject: required',
      'evaluations',
    ],
    [
      'an unknown semantic',
      { ...valid, evaluations: [{}], options: { evaluations_semantic: 'first' } },
      'options.evaluations_semantic: must be one of',
      'evaluations',
    ],
    [
      'more items than a batch may hold',
      { ...valid, evaluations: Array.from({ length: 1001 }, () => ({})) },
      'evaluations: at most 1000 items',
      'evaluations',
    ],
    [
      'a bad second item (the first is not decided either)',
      { ...valid, evaluations: [{}, { subject: { type: 'user', id: '' } }] },
      'evaluations[1].subject.id:',
      'evaluations',
    ],
  ];
  it.each(cases)('%s', async (_name, body, message, route) => {
    const before = await decisionsMade();
    const res = await (route === 'evaluation' ? evaluation : evaluations)(body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_request' } });
    expect((res.json as { error: { message: string } }).error.message).toContain(message);
    expect(await decisionsMade()).toBe(before);
  });

  it('a subject that is not the principal of its valid token', async () => {
    const before = await decisionsMade();
    const token = await session('carol');
    const res = await evaluations({
      action: { name: 'resource.read' },
      resource: doc('1'),
      evaluations: [
        { subject: alice },
        { subject: { type: 'user', id: 'alice', properties: { token } } },
      ],
    });
    expect([res.status, (res.json as { error: { message: string } }).error.message]).toEqual([
      400,
      'evaluations[1].subject: type and id must name the principal of subject.properties.token',
    ]);
    const kind = await evaluation({
      ...valid,
      subject: { type: 'api_token', id: 'carol', properties: { token } },
    });
    expect(kind.status).toBe(400);
    expect(await decisionsMade()).toBe(before);
  });

  it('not JSON, another content type, a bad X-Request-ID (echoed errors keep a good one)', async () => {
    expect((await evaluation('{')).status).toBe(400);
    const typed = await postJson(`${s.url}/access/v1/evaluation`, valid, {
      ...CALLER,
      'content-type': 'text/plain',
    });
    expect(typed.status).toBe(415);
    const longId = await evaluation(valid, { 'x-request-id': 'x'.repeat(257) });
    expect(longId.status).toBe(400);
    const echoed = await evaluation({}, { 'x-request-id': 'req-1' });
    expect([echoed.status, echoed.headers.get('x-request-id')]).toEqual([400, 'req-1']);
  });
});

describe('caller token', () => {
  it('both decision routes need it (401, nothing decided); the metadata does not', async () => {
    const before = await decisionsMade();
    for (const path of ['/access/v1/evaluation', '/access/v1/evaluations']) {
      const res = await postJson(`${s.url}${path}`, {
        subject: alice,
        action: { name: 'resource.read' },
        resource: doc('1'),
      });
      expect([path, res.status]).toEqual([path, 401]);
    }
    expect(await decisionsMade()).toBe(before);
    expect((await fetch(`${s.url}/.well-known/authzen-configuration`)).status).toBe(200);
  });
});
