/**
 * POST /v1/authorize?explain=true: the decision plus the policy's explanation (the compiled
 * default policy's explain entrypoint), behind the caller token like the route itself. Without the
 * parameter (or with false) the answer is the usual decision; any other value is a 400 that
 * decides nothing. An explanation the engine cannot accept is dropped and never changes the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { EXPLAIN_CHECKS, type Explanation } from '../../src/contract/explain.js';
import { engineOver } from '../../src/engine/wasm-engine.js';
import { apiToken, postJson, session, startTestApp } from '../support/app.js';

const CALLER_TOKEN = 'caller-token-for-explain-0123456789';
const caller = { 'x-orgwarden-caller-token': CALLER_TOKEN };
let app: App;
let url: string;
let alice: string;

beforeAll(async () => {
  ({ app, url } = await startTestApp({
    extra: { server: { host: '127.0.0.1', port: 0, caller_token_env: 'ORGWARDEN_CALLER_TOKEN' } },
    env: { ORGWARDEN_CALLER_TOKEN: CALLER_TOKEN },
  }));
  alice = await session('alice');
});
afterAll(async () => {
  await app.stop();
});

const ask = (query: string, body: unknown, headers: Record<string, string> = caller) =>
  postJson(`${url}/v1/authorize${query}`, body, headers);
const stepsOf = (json: unknown) => (json as { explain: Explanation }).explain;

describe('POST /v1/authorize?explain=true', () => {
  it('an allow answers the twelve checks, none failed, with the facts they read', async () => {
    const res = await ask('?explain=true', { token: alice, org: 'acme', action: 'org.read' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ allow: true, reason: 'allowed', effective_org: 'acme' });
    const steps = stepsOf(res.json);
    expect(steps.map((s) => s.check)).toEqual([...EXPLAIN_CHECKS]);
    expect(steps.some((s) => s.passed === false)).toBe(false);
    const membership = steps.find((s) => s.check === 'binding_membership');
    expect(membership).toEqual({
      check: 'binding_membership',
      passed: true,
      facts: { principal_kind: 'session', member_role: 'owner', bound_orgs: null },
    });
    expect(steps.find((s) => s.check === 'scope')?.passed).toBe('skipped');
  });

  it('a spoof through a header names the binding check and the orgs the token is bound to', async () => {
    const token = await apiToken('tok-acme', { scope: '*', org_id: 'acme' });
    const res = await ask('?explain=true', {
      headers: { authorization: `Bearer ${token}`, 'x-org-id': 'globex' },
      action: 'org.read',
    });
    expect(res.json).toMatchObject({ allow: false, reason: 'access_denied', spoof: true });
    const steps = stepsOf(res.json);
    const failed = steps.filter((s) => s.passed === false);
    expect(failed).toEqual([
      {
        check: 'binding_membership',
        passed: false,
        reason: 'access_denied',
        detail: 'token_org_mismatch',
        facts: { principal_kind: 'api_token', member_role: null, bound_orgs: ['acme'] },
      },
    ]);
    const after = steps.slice(steps.indexOf(failed[0]!) + 1);
    expect(after.every((s) => s.passed === 'skipped' && Object.keys(s.facts).length === 0)).toBe(
      true,
    );
  });

  it('without the parameter, or with explain=false, the answer carries no explanation', async () => {
    for (const query of ['', '?explain=false']) {
      const res = await ask(query, { token: alice, org: 'globex', action: 'org.update' });
      expect(res.json).toMatchObject({ allow: false, reason: 'insufficient_role' });
      expect(res.json).not.toHaveProperty('explain');
    }
  });

  it('any other value or parameter is a 400 that decides nothing', async () => {
    for (const query of [
      '?explain=1',
      '?explain=TRUE',
      '?explain',
      '?explain=true&explain=true',
      '?why=true',
    ]) {
      const res = await ask(query, { token: alice, org: 'acme', action: 'org.read' });
      expect(res.status, query).toBe(400);
      expect(res.json).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });

  it('needs the caller token like the route: no token, no decision and no explanation', async () => {
    const res = await ask('?explain=true', { token: alice, org: 'acme', action: 'org.read' }, {});
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('explain"');
  });

  it('a policy whose explanation is malformed: the decision is unchanged, the explanation dropped', async () => {
    const healthy = app.policy.current()!;
    const decision = {
      allow: false,
      reason: 'cross_org',
      detail: null,
      status: 403,
      effective_org: 'acme',
      role: 'owner',
      spoof: false,
    };
    app.policy.swap(
      engineOver(
        {
          evaluate: (_input, entrypoint) =>
            entrypoint === 'orgwarden/authz/decision'
              ? [{ result: decision }]
              : [{ result: [{ check: 'authenticate', passed: 'maybe', facts: {} }] }],
        },
        { revision: 'sha256:odd', data: {} },
        new Date(),
      ),
    );
    try {
      const res = await ask('?explain=true', { token: alice, org: 'acme', action: 'org.read' });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ ...decision, policy_revision: 'sha256:odd' });
      expect(res.json).not.toHaveProperty('explain');
    } finally {
      app.policy.swap(healthy);
    }
  });
});
