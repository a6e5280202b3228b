/**
 * The request target the server computes once for every guard and router: origin-form only, its
 * path normalised (or refused) by the forward-auth path rules — except that escapes inside a
 * segment are kept for the route to decode — its query kept as sent; the tail of a `prefix/*`
 * decision route left as sent for that route to read.
 */
import { describe, expect, it } from 'vitest';
import {
  canonicalTargetsOf,
  opaquePrefixesOf,
  readRequestTarget,
} from '../../src/http/request-target.js';
import type { DecisionRoute } from '../../src/http/route-table.js';

const OPAQUE = ['/v1/forward-auth'];

describe('readRequestTarget accepts', () => {
  const cases: [string, string, string][] = [
    ['a plain path', '/v1/policy', '/v1/policy'],
    ['a path with a query, kept as sent', '/v1/policy?x=/../y&z=%2F', '/v1/policy?x=/../y&z=%2F'],
    ['the root', '/', '/'],
    ['encoded unreserved characters, decoded once', '/%761/%70olicy', '/v1/policy'],
    [
      'other escapes, kept with upper-case hex',
      '/v1/directory/orgs/acme/members/olivia%40example.com',
      '/v1/directory/orgs/acme/members/olivia%40example.com',
    ],
    [
      'lower-case hex of other escapes, upper-cased',
      '/v1/directory/orgs/acme/members/zo%c3%ab',
      '/v1/directory/orgs/acme/members/zo%C3%AB',
    ],
    ['a case variant, as is (routing is case-sensitive)', '/V1/Policy', '/V1/Policy'],
    // Inside a segment these are part of a parameter value, which the route decodes once and judges.
    [
      'an encoded slash in a user id, kept',
      '/v1/directory/orgs/acme/members/a%2fb',
      '/v1/directory/orgs/acme/members/a%2Fb',
    ],
    [
      'an encoded slash where a separator was, kept (no route: 404 behind the guard)',
      '/v1%2Fpolicy',
      '/v1%2Fpolicy',
    ],
    ['an encoded backslash, kept', '/v1%5cpolicy', '/v1%5Cpolicy'],
    [
      'an encoded percent sign, kept (decoded once by the route: %40)',
      '/v1/directory/orgs/acme/members/a%2540b',
      '/v1/directory/orgs/acme/members/a%2540b',
    ],
    [
      'an encoded control character, kept for the route to refuse',
      '/v1/directory/orgs/acme/members/x%01y',
      '/v1/directory/orgs/acme/members/x%01y',
    ],
    [
      'the tail of a prefix route, exactly as sent',
      '/v1/forward-auth//api/../orgs%2F',
      '/v1/forward-auth//api/../orgs%2F',
    ],
    ['the bare prefix of a prefix route', '/v1/forward-auth?x=1', '/v1/forward-auth?x=1'],
  ];
  it.each(cases)('%s', (_name, url, canonical) => {
    expect(readRequestTarget(url, OPAQUE)).toEqual({ ok: true, url: canonical });
  });
});

describe('readRequestTarget refuses', () => {
  const cases: [string, string | undefined, string][] = [
    [
      'absolute-form',
      'http://127.0.0.1:8282/v1/policy',
      'absolute-form and authority-form targets are not served; send the path only',
    ],
    [
      'absolute-form, upper-case scheme',
      'HTTP://host/V1/admin/tenancy',
      'absolute-form and authority-form targets are not served; send the path only',
    ],
    [
      'absolute-form of a prefix route',
      'http://host/v1/forward-auth/api/orgs',
      'absolute-form and authority-form targets are not served; send the path only',
    ],
    [
      'authority-form',
      'host:8282',
      'absolute-form and authority-form targets are not served; send the path only',
    ],
    ['asterisk-form', '*', 'asterisk-form (*) is not served; send a path'],
    ['an empty target', '', 'must be a path starting with /'],
    ['no target at all', undefined, 'must be a path starting with /'],
    ['a relative path', 'v1/policy', 'must be a path starting with /'],
    ['a // prefix', '//v1/policy', 'empty segment (double or trailing slash)'],
    ['a trailing slash', '/v1/policy/', 'empty segment (double or trailing slash)'],
    ['a backslash', '/v1\\policy', 'backslash'],
    ['a dot segment', '/v1/./policy', 'dot segment (. or ..)'],
    ['a dot-dot segment', '/x/../v1/policy', 'dot segment (. or ..)'],
    ['an encoded dot-dot segment', '/x/%2e%2E/v1/policy', 'dot segment (. or ..)'],
    ['a path parameter', '/v1/policy;x=1', 'path parameter (;)'],
    ['a raw control character', '/v1/policy\u0001', 'control character'],
    ['a malformed escape', '/v1/policy%zz', 'malformed percent-encoding'],
    [
      'a case variant of the prefix route with a bad tail (it is no prefix route)',
      '/V1/forward-auth//x',
      'empty segment (double or trailing slash)',
    ],
  ];
  it.each(cases)('%s', (_name, url, message) => {
    expect(readRequestTarget(url, OPAQUE)).toEqual({ ok: false, message });
  });
});

describe('opaquePrefixesOf', () => {
  it('takes the prefixes of decision routes registered as prefix/*', () => {
    const handle = () => Promise.resolve();
    expect(
      opaquePrefixesOf([
        {
          surface: 'decision',
          method: 'POST',
          path: '/v1/authorize',
          operation: 'authorize',
          auth: 'caller',
          handle,
        },
        {
          surface: 'decision',
          method: 'ANY',
          path: '/v1/forward-auth/*',
          operation: 'forward_auth',
          auth: 'caller',
          handle,
        },
      ]),
    ).toEqual(['/v1/forward-auth']);
  });
});

describe('canonicalTargetsOf', () => {
  const route = (path: string): DecisionRoute => ({
    surface: 'decision',
    method: 'POST',
    path,
    operation: 'x',
    auth: 'caller',
    handle: () => Promise.resolve(),
  });

  it('holds the exact paths that read as themselves, and only those', () => {
    const set = canonicalTargetsOf(
      ['/v1/authorize', '/v1/forward-auth/*', '/v1//double', '/v1/./dot', '/v1/%76'].map(route),
    );
    expect([...set]).toEqual(['/v1/authorize']);
  });

  it('changes no reading: with the set or without, every target reads the same', () => {
    const set = canonicalTargetsOf([route('/v1/authorize'), route('/v1/authorize/batch')]);
    for (const target of [
      '/v1/authorize',
      '/v1/authorize/batch',
      '/v1/authorize?x=1',
      '/v1/authorize/',
      '/v1//authorize',
      '/v1/%61uthorize',
      '/V1/authorize',
    ])
      expect(readRequestTarget(target, OPAQUE, set)).toEqual(readRequestTarget(target, OPAQUE));
  });
});
