/**
 * The forward-auth cases as data: one table that both flavours iterate — the HTTP route in each
 * gateway's style (forward-auth.test.ts) and Envoy's gRPC ext_authz (test/grpc/check.test.ts) —
 * so the two cannot drift. A case is the original request a gateway asks about (method, URI,
 * the client's headers, whose token) and the answer the client must get (status, body, headers).
 *
 * `flavours` lists who sends it; the default is every flavour. A case limited to some flavours is
 * about how that flavour's check request describes the original request (which header family,
 * the check request's own method); the gRPC flavour has its own cases for its own description.
 * What cannot be written as (method, URI, headers) — a check request describing no request at
 * all — is tested next to each flavour's transport (forward-auth.test.ts, test/grpc/).
 */
import { MAX_URI_LENGTH } from '../../src/surfaces/forward-auth/normalise-path.js';
import type { Style } from './helpers.js';

export type Flavour = Style | 'grpc';
const FLAVOURS: readonly Flavour[] = ['nginx', 'traefik', 'caddy', 'envoy', 'grpc'];

/** The principals whose tokens the runners mint (forward-auth.test.ts, test/grpc/). */
export type Who =
  | 'alice'
  | 'bob'
  | 'carol'
  | 'vera'
  | 'mallory'
  | 'gina'
  | 'root-admin'
  | 'acmeToken'
  | 'readOnlyToken'
  | 'nonAscii';

/** Which orgwarden answers: multi-tenant on, off, or on without a route manifest. */
export type World = 'multi' | 'single' | 'bare';

export interface Expected {
  status: number;
  /** The whole JSON body; `null`: no body at all. */
  json?: { error: string; message: string } | null;
  /** Only the body's `error` (when the message is not what the case is about). */
  error?: string;
  /** Only the body's message, matched (a string matches as a substring). */
  message?: string | RegExp;
  /** Headers the answer carries (a RegExp matches the value), or must not carry (`undefined`). */
  headers?: Record<string, string | RegExp | undefined>;
}

export interface ForwardAuthCase {
  name: string;
  world?: World;
  flavours?: readonly Flavour[];
  method: string;
  uri: string;
  /** Whose token goes in `Authorization: Bearer …`; a `{ raw }` token is sent as given. */
  token?: Who | { raw: string };
  headers?: Record<string, string | string[]>;
  expect: Expected;
}

/** What every flavour's answer is read as, for `expectAnswer`. */
export interface NormalisedAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const ENVOYS: readonly Flavour[] = ['envoy', 'grpc'];

const identity = (user: string, org: string, role: string, kind: string) => ({
  'x-orgwarden-user': user,
  'x-orgwarden-org': org,
  'x-orgwarden-role': role,
  'x-orgwarden-principal-kind': kind,
});
const deny = (status: number, error: string, message?: string): Expected =>
  message === undefined ? { status, error } : { status, json: { error, message } };

const TRICKS: [string, string, string][] = [
  ['a dot-dot segment', '/api/orgs/acme/../globex', 'dot segment (. or ..)'],
  ['encoded slashes around a dot-dot', '/api/orgs/acme%2F..%2Fglobex', 'encoded slash (%2F)'],
  ['encoded backslashes', '/api/orgs/acme%5C..%5Cglobex', 'encoded backslash (%5C)'],
  ['a raw backslash', '/api/orgs/acme\\..\\globex', 'backslash'],
  ['an encoded dot-dot', '/api/orgs/acme/%2e%2e/globex', 'dot segment (. or ..)'],
  ['a double slash in front', '//api/orgs/acme', 'empty segment (double or trailing slash)'],
  ['a double slash inside', '/api/orgs//acme', 'empty segment (double or trailing slash)'],
  ['a trailing slash', '/api/orgs/acme/', 'empty segment (double or trailing slash)'],
  ['a dot segment', '/api/orgs/acme/./members', 'dot segment (. or ..)'],
  ['an encoded NUL', '/api/orgs/acme%00/members', 'encoded control character'],
  ['an encoded CRLF', '/api/orgs/acme%0D%0A/members', 'encoded control character'],
  [
    'double encoding',
    '/api/orgs/acme%252F..%252Fglobex',
    'encoded percent sign (%25: double encoding)',
  ],
  ['a path parameter', '/api/orgs/acme;jsessionid=1/members', 'path parameter (;)'],
  [
    'an overlong URI',
    `/api/resources/node/${'n'.repeat(MAX_URI_LENGTH)}`,
    `longer than ${MAX_URI_LENGTH} characters`,
  ],
];

