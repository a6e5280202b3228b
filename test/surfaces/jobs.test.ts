/**
 * POST /v1/jobs/authorize through a real app: a job is re-checked when it runs, against the
 * directory as it is then. Real compiled policy, real HS256 tokens, a private copy of the fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASON_STATUS } from '../../src/contract/reasons.js';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';
import { apiToken, postJson, session } from '../support/app.js';
import { startSurfaceApp, type SurfaceApp } from './helpers.js';

const authorizeJob = (s: SurfaceApp, job: Record<string, unknown>) =>
  postJson(`${s.url}/v1/jobs/authorize`, { job: { id: 'j1', type: 'report', ...job } });

describe('multi-tenant on', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
  });
  afterAll(() => s.stop());

  it('a job enqueued with a session token is the /v1/authorize decision document', async () => {
    const res = await authorizeJob(s, {
      org: 'acme',
      enqueued_by: await session('carol'),
      action: 'resource.write',
      resource: { type: 'node', id: 'n1', org: 'acme' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      allow: true,
      reason: 'allowed',
      status: 200,
      effective_org: 'acme',
      role: 'editor',
      spoof: false,
    });
    expect(res.json?.principal).toEqual({ id: 'carol', kind: 'session' });
    expect(Object.keys(res.json ?? {}).sort()).toEqual([
      'allow',
      'decision_id',
      'detail',
      'effective_org',
      'multi_tenant',
      'policy_revision',
      'principal',
      'reason',
      'role',
      'spoof',
      'status',
    ]);
  });

  it('a job enqueued by a since-removed admin is denied', async () => {
    const job = { org: 'acme', enqueued_by: { user: 'bob' }, action: 'org.members.invite' };
    const before = await authorizeJob(s, job);
    expect(before.json).toMatchObject({
      allow: true,
      role: 'admin',
      principal: { id: 'bob', kind: 'session' },
    });
    await s.app.directory.removeMember('acme', 'bob');
    const after = await authorizeJob(s, job);
    expect(after.json).toMatchObject({
      allow: false,
      reason: 'access_denied',
      detail: 'not_member',
      status: 403,
      effective_org: null,
    });
    await s.app.directory.putMember('acme', 'bob', 'admin');
  });

  it('a member-management job needs a target that is exactly a member, and a canonical role', async () => {
    const job = (context: Record<string, string>, action = 'org.members.remove') => ({
      org: 'acme',
      enqueued_by: { user: 'bob' },
      action,
      context,
    });
    expect((await authorizeJob(s, job({}))).json).toMatchObject({
      allow: false,
      reason: 'target_not_member',
      detail: 'target_user_missing',
      status: 400,
    });
    expect((await authorizeJob(s, job({ target_user: 'Alice' }))).json).toMatchObject({
      allow: false,
      reason: 'target_not_member',
      detail: 'not_member',
    });
    expect((await authorizeJob(s, job({ target_user: 'alice' }))).json).toMatchObject({
      allow: false,
      reason: 'owner_role_immutable',
    });
    expect(
      (
        await authorizeJob(
          s,
          job({ target_user: 'carol', target_role: 'Owner' }, 'org.members.update_role'),
        )
      ).json,
    ).toMatchObject({
      allow: false,
      reason: 'invalid_role',
      status: 400,
    });
    expect((await authorizeJob(s, job({ target_user: 'dave' }))).json).toMatchObject({
      allow: true,
      reason: 'allowed',
    });
  });

  it('an enqueuer demoted since no longer holds the role the action needs', async () => {
    const job = { org: 'acme', enqueued_by: { user: 'carol' }, action: 'resource.write' };
    expect((await authorizeJob(s, job)).json?.allow).toBe(true);
    await s.app.directory.putMember('acme', 'carol', 'viewer');
    expect((await authorizeJob(s, job)).json).toMatchObject({
      allow: false,
      reason: 'insufficient_role',
      detail: 'editor',
      role: 'viewer',
    });
    await s.app.directory.putMember('acme', 'carol', 'editor');
  });

  it('the org must still exist and be active', async () => {
    const job = { org: 'globex', enqueued_by: { user: 'erin' }, action: 'resource.read' };
    const record = await s.app.directory.getOrg('globex');
    await s.app.directory.putOrg({ ...record!, status: 'pending_deletion' });
    expect((await authorizeJob(s, job)).json).toMatchObject({
      allow: false,
      reason: 'org_suspended',
      detail: 'pending_deletion',
    });
    await s.app.directory.deleteOrg('globex');
    expect((await authorizeJob(s, job)).json).toMatchObject({
      allow: false,
      reason: 'invalid_org',
      detail: 'unknown_org',
    });
    await s.app.directory.putOrg(record!);
    expect((await authorizeJob(s, job)).json?.allow).toBe(true);
  });

  it('a resource of another org is cross_org, even where an accepted share lets a request through', async () => {
    // acme shares node n1 with globex (accepted, viewer): erin may read it in a request, not in a job
    const resource = { type: 'node', id: 'n1', org: 'acme' };
    const request = await postJson(`${s.url}/v1/authorize`, {
      token: await session('erin'),
      org: 'globex',
      action: 'resource.read',
      resource,
    });
    expect(request.json?.allow).toBe(true);
    const job = await authorizeJob(s, {
      org: 'globex',
      enqueued_by: { user: 'erin' },
      action: 'resource.read',
      resource,
    });
    expect(job.json).toMatchObject({ allow: false, reason: 'cross_org', effective_org: 'globex' });
  });

  it("a resource without an org is the job's org", async () => {
    const res = await authorizeJob(s, {
      org: 'acme',
      enqueued_by: { user: 'vera' },
      action: 'resource.read',
      resource: { type: 'node', id: 'n9' },
    });
    expect(res.json).toMatchObject({ allow: true, effective_org: 'acme' });
  });

  it('a job in an org its enqueuer never belonged to is access_denied (spoof)', async () => {
    const res = await authorizeJob(s, {
      org: 'acme',
      enqueued_by: { user: 'mallory' },
      action: 'resource.read',
    });
    expect(res.json).toMatchObject({ allow: false, reason: 'access_denied', spoof: true });
  });

  it('a JWT enqueuer is verified as usual: an expired token is unauthenticated', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const expired = await mintHs256(TEST_SECRET, {
      sub: 'alice',
      iat: nowS - 7200,
      exp: nowS - 3600,
    });
    const res = await authorizeJob(s, {
      org: 'acme',
      enqueued_by: expired,
      action: 'resource.read',
    });
    expect(res.json).toMatchObject({
      allow: false,
      reason: 'unauthenticated',
      detail: 'token_expired',
      status: 401,
      principal: null,
    });
  });

  it('a server-side enqueuer has no sign-in time, so it never transfers ownership', async () => {
    const res = await authorizeJob(s, {
      org: 'acme',
      enqueued_by: { user: 'alice' },
      action: 'org.ownership.transfer',
      context: { target_user: 'bob' },
    });
    expect(res.json).toMatchObject({ allow: false, reason: 'fresh_session_required' });
  });

  it('an API token enqueuer acts only in its bound org, with its scope', async () => {
    const token = await apiToken('tok-acme', { scope: 'monitoring:write', org_id: 'acme' });
    expect(
      (await authorizeJob(s, { org: 'acme', enqueued_by: token, action: 'resource.write' })).json,
    ).toMatchObject({ allow: true, role: null });
    expect(
      (await authorizeJob(s, { org: 'globex', enqueued_by: token, action: 'resource.write' })).json,
    ).toMatchObject({
      allow: false,
      reason: 'access_denied',
      detail: 'token_org_mismatch',
    });
    expect(
      (await authorizeJob(s, { org: 'acme', enqueued_by: token, action: 'ai.chat' })).json?.reason,
    ).toBe('missing_scope');
  });

  it('an unknown action is denied', async () => {
    const res = await authorizeJob(s, {
      org: 'acme',
      enqueued_by: { user: 'alice' },
      action: 'reports.delete_all',
    });
    expect(res.json).toMatchObject({
      allow: false,
      reason: 'unknown_action',
      status: REASON_STATUS.unknown_action,
    });
  });
});

describe('multi-tenant off', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: false });
  });
  afterAll(() => s.stop());

  it('a job of the default org runs; a job of another org is feature_disabled', async () => {
    expect(
      (
        await authorizeJob(s, {
          org: 'default',
          enqueued_by: { user: 'alice' },
          action: 'resource.read',
        })
      ).json?.allow,
    ).toBe(true);
    const res = await authorizeJob(s, {
      org: 'acme',
      enqueued_by: { user: 'alice' },
      action: 'resource.read',
    });
    expect(res.json).toMatchObject({
      allow: false,
      reason: 'feature_disabled',
      status: 501,
      multi_tenant: false,
    });
  });
});

describe('bad input', () => {
  let s: SurfaceApp;
  beforeAll(async () => {
    s = await startSurfaceApp({ multiTenant: true });
  });
  afterAll(() => s.stop());

  const job = {
    id: 'j1',
    type: 'report',
    org: 'acme',
    enqueued_by: { user: 'alice' },
    action: 'resource.read',
  };
  const cases: [string, unknown, RegExp][] = [
    ['no job', {}, /^job: must be a JSON object/],
    ['a field beside job', { job, kind: 'request' }, /^kind: unknown field/],
    ['no job id', { job: { ...job, id: undefined } }, /^job.id: must be a string/],
    ['no job type', { job: { ...job, type: 7 } }, /^job.type: must be a string/],
    ['no job org', { job: { ...job, org: undefined } }, /^job.org: must be a string/],
    [
      'no enqueuer',
      { job: { ...job, enqueued_by: undefined } },
      /^job.enqueued_by: must be a token/,
    ],
    [
      'a numeric enqueuer',
      { job: { ...job, enqueued_by: 42 } },
      /^job.enqueued_by: must be a token/,
    ],
    [
      'an empty user',
      { job: { ...job, enqueued_by: { user: '' } } },
      /^job.enqueued_by.user: must not be empty/,
    ],
    [
      'an enqueuer claiming a role',
      { job: { ...job, enqueued_by: { user: 'alice', role: 'owner' } } },
      /^job.enqueued_by.role: unknown field/,
    ],
    [
      'a numeric user',
      { job: { ...job, enqueued_by: { user: 7 } } },
      /^job.enqueued_by.user: must be a string/,
    ],
    [
      'a user with a trailing space',
      { job: { ...job, enqueued_by: { user: 'alice ' } } },
      /^job.enqueued_by.user: must not start or end with whitespace$/,
    ],
    [
      'a user with a zero-width space',
      { job: { ...job, enqueued_by: { user: 'al\u200bice' } } },
      /^job.enqueued_by.user: must not contain control, zero-width/,
    ],
    [
      'a decomposed user',
      { job: { ...job, enqueued_by: { user: 'zoe\u0308' } } },
      /^job.enqueued_by.user: must be in Unicode normalisation form NFC$/,
    ],
    [
      'a dot-only user',
      { job: { ...job, enqueued_by: { user: '..' } } },
      /^job.enqueued_by.user: must not consist of dots only$/,
    ],
    [
      'a prototype-named user',
      { job: { ...job, enqueued_by: { user: '__proto__' } } },
      /^job.enqueued_by.user: must not be __proto__, constructor or prototype$/,
    ],
    [
      'a target user with surrounding whitespace',
      { job: { ...job, action: 'org.members.remove', context: { target_user: ' bob' } } },
      /^job.context.target_user: must not start or end with whitespace$/,
    ],
    ['no action', { job: { ...job, action: undefined } }, /^job.action: must be a string/],
    [
      'a numeric resource org',
      { job: { ...job, resource: { org: 1 } } },
      /^job.resource.org: must be a string/,
    ],
    [
      'a non-string context value',
      { job: { ...job, context: { target_user: 1 } } },
      /^job.context.target_user: must be a string/,
    ],
    ['an unknown job field', { job: { ...job, token: 'x' } }, /^job.token: unknown field/],
    [
      '__proto__ in the job',
      '{"job":{"id":"j","type":"t","org":"acme","enqueued_by":{"user":"a"},"action":"x","__proto__":{}}}',
      /^job.__proto__: key is not allowed/,
    ],
  ];
  it.each(cases)('%s is 400 naming the field', async (_name, body, message) => {
    const res = await postJson(`${s.url}/v1/jobs/authorize`, body);
    expect(res.status).toBe(400);
    expect(res.json?.error?.code).toBe('invalid_request');
    expect(res.json?.error?.message).toMatch(message);
  });

  it('a body over 64 KiB is 413; a non-JSON content type is 415', async () => {
    const big = await postJson(`${s.url}/v1/jobs/authorize`, {
      job: { ...job, context: { note: 'x'.repeat(70_000) } },
    });
    expect(big.status).toBe(413);
    const text = await postJson(`${s.url}/v1/jobs/authorize`, JSON.stringify({ job }), {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
  });
});
