/**
 * The TypeScript client (orgwarden/client) against a real orgwarden that requires the caller
 * token. Every request it sends and every answer it reads goes through the contract validator
 * (createTestApp watches the app), so the client's documents are checked against
 * openapi/orgwarden.yaml by this test too: a client type that drifted from the document sends a
 * request the validator refuses, and fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  createOrgwardenClient,
  OrgwardenApiError,
  type OrgwardenClient,
} from '../../src/client/index.js';
import { session, startTestApp } from '../support/app.js';

const CALLER_TOKEN = 'client-test-caller-token-0123';
const ADMIN_TOKEN = 'test-admin-token-0123456789';

let app: App;
let baseUrl: string;
let ow: OrgwardenClient;
beforeAll(async () => {
  ({ app, url: baseUrl } = await startTestApp({
    extra: { server: { host: '127.0.0.1', port: 0, caller_token_env: 'CALLER' } },
    env: { CALLER: CALLER_TOKEN },
  }));
  ow = createOrgwardenClient({ baseUrl, callerToken: CALLER_TOKEN, adminToken: ADMIN_TOKEN });
});
afterAll(() => app.stop());

/** The error a call rejected with (fails the test when it resolved). */
async function refusal(call: Promise<unknown>): Promise<OrgwardenApiError> {
  const err: unknown = await call.then(
    () => new Error('expected the call to be refused'),
    (e: unknown) => e,
  );
  if (!(err instanceof OrgwardenApiError)) throw err;
  return err;
}

describe('decisions', () => {
  it('authorize: an allow and a denial are both answers', async () => {
    const allowed = await ow.authorize({
      token: await session('alice'),
      org: 'acme',
      action: 'resource.read',
    });
    expect(allowed).toMatchObject({ allow: true, reason: 'allowed', effective_org: 'acme' });
    const denied = await ow.authorize({
      token: await session('erin'),
      org: 'acme',
      action: 'resource.read',
    });
    expect(denied).toMatchObject({ allow: false, reason: 'access_denied', status: 403 });
  });

  it('authorize with the headers a gateway saw', async () => {
    const decision = await ow.authorize({
      headers: { authorization: `Bearer ${await session('carol')}`, 'x-org-id': 'acme' },
      action: 'resource.read',
    });
    expect(decision).toMatchObject({ allow: true, effective_org: 'acme' });
  });

  it('authorizeBatch: one result per item, an invalid item as an item error', async () => {
    const results = await ow.authorizeBatch([
      { token: await session('alice'), org: 'acme', action: 'resource.read' },
      { org: 'acme', action: 'resource.read' } as never,
    ]);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ allow: true });
    expect(results[1]).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('filterEvent and authorizeJob', async () => {
    const filtered = await ow.filterEvent({
      channel: 'websocket',
      event: { type: 'alert', org: 'acme' },
      recipients: [
        { id: 's1', user: 'alice', org: 'acme' },
        { id: 's2', user: 'erin', org: 'acme' },
      ],
    });
    expect(filtered.allowed).toEqual(['s1']);
    expect(filtered.denied).toEqual([{ id: 's2', reason: 'access_denied' }]);
    const job = await ow.authorizeJob({
      id: 'j1',
      type: 'report',
      org: 'acme',
      enqueued_by: { user: 'carol' },
      action: 'resource.read',
    });
    expect(job).toMatchObject({ allow: true, effective_org: 'acme' });
  });

  it('features for the end user, and a 401 without a valid token', async () => {
    const features = await ow.features(await session('alice'));
    expect(features.multi_tenant).toBe(true);
    if (features.multi_tenant) expect(features.orgs.map((o) => o.id)).toContain('acme');
    const err = await refusal(ow.features('not-a-token'));
    expect([err.status, err.code]).toEqual([401, 'unauthorized']);
  });
});