const SINGLE_TENANT_ORG_ROUTES: [string, string][] = [
  ['GET', '/api/orgs'],
  ['POST', '/api/orgs'],
  ['GET', '/api/orgs/acme'],
  ['GET', '/api/orgs/default/members'],
  ['GET', '/api/orgs/nope/shares/incoming'],
  ['GET', '/api/admin/orgs/default/billing-state'],
];

export const FORWARD_AUTH_CASES: readonly ForwardAuthCase[] = [
  // --- every style: the answers ---
  {
    name: "an owner lists her org's members: 200, identity headers, no body",
    method: 'GET',
    uri: '/api/orgs/acme/members',
    token: 'alice',
    expect: {
      status: 200,
      json: null,
      headers: {
        ...identity('alice', 'acme', 'owner', 'session'),
        'x-orgwarden-decision-id': ULID,
      },
    },
  },
  {
    name: 'no token: 401 with a Bearer challenge',
    method: 'GET',
    uri: '/api/orgs/acme/members',
    expect: {
      ...deny(401, 'unauthenticated', 'a valid bearer token is required'),
      headers: { 'www-authenticate': 'Bearer' },
    },
  },
  {
    name: 'a bad token: 401 with error="invalid_token"',
    method: 'GET',
    uri: '/api/orgs/acme/members',
    token: { raw: 'not.a.jwt' },
    expect: { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
  },
  {
    name: 'a user naming an org she is not a member of: 403 access_denied',
    method: 'GET',
    uri: '/api/orgs/acme/members',
    token: 'mallory',
    expect: {
      ...deny(403, 'access_denied', 'you may not act in this org'),
      headers: { 'x-orgwarden-org': undefined },
    },
  },
  ...TRICKS.map(([trick, uri, message]): ForwardAuthCase => ({
    name: `${trick}: 403 invalid_path, before any decision`,
    method: 'GET',
    uri,
    token: 'alice',
    expect: {
      ...deny(403, 'invalid_path', `the original path is refused: ${message}`),
      headers: { 'x-orgwarden-decision-id': undefined },
    },
  })),
  ...['/API/orgs', '/api/ORGS', '/Api/Orgs/acme/members', '/api/orgs/acme/MEMBERS'].map(
    (uri): ForwardAuthCase => ({
      name: `literal segments match case-sensitively: ${uri} is an unknown route`,
      method: 'GET',
      uri,
      token: 'alice',
      expect: deny(403, 'unknown_route'),
    }),
  ),
  {
    name: 'the query string is dropped and encoded unreserved characters decoded once',
    method: 'GET',
    uri: '/api/orgs/%61cme/members?org=globex&x=/../y',
    token: 'alice',
    expect: { status: 200, headers: { 'x-orgwarden-org': 'acme' } },
  },

  // --- how the check request describes the original request ---
  {
    name: "both header families at once (a client adding the other gateway's headers)",
    flavours: ['nginx'],
    method: 'DELETE',
    uri: '/api/orgs/acme',
    token: 'vera',
    headers: { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/api/orgs/acme' },
    expect: {
      ...deny(403, 'invalid_request'),
      message:
        'both x-original-method, x-original-uri and x-forwarded-method, x-forwarded-uri: ambiguous',
    },
  },
  {
    name: 'the NGINX family added to a Caddy check request',
    flavours: ['caddy'],
    method: 'DELETE',
    uri: '/api/orgs/acme',
    token: 'vera',
    headers: { 'x-original-uri': '/api/orgs/acme' },
    expect: {
      ...deny(403, 'invalid_request'),
      message: 'both x-original-uri and x-forwarded-method, x-forwarded-uri: ambiguous',
    },
  },
  {
    name: 'an Envoy-style request together with an X-Original-URI description',
    flavours: ENVOYS,
    method: 'DELETE',
    uri: '/api/orgs/acme',
    token: 'alice',
    headers: { 'x-original-uri': '/api/orgs/acme' },
    expect: deny(
      403,
      'invalid_request',
      'a path after /v1/forward-auth (Envoy style) together with x-original-uri: ambiguous',
    ),
  },
  {
    name: 'an Envoy-style request together with an X-Forwarded-Method description',
    flavours: ENVOYS,
    method: 'GET',
    uri: '/api/orgs/acme',
    token: 'alice',
    headers: { 'x-forwarded-method': 'GET' },
    expect: {
      ...deny(403, 'invalid_request'),
      message: /together with x-forwarded-method: ambiguous$/,
    },
  },
  {
    name: 'a description whose method is not a method (Traefik)',
    flavours: ['traefik'],
    method: 'GE T',
    uri: '/api/orgs',
    token: 'alice',
    expect: { ...deny(403, 'invalid_request'), message: 'x-forwarded-method is not a method' },
  },
  {
    name: 'a CheckRequest whose method is not a method',
    flavours: ['grpc'],
    method: 'GE T',
    uri: '/api/orgs',
    token: 'alice',
    expect: deny(403, 'invalid_request', 'the check request method is not a method'),
  },
  {
    name: 'a credential given twice',
    method: 'GET',
    uri: '/api/orgs/acme',
    headers: { authorization: ['Bearer mallory-token', 'Bearer alice-token'] },
    expect: { ...deny(403, 'invalid_request'), message: 'authorization is given more than once' },
  },
  {
    name: 'an org header given twice',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'alice',
    headers: { 'x-org-id': ['acme', 'globex'] },
    expect: { ...deny(403, 'invalid_request'), message: 'x-org-id is given more than once' },
  },
  {
    name: 'an org cookie given twice',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'alice',
    headers: { cookie: 'org_id=acme; theme=dark; org_id=globex' },
    expect: deny(403, 'invalid_request', 'the org_id cookie is given more than once'),
  },
  {
    name: "Envoy's method is the original request's: an admin removes an editor",
    flavours: ENVOYS,
    method: 'DELETE',
    uri: '/api/orgs/acme/members/carol',
    token: 'bob',
    expect: { status: 200 },
  },
  {
    name: "Envoy's method is the original request's: PATCH is not routed there",
    flavours: ENVOYS,
    method: 'PATCH',
    uri: '/api/orgs/acme/members/carol',
    token: 'bob',
    expect: deny(403, 'unknown_route'),
  },

  // --- routes ---
  {
    name: 'a route missing from the manifest: 403 unknown_route',
    method: 'GET',
    uri: '/api/secrets',
    token: 'alice',
    expect: deny(403, 'unknown_route', 'no route for GET /api/secrets'),
  },
  {
    name: 'a method the manifest does not route on that path: 403 unknown_route',
    method: 'PATCH',
    uri: '/api/orgs/acme',
    token: 'alice',
    expect: deny(403, 'unknown_route', 'no route for PATCH /api/orgs/acme'),
  },
  {
    name: '/shares/incoming is the incoming list',
    method: 'GET',
    uri: '/api/orgs/acme/shares/incoming',
    token: 'vera',
    expect: { status: 200 },
  },
  {
    name: 'DELETE /shares/incoming is not "delete the share incoming"',
    method: 'DELETE',
    uri: '/api/orgs/acme/shares/incoming',
    token: 'alice',
    expect: deny(403, 'unknown_route'),
  },
  {
    name: 'path parameters reach the policy: an admin may not remove the owner',
    method: 'DELETE',
    uri: '/api/orgs/acme/members/alice',
    token: 'bob',
    expect: deny(403, 'owner_role_immutable'),
  },
  {
    name: 'no manifest loaded (a bundle without policy.routes): every request is denied',
    world: 'bare',
    method: 'GET',
    uri: '/api/orgs/acme',
    token: 'alice',
    expect: deny(403, 'unknown_route', 'no route manifest is loaded (policy.routes)'),
  },

  // --- org precedence ---
  {
    name: 'the org comes from the path; the org cookie does not change it',
    method: 'GET',
    uri: '/api/orgs/acme/members',
    token: 'alice',
    headers: { cookie: 'org_id=globex' },
    expect: { status: 200, headers: { 'x-orgwarden-org': 'acme' } },
  },
  {
    name: 'an org header naming another org than the path: 403 org_mismatch',
    method: 'GET',
    uri: '/api/orgs/acme/members',
    token: 'alice',
    headers: { 'X-Org-ID': 'globex' },
    expect: deny(403, 'org_mismatch', 'the path names org "acme" but X-Org-ID names another'),
  },
  {
    name: 'an org header naming the same org as the path',
    method: 'GET',
    uri: '/api/orgs/acme/members',
    token: 'alice',
    headers: { 'x-org-id': 'acme' },
    expect: { status: 200 },
  },
  {
    name: 'the data-plane org comes from the header before the cookie',
    method: 'PUT',
    uri: '/api/resources/node/n1',
    token: 'carol',
    headers: { 'x-org-id': 'acme', cookie: 'org_id=globex' },
    expect: { status: 200, headers: { 'x-orgwarden-org': 'acme', 'x-orgwarden-role': 'editor' } },
  },
  {
    name: 'the data-plane org comes from the cookie without a header',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'alice',
    headers: { cookie: 'theme=dark; org_id=globex' },
    expect: { status: 200, headers: { 'x-orgwarden-org': 'globex', 'x-orgwarden-role': 'viewer' } },
  },
  {
    name: 'the data-plane org is the default org without header or cookie',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'alice',
    expect: { status: 200, headers: { 'x-orgwarden-org': 'default' } },
  },
  {
    name: 'a data-plane request naming an org the caller is not in: 403 access_denied',
    method: 'PUT',
    uri: '/api/resources/node/n1',
    token: 'carol',
    headers: { 'x-org-id': 'globex' },
    expect: deny(403, 'access_denied'),
  },
  {
    name: 'an API token acts in its own org without a header',
    method: 'DELETE',
    uri: '/api/resources/node/n1',
    token: 'acmeToken',
    expect: { status: 200, headers: identity('tok-acme', 'acme', '', 'api_token') },
  },
  {
    name: 'an API token naming another org: 403 access_denied',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'acmeToken',
    headers: { 'x-org-id': 'globex' },
    expect: deny(403, 'access_denied'),
  },
  {
    name: "the org header is ignored for the caller's own orgs (GET /api/orgs)",
    method: 'GET',
    uri: '/api/orgs',
    token: 'mallory',
    headers: { 'x-org-id': 'acme' },
    expect: { status: 200, headers: { 'x-orgwarden-org': 'default' } },
  },

  // --- the deny answers ---
  {
    name: "a role below the action's minimum: 403 insufficient_role",
    method: 'DELETE',
    uri: '/api/orgs/acme',
    token: 'vera',
    expect: deny(403, 'insufficient_role'),
  },
  {
    name: 'a token without the scope: 403 missing_scope',
    method: 'PUT',
    uri: '/api/resources/node/n1',
    token: 'readOnlyToken',
    expect: deny(403, 'missing_scope'),
  },
  {
    name: 'a token on a session-only action: 403 session_required',
    method: 'POST',
    uri: '/api/orgs/acme/members',
    token: 'acmeToken',
    expect: deny(403, 'session_required'),
  },
  {
    name: 'a suspended org: 403 org_suspended',
    method: 'GET',
    uri: '/api/orgs/frozen',
    token: 'gina',
    expect: deny(403, 'org_suspended'),
  },
  {
    name: "the contract's 400 reasons answer 403: default_org_immutable",
    method: 'PUT',
    uri: '/api/orgs/default',
    token: 'root-admin',
    expect: deny(403, 'default_org_immutable'),
  },
  {
    name: 'an org in the path that does not exist: 404 not_found',
    method: 'GET',
    uri: '/api/orgs/nope',
    token: 'alice',
    expect: deny(404, 'not_found', 'not found'),
  },
  {
    name: 'an org in the header that does not exist: 403 invalid_org',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'alice',
    headers: { 'x-org-id': 'nope' },
    expect: deny(403, 'invalid_org'),
  },
  {
    name: 'a user id that is not plain ASCII is percent-encoded in X-Orgwarden-User',
    method: 'GET',
    uri: '/api/orgs',
    token: 'nonAscii',
    expect: { status: 200, headers: { 'x-orgwarden-user': 'zo%C3%AB%20%C3%BC' } },
  },

  // --- while multi-tenant is off ---
  ...SINGLE_TENANT_ORG_ROUTES.map(([method, uri]): ForwardAuthCase => ({
    name: `multi-tenant off: the org route ${method} ${uri} is 404 not_found (invisible)`,
    world: 'single',
    method,
    uri,
    token: 'alice',
    expect: deny(404, 'not_found'),
  })),
  {
    name: 'multi-tenant off: 401 comes before anything about orgs',
    world: 'single',
    method: 'GET',
    uri: '/api/orgs/acme',
    expect: deny(401, 'unauthenticated'),
  },
  {
    name: 'multi-tenant off: a data-plane request in the default org is allowed',
    world: 'single',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'alice',
    expect: { status: 200, headers: { 'x-orgwarden-org': 'default' } },
  },
  {
    name: 'multi-tenant off: a data-plane request in another org is 403 feature_disabled',
    world: 'single',
    method: 'GET',
    uri: '/api/resources/node/n1',
    token: 'alice',
    headers: { 'x-org-id': 'acme' },
    expect: deny(403, 'feature_disabled'),
  },
];

/** The case's client headers, with its bearer token (minted by the runner) in front. */
export function caseHeaders(
  c: ForwardAuthCase,
  tokens: Readonly<Record<Who, string>>,
): Record<string, string | string[]> {
  const token =
    c.token === undefined ? undefined : typeof c.token === 'string' ? tokens[c.token] : c.token.raw;
  return { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...c.headers };
}

/** The flavours a case runs in. */
export const flavoursOf = (c: ForwardAuthCase): readonly Flavour[] => c.flavours ?? FLAVOURS;
