/**
 * Who asks comes as a credential or as a trusted principal, never both, and a client's document
 * can only ever produce the credential form: `trusted_principal` (or a principal by any other
 * name) is an unknown field, and the parsers' types say `CredentialRequest`.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  CredentialRequest,
  DecisionRequest,
  TrustedRequest,
} from '../../../src/contract/decision-request.js';
import { parseAuthorizeBody } from '../../../src/http/inbound/authorize-body.js';
import { parseJobBody } from '../../../src/http/inbound/job-body.js';

const NAMES = { org_header: 'X-Org-ID', org_cookie: 'org_id' };
const alice = { id: 'alice', kind: 'session', scopes: [], bound_orgs: null, auth_time: null };

describe('the authorize document never yields a trusted principal', () => {
  it('its parser is typed to return a credential request only', () => {
    expectTypeOf(parseAuthorizeBody).returns.toEqualTypeOf<
      { ok: true; value: CredentialRequest } | { ok: false; message: string }
    >();
    // A request cannot carry both forms.
    expectTypeOf<CredentialRequest & TrustedRequest>().toHaveProperty('token').toBeNever();
  });

  it.each(['trusted_principal', 'principal'])('a %s field is refused as unknown', (field) => {
    expect(parseAuthorizeBody({ token: 't', action: 'org.read', [field]: alice }, NAMES)).toEqual({
      ok: false,
      message: `${field}: unknown field`,
    });
  });

  it('a principal in the resource or context is refused too', () => {
    expect(
      parseAuthorizeBody(
        { token: 't', action: 'org.read', resource: { trusted_principal: alice } },
        NAMES,
      ),
    ).toEqual({
      ok: false,
      message: 'resource.trusted_principal: unknown field',
    });
    expect(
      parseAuthorizeBody(
        { token: 't', action: 'org.read', context: { trusted_principal: alice } },
        NAMES,
      ),
    ).toMatchObject({ ok: false });
  });

  it('a parsed document has a token (or none) and no principal', () => {
    const parsed = parseAuthorizeBody({ token: 't', action: 'org.read' }, NAMES);
    expect(parsed.ok && parsed.value).toEqual({
      kind: 'request',
      token: 't',
      named_org: null,
      action: 'org.read',
      resource: null,
      context: {},
    });
    expect(parsed.ok && 'trusted_principal' in parsed.value).toBe(false);
  });
});

describe('a job names its enqueuer one way: a credential or a vouched-for user, no fake token', () => {
  const job = (enqueuedBy: unknown) => ({
    job: {
      id: 'j1',
      type: 'report',
      org: 'acme',
      enqueued_by: enqueuedBy,
      action: 'resource.read',
    },
  });

  it('a token stays a credential the core verifies', () => {
    const { decision } = parseJobBody(job('a.b.c'));
    expect(decision).toMatchObject({ kind: 'job', token: 'a.b.c' });
    expect('trusted_principal' in decision).toBe(false);
  });

  it('a user becomes a trusted session principal, with no token field at all', () => {
    const { decision } = parseJobBody(job({ user: 'alice' }));
    expect(decision).toMatchObject({
      kind: 'job',
      trusted_principal: {
        id: 'alice',
        kind: 'session',
        scopes: [],
        bound_orgs: null,
        auth_time: null,
      },
    });
    expect('token' in decision).toBe(false);
    expectTypeOf(decision).toEqualTypeOf<DecisionRequest>();
  });
});