describe('admin', () => {
  it('reads and sets the kill switch and the rollout, and reads the audit trail', async () => {
    expect((await ow.admin.tenancy()).multi_tenant).toBe(true);
    expect(await ow.admin.setTenancy(false)).toMatchObject({ killed: true, changed: true });
    expect(await ow.admin.setTenancy(true)).toMatchObject({ killed: false, changed: true });
    const set = await ow.admin.setRollout({ mode: 'cohort', orgs: ['acme'], percent: 0 });
    expect(set.rollout).toMatchObject({ mode: 'cohort', orgs: ['acme'] });
    expect((await ow.admin.rollout()).state).toBe('cohort');
    await ow.admin.setRollout({ mode: 'on' });
    const page = await ow.admin.audit({ since: 0, limit: 1000 });
    expect(page.entries.map((e) => e.action)).toContain('rollout.set');
    expect(page.next).toBe(page.entries.at(-1)?.seq);
  });

  it('reloads the policy and reads its status', async () => {
    const outcome = await ow.admin.reloadPolicy();
    expect(outcome).toMatchObject({ ok: true, trigger: 'api' });
    expect((await ow.policyStatus()).revision).toBe(outcome.active_revision);
  });

  it('a refusal is an OrgwardenApiError with the status, the code and the message', async () => {
    const bad = await refusal(ow.admin.setRollout({ mode: 'off', orgs: ['acme'] }));
    expect([bad.status, bad.code]).toEqual([400, 'invalid_request']);
    expect(bad.message).toMatch(/^orgs: /);
    const wrong = createOrgwardenClient({
      baseUrl,
      callerToken: CALLER_TOKEN,
      adminToken: 'x'.repeat(32),
    });
    expect((await refusal(wrong.admin.tenancy())).code).toBe('forbidden');
    const noCaller = createOrgwardenClient({ baseUrl });
    expect((await refusal(noCaller.policyStatus())).code).toBe('unauthorized');
    await expect(noCaller.admin.tenancy()).rejects.toThrow(TypeError);
  });
});

describe('the wire, with an injected fetch', () => {
  it('AuthZEN: POSTs the evaluation documents to the AuthZEN paths', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const answer = { decision: false, context: { reason: 'access_denied' } };
    const fake: typeof fetch = (url, init) => {
      sent.push({ url: url instanceof Request ? url.url : url.toString(), init: init ?? {} });
      return Promise.resolve(new Response(JSON.stringify(answer), { status: 200 }));
    };
    const client = createOrgwardenClient({
      baseUrl: 'http://ow.test/',
      callerToken: 'c',
      fetch: fake,
    });
    const request = {
      subject: { type: 'user', id: 'alice' },
      action: { name: 'resource.read' },
      resource: { type: 'node', id: 'n1', properties: { org: 'acme' } },
    };
    expect(await client.authzen.evaluation(request)).toEqual(answer);
    await client.authzen.evaluations({
      ...request,
      evaluations: [{}],
      options: { evaluations_semantic: 'deny_on_first_deny' },
    });
    expect(sent.map((s) => [s.init.method, s.url])).toEqual([
      ['POST', 'http://ow.test/access/v1/evaluation'],
      ['POST', 'http://ow.test/access/v1/evaluations'],
    ]);
    expect(JSON.parse(sent[0]?.init.body as string)).toEqual(request);
    expect(sent[0]?.init.headers).toMatchObject({
      'x-orgwarden-caller-token': 'c',
      'content-type': 'application/json',
    });
    expect(sent[0]?.init.headers).not.toHaveProperty('authorization');
  });

  it('a refined code is read as `reason` beside the public code', async () => {
    const body = { error: { code: 'not_found', reason: 'org_not_found', message: 'no such org' } };
    const answer: typeof fetch = () =>
      Promise.resolve(new Response(JSON.stringify(body), { status: 404 }));
    const client = createOrgwardenClient({
      baseUrl: 'http://ow.test',
      fetch: answer,
    });
    const err = await refusal(client.policyStatus());
    expect([err.status, err.code, err.reason, err.message]).toEqual([
      404,
      'not_found',
      'org_not_found',
      'no such org',
    ]);
  });

  it('an answer that is not an orgwarden error is unexpected_response; a failed fetch too', async () => {
    const html: typeof fetch = () =>
      Promise.resolve(new Response('<html>bad gateway</html>', { status: 502 }));
    const viaProxy = createOrgwardenClient({
      baseUrl: 'http://ow.test',
      fetch: html,
    });
    const err = await refusal(viaProxy.policyStatus());
    expect([err.status, err.code, err.body]).toEqual([
      502,
      'unexpected_response',
      '<html>bad gateway</html>',
    ]);
    const down: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
    const unreachable = createOrgwardenClient({
      baseUrl: 'http://ow.test',
      fetch: down,
    });
    expect((await refusal(unreachable.policyStatus())).code).toBe('unexpected_response');
  });
});
