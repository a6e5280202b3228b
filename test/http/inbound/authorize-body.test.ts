/**
 * The `/v1/authorize` document's ids and gateway headers: a target user must be a canonical id,
 * and headers that name the credential or the org twice are refused, never resolved by a pick.
 */
import { describe, expect, it } from 'vitest';
import { parseAuthorizeBody } from '../../../src/http/inbound/authorize-body.js';

const NAMES = { org_header: 'X-Org-ID', org_cookie: 'org_id' };
const parse = (body: unknown) => parseAuthorizeBody(body, NAMES);

function refusal(body: unknown): string {
  const parsed = parse(body);
  expect(parsed.ok).toBe(false);
  return parsed.ok ? '' : parsed.message;
}

describe('context.target_user', () => {
  it.each([
    [
      'surrounding whitespace',
      ' bob',
      'context.target_user: must not start or end with whitespace',
    ],
    [
      'a zero-width joiner',
      'b\u200dob',
      'context.target_user: must not contain control, zero-width or other invisible characters',
    ],
    [
      'a decomposed letter',
      'zoe\u0308',
      'context.target_user: must be in Unicode normalisation form NFC',
    ],
    ['dots only', '..', 'context.target_user: must not consist of dots only'],
    [
      'a prototype name',
      'constructor',
      'context.target_user: must not be __proto__, constructor or prototype',
    ],
    ['empty', '', 'context.target_user: must not be empty'],
    [
      'a lone surrogate',
      'bob\ud800',
      'context.target_user: must be well-formed Unicode (no lone surrogates)',
    ],
  ])('%s is refused, naming the field and the problem', (_, targetUser, message) => {
    expect(
      refusal({ token: 't', action: 'org.members.remove', context: { target_user: targetUser } }),
    ).toBe(message);
  });

  it('a canonical id, e-mail-like or non-ASCII, is kept exactly as sent', () => {
    for (const id of ['bob', 'bob@example.com', 'Zoë Ångström']) {
      const parsed = parse({
        token: 't',
        action: 'org.members.remove',
        context: { target_user: id, target_role: 'viewer' },
      });
      expect(parsed).toMatchObject({
        ok: true,
        value: { context: { target_user: id, target_role: 'viewer' } },
      });
    }
  });
});

describe('org ids are not judged by the parser (the policy answers invalid_org)', () => {
  it.each(['..', 'constructor', 'Default', ' acme', 'acme/../globex'])(
    '%j reaches the decision as the named org',
    (org) => {
      expect(parse({ token: 't', org, action: 'org.read' })).toMatchObject({
        ok: true,
        value: { named_org: { id: org, source: 'field' } },
      });
    },
  );
});

describe('ambiguous naming in headers', () => {
  it.each([
    [
      'two org headers differing in case',
      { 'X-Org-ID': 'acme', 'x-org-id': 'globex' },
      'headers: x-org-id is given more than once',
    ],
    [
      'two org headers with the same value',
      { 'X-ORG-ID': 'acme', 'x-org-id': 'acme' },
      'headers: x-org-id is given more than once',
    ],
    [
      'two authorization headers',
      { Authorization: 'Bearer a', authorization: 'Bearer b' },
      'headers: authorization is given more than once',
    ],
    [
      'two org cookies in one header',
      { cookie: 'org_id=acme; theme=dark; org_id=globex' },
      'headers: the org_id cookie is given more than once',
    ],
    [
      'two org cookies in two cookie headers',
      { Cookie: 'org_id=acme', cookie: 'org_id=globex' },
      'headers: the org_id cookie is given more than once',
    ],
  ])('%s → refused naming it', (_, headers, message) => {
    expect(
      refusal({ headers: { authorization: 'Bearer t', ...headers }, action: 'org.read' }),
    ).toContain(message);
  });

  it('one of each is read as before: header before cookie, cookie names are case-sensitive', () => {
    const both = parse({
      headers: {
        Authorization: 'Bearer t',
        'X-Org-Id': 'acme',
        cookie: 'org_id=globex; ORG_ID=initech',
      },
      action: 'org.read',
    });
    expect(both).toMatchObject({
      ok: true,
      value: { token: 't', named_org: { id: 'acme', source: 'header' } },
    });
    const cookie = parse({
      headers: { authorization: 'Bearer t', Cookie: 'ORG_ID=initech; org_id=globex' },
      action: 'org.read',
    });
    expect(cookie).toMatchObject({
      ok: true,
      value: { named_org: { id: 'globex', source: 'cookie' } },
    });
  });

  it('a configured org header name is matched in any case', () => {
    const parsed = parseAuthorizeBody(
      {
        headers: { authorization: 'Bearer t', 'x-tenant': 'a', 'X-TENANT': 'b' },
        action: 'org.read',
      },
      { org_header: 'X-Tenant', org_cookie: 'tenant' },
    );
    expect(parsed).toEqual({
      ok: false,
      message: 'headers: x-tenant is given more than once (header names match case-insensitively)',
    });
  });
});

describe('strings that are not well-formed Unicode are refused naming the field', () => {
  it.each([
    [
      'org',
      { token: 't', org: 'acme\ud800', action: 'org.read' },
      'org: must be well-formed Unicode (no lone surrogates)',
    ],
    [
      'resource.org',
      { token: 't', action: 'org.read', resource: { org: '\udfffacme' } },
      'resource.org: must be well-formed Unicode (no lone surrogates)',
    ],
    [
      'an org header',
      { headers: { authorization: 'Bearer t', 'x-org-id': 'acme\udbff' }, action: 'org.read' },
      'headers.x-org-id: must be well-formed Unicode (no lone surrogates)',
    ],
    [
      'a context key',
      { token: 't', action: 'org.read', context: { ['k\ud800']: 'v' } },
      'context: keys must be well-formed Unicode (no lone surrogates)',
    ],
    [
      'a header name',
      { headers: { ['x-\ud800']: 'v' }, action: 'org.read' },
      'headers: keys must be well-formed Unicode (no lone surrogates)',
    ],
  ])('%s', (_, body, message) => {
    expect(parse(body)).toEqual({ ok: false, message });
  });
});
