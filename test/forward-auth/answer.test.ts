/**
 * The status mapping from a decision to what the gateway's client sees, for every reason of the
 * contract — including the ones the default manifest cannot provoke through a fixture
 * (directory_unavailable, policy_error, fresh_session_required).
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/contract/decision.js';
import { REASON_STATUS, type DenyReason, type Reason } from '../../src/contract/reasons.js';
import { allowAnswer, denyAnswer, refusalAnswer } from '../../src/surfaces/forward-auth/answer.js';

const decision = (reason: Reason, extra: Partial<Decision> = {}): Decision => ({
  decision_id: '01J0000000000000000000000A',
  allow: reason === 'allowed',
  reason,
  detail: null,
  status: REASON_STATUS[reason],
  effective_org: null,
  principal: null,
  role: null,
  spoof: false,
  policy_revision: 'sha256:x',
  multi_tenant: true,
  ...extra,
});

const plain = { orgRoute: false, orgFromPath: false, hadToken: true };
const orgRoute = { orgRoute: true, orgFromPath: true, hadToken: true };

describe('denyAnswer', () => {
  const expected: Record<DenyReason, [plain: number, onOrgRoute: number]> = {
    unauthenticated: [401, 401],
    fresh_session_required: [401, 401],
    invalid_org: [403, 404],
    feature_disabled: [403, 404],
    org_suspended: [403, 403],
    access_denied: [403, 403],
    session_required: [403, 403],
    missing_scope: [403, 403],
    insufficient_role: [403, 403],
    owner_required: [403, 403],
    default_org_immutable: [403, 403],
    owner_role_immutable: [403, 403],
    owner_transfer_requires_member: [403, 403],
    target_not_member: [403, 403],
    invalid_role: [403, 403],
    cross_org: [403, 403],
    unknown_action: [403, 403],
    directory_unavailable: [503, 503],
    directory_revision_not_reached: [503, 503],
    keys_unavailable: [503, 503],
    policy_error: [500, 500],
  };
  it('covers every deny reason of the contract', () => {
    expect(Object.keys(expected).sort()).toEqual(
      Object.keys(REASON_STATUS)
        .filter((r) => r !== 'allowed')
        .sort(),
    );
  });
  it.each(Object.entries(expected))(
    '%s answers %j (plain route, org route)',
    (reason, [onPlain, onOrg]) => {
      const a = denyAnswer(decision(reason as Reason), plain);
      const b = denyAnswer(decision(reason as Reason), orgRoute);
      expect([a.status, b.status]).toEqual([onPlain, onOrg]);
      for (const answer of [a, b]) {
        expect(answer.body?.error).toBe(answer.status === 404 ? 'not_found' : reason);
        expect(answer.body?.message).toEqual(expect.any(String));
        expect(answer.headers['x-orgwarden-error']).toBe(answer.body?.error);
        expect(answer.headers['x-orgwarden-decision-id']).toBe('01J0000000000000000000000A');
        expect(answer.headers['x-orgwarden-user']).toBeUndefined();
      }
    },
  );

  it('makes a multi-tenant-off org route invisible whether its org comes from the path or its action is org management', () => {
    expect(
      denyAnswer(decision('feature_disabled'), {
        orgRoute: true,
        orgFromPath: false,
        hadToken: true,
      }).status,
    ).toBe(404);
    // invalid_org is a 404 only for an org named in the path: a bad header org is the client's mistake.
    expect(
      denyAnswer(decision('invalid_org'), { orgRoute: true, orgFromPath: false, hadToken: true })
        .status,
    ).toBe(403);
  });

  it('challenges 401s: Bearer without a token, error="invalid_token" with one, step-up for a stale session', () => {
    expect(
      denyAnswer(decision('unauthenticated'), { ...plain, hadToken: false }).headers[
        'www-authenticate'
      ],
    ).toBe('Bearer');
    expect(denyAnswer(decision('unauthenticated'), plain).headers['www-authenticate']).toBe(
      'Bearer error="invalid_token"',
    );
    expect(denyAnswer(decision('fresh_session_required'), plain).headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication"',
    );
  });

  it('asks the client to retry shortly when the directory is unavailable', () => {
    expect(denyAnswer(decision('directory_unavailable'), plain).headers['retry-after']).toBe('1');
  });

  it('answers signing keys that cannot be fetched as a retryable 503, never a 401 challenge', () => {
    const answer = denyAnswer(decision('keys_unavailable'), plain);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers['www-authenticate']).toBeUndefined();
    expect(answer.body?.error).toBe('keys_unavailable');
  });
});

describe('allowAnswer', () => {
  it('carries user, org, role, principal kind and decision id, and no body', () => {
    const a = allowAnswer(
      decision('allowed', {
        effective_org: 'acme',
        role: 'admin',
        principal: { id: 'bob', kind: 'session' },
      }),
    );
    expect(a).toEqual({
      status: 200,
      headers: {
        'x-orgwarden-user': 'bob',
        'x-orgwarden-org': 'acme',
        'x-orgwarden-role': 'admin',
        'x-orgwarden-principal-kind': 'session',
        'x-orgwarden-decision-id': '01J0000000000000000000000A',
      },
      body: null,
    });
  });

  it('gives an API token an empty role and percent-encodes ids a header cannot carry', () => {
    const a = allowAnswer(
      decision('allowed', {
        effective_org: 'acme',
        principal: { id: 'tok 1\r\nX-Evil: 1', kind: 'api_token' },
      }),
    );
    expect(a.headers['x-orgwarden-role']).toBe('');
    expect(a.headers['x-orgwarden-user']).toBe('tok%201%0D%0AX-Evil%3A%201');
  });
});

describe('refusalAnswer', () => {
  it.each(['invalid_request', 'invalid_path', 'unknown_route', 'org_mismatch'] as const)(
    '%s is a 403 with its own code and no decision id',
    (code) => {
      const a = refusalAnswer(code, 'why');
      expect(a).toEqual({
        status: 403,
        headers: { 'x-orgwarden-error': code },
        body: { error: code, message: 'why' },
        refusal: code,
      });
    },
  );
});
