/**
 * Path normalisation before route matching: what is accepted (and how it reads), and every trick
 * that could make orgwarden and the upstream read one URI as two different paths — refused with
 * its own message, never resolved, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { MAX_URI_LENGTH, normalisePath } from '../../src/surfaces/forward-auth/normalise-path.js';

describe('normalisePath accepts', () => {
  const cases: [string, string, string[]][] = [
    ['a plain path', '/api/orgs/acme', ['api', 'orgs', 'acme']],
    ['the root', '/', []],
    ['a query, which it drops', '/api/orgs?limit=10&x=/../y', ['api', 'orgs']],
    ['an empty query', '/api/orgs?', ['api', 'orgs']],
    ['encoded unreserved characters, decoded once', '/api/org%73/%61cme', ['api', 'orgs', 'acme']],
    ['lower-case hex for unreserved characters', '/api/%6frgs', ['api', 'orgs']],
    [
      'other escapes, kept with upper-case hex',
      '/api/resources/doc/a%20b%3a',
      ['api', 'resources', 'doc', 'a%20b%3A'],
    ],
    [
      'UTF-8 escapes, kept',
      '/api/resources/doc/caf%C3%A9',
      ['api', 'resources', 'doc', 'caf%C3%A9'],
    ],
    [
      'sub-delims and colons raw',
      "/api/resources/doc/a:b@c!$&'()*+,=",
      ['api', 'resources', 'doc', "a:b@c!$&'()*+,="],
    ],
    [
      'dots inside a segment',
      '/api/orgs/acme.corp/..x/x..',
      ['api', 'orgs', 'acme.corp', '..x', 'x..'],
    ],
    ['mixed case, as is (matching is case-sensitive)', '/API/Orgs', ['API', 'Orgs']],
  ];
  it.each(cases)('%s', (_name, uri, segments) => {
    const result = normalisePath(uri);
    expect(result).toEqual({
      ok: true,
      path: segments.length ? `/${segments.join('/')}` : '/',
      segments,
    });
  });

  it(`a URI of exactly ${MAX_URI_LENGTH} characters`, () => {
    const uri = `/api/resources/doc/${'a'.repeat(MAX_URI_LENGTH - 19)}`;
    expect(uri).toHaveLength(MAX_URI_LENGTH);
    expect(normalisePath(uri).ok).toBe(true);
  });
});

describe('normalisePath refuses', () => {
  const cases: [string, string, string][] = [
    ['a dot-dot segment', '/api/orgs/acme/../globex', 'dot segment (. or ..)'],
    ['a leading dot-dot', '/../api/orgs', 'dot segment (. or ..)'],
    ['a dot segment', '/api/orgs/acme/./members', 'dot segment (. or ..)'],
    ['a trailing dot-dot', '/api/orgs/acme/..', 'dot segment (. or ..)'],
    [
      'an encoded dot-dot (%2E%2E), after decoding',
      '/api/orgs/acme/%2E%2E/globex',
      'dot segment (. or ..)',
    ],
    ['a half-encoded dot-dot (.%2e)', '/api/orgs/acme/.%2e/globex', 'dot segment (. or ..)'],
    ['an encoded slash', '/api/orgs/acme%2F..%2Fglobex', 'encoded slash (%2F)'],
    ['an encoded slash in lower case', '/api/orgs/acme%2f..%2fglobex', 'encoded slash (%2F)'],
    ['an encoded backslash', '/api/orgs/acme%5C..%5Cglobex', 'encoded backslash (%5C)'],
    [
      'a double-encoded slash (%252F)',
      '/api/orgs/acme%252F..%252Fglobex',
      'encoded percent sign (%25: double encoding)',
    ],
    ['an encoded NUL', '/api/orgs/acme%00', 'encoded control character'],
    [
      'an encoded newline',
      '/api/orgs/acme%0d%0aX-Orgwarden-Org:%20globex',
      'encoded control character',
    ],
    ['an encoded DEL', '/api/orgs/acme%7F', 'encoded control character'],
    ['a raw NUL', '/api/orgs/acme\u0000', 'control character'],
    ['a raw tab', '/api/orgs/\tacme', 'control character'],
    ['a raw backslash', '/api/orgs/acme\\..\\globex', 'backslash'],
    ['a double slash in front', '//api/orgs/acme', 'empty segment (double or trailing slash)'],
    ['a double slash inside', '/api//orgs/acme', 'empty segment (double or trailing slash)'],
    ['a trailing slash', '/api/orgs/', 'empty segment (double or trailing slash)'],
    ['a path parameter', '/api/orgs;x=1/acme', 'path parameter (;)'],
    ['a Tomcat-style dot-dot (..;)', '/api/orgs/acme/..;/globex', 'path parameter (;)'],
    ['a fragment', '/api/orgs/acme#x', 'fragment (#)'],
    ['a raw space', '/api/orgs/ac me', 'character " " must be percent-encoded'],
    ['raw non-ASCII', '/api/orgs/acmé', 'character "é" must be percent-encoded'],
    ['a truncated escape', '/api/orgs/acme%2', 'malformed percent-encoding'],
    ['a non-hex escape', '/api/orgs/acme%zz', 'malformed percent-encoding'],
    ['a relative path', 'api/orgs/acme', 'must start with /'],
    ['an absolute URL', 'http://evil.example/api/orgs/acme', 'must start with /'],
    ['an empty URI', '', 'must start with /'],
    [
      'an overlong URI',
      `/api/resources/doc/${'a'.repeat(MAX_URI_LENGTH)}`,
      `longer than ${MAX_URI_LENGTH} characters`,
    ],
    ['too many segments', '/a'.repeat(65), 'more than 64 segments'],
  ];
  it.each(cases)('%s', (_name, uri, message) => {
    expect(normalisePath(uri)).toEqual({ ok: false, message });
  });
});

describe('normalisePath with keepEncodedReserved (the management surface)', () => {
  it('keeps escapes a forward-auth path refuses, as escapes inside their segment', () => {
    expect(
      normalisePath('/v1/directory/orgs/acme/members/a%2fb%5C%25%00', {
        keepEncodedReserved: true,
      }),
    ).toEqual({
      ok: true,
      path: '/v1/directory/orgs/acme/members/a%2Fb%5C%25%00',
      segments: ['v1', 'directory', 'orgs', 'acme', 'members', 'a%2Fb%5C%25%00'],
    });
    expect(normalisePath('/api/orgs/a%2fb').ok).toBe(false);
  });

  it('still decodes unreserved escapes and refuses every change of shape', () => {
    expect(normalisePath('/%761/policy', { keepEncodedReserved: true })).toEqual({
      ok: true,
      path: '/v1/policy',
      segments: ['v1', 'policy'],
    });
    for (const [uri, message] of [
      ['/x/%2E%2e/v1/policy', 'dot segment (. or ..)'],
      ['//v1/policy', 'empty segment (double or trailing slash)'],
      ['/v1/policy/', 'empty segment (double or trailing slash)'],
      ['/v1\\policy', 'backslash'],
      ['/v1/policy;x', 'path parameter (;)'],
      ['/v1/policy%2', 'malformed percent-encoding'],
    ] as const)
      expect(normalisePath(uri, { keepEncodedReserved: true })).toEqual({ ok: false, message });
  });
});
