/**
 * Hostile documents for every decision endpoint, and what each answer must satisfy. A case starts
 * from a valid request (real orgs, users, actions, routes and credentials, some forged) and applies
 * a few structure-aware mutations (test/support/hostile-json.ts) or hostile header and path bytes.
 * The judge of an answer knows only the tenant-isolation oracle (membership-oracle.ts): never a
 * 5xx, never `policy_error`, and every allow is for a member of the org it names.
 */
import fc from 'fast-check';
import type { BodyMutation, Json, JsonMutation } from './hostile-json.js';
import { hostileBytes } from './hostile-json.js';
import {
  bodyMutation,
  hostileText,
  hostileUriPiece,
  idDisguise,
  jsonMutation,
  onTheWire,
} from './arbitraries.js';
import type { Credential, Oracle } from './membership-oracle.js';
import type { RawRequest, RawResponse } from './raw-http-client.js';

export const ENDPOINTS = [
  '/v1/authorize',
  '/v1/authorize/batch',
  '/v1/events/filter',
  '/v1/jobs/authorize',
  '/v1/forward-auth',
  '/v1/features',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** What one answer showed; `problem` is null when it kept every rule. */
interface Verdict {
  allows: number;
  denies: number;
  problem: string | null;
}

export interface HostileCase {
  request: RawRequest;
  judge(res: RawResponse): Verdict;
  /** For the counterexample fast-check prints. */
  toString(): string;
}

const ORGS = ['acme', 'globex', 'frozen', 'leaving', 'default', 'nope'];
const USERS = [
  'alice',
  'bob',
  'carol',
  'dave',
  'vera',
  'erin',
  'frank',
  'gina',
  'hank',
  'root-admin',
  'mallory',
  'zoe',
];
const ACTIONS = [
  'orgs.list',
  'orgs.create',
  'org.read',
  'org.members.list',
  'org.update',
  'org.members.update_role',
  'org.members.remove',
  'org.delete',
  'org.ownership.transfer',
  'org.billing.read',
  'resource.read',
  'resource.write',
  'ai.chat',
  'ai.execute',
  'events.receive',
  'no.such.action',
];
const JSON_TYPE: [string, string] = ['content-type', 'application/json'];

const org = fc.constantFrom(...ORGS);
const user = fc.constantFrom(...USERS);
const mutations = fc.array(jsonMutation, { maxLength: 3 });

const pass = (allows: number, denies: number): Verdict => ({ allows, denies, problem: null });
const fail = (problem: string): Verdict => ({ allows: 0, denies: 0, problem });

/** The rules every answer keeps, whatever the endpoint: no 5xx; an error body says what is wrong. */
function commonProblem(res: RawResponse): string | null {
  if (res.status >= 500)
    return `answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
  return null;
}

function parseBody(res: RawResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The document the server read, when it could read one (the same bytes, the same reader). */
function sentDocument(bytes: Buffer): Record<string, unknown> | null {
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 4xx from a JSON endpoint carries `{"error":{"code","message"}}` (Node's own parser 400 has no body). */
function errorDocumentProblem(res: RawResponse): string | null {
  if (res.status < 400 || res.body.length === 0) return null;
  const body = parseBody(res);
  const error = isRecord(body) ? body.error : undefined;
  if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string')
    return `a ${res.status} without the error document`;
  return null;
}

/**
 * One decision document (authorize, batch item, job). `cred` is the credential the case put in,
 * if any: an allow must come from it, legitimately, for a principal that may act in the org.
 */
function decisionProblem(
  decision: unknown,
  oracle: Oracle,
  cred: Credential | null,
  namedOrg: unknown,
  trustedUser: unknown,
): string | null {
  if (!isRecord(decision)) return 'not a decision document';
  if ('error' in decision) return null; // a batch item refused on its own
  if (decision.reason === 'policy_error') return 'policy_error';
  if (decision.allow !== true) return null;
  const principal = isRecord(decision.principal)
    ? { id: String(decision.principal.id), kind: String(decision.principal.kind) }
    : null;
  const effective = typeof decision.effective_org === 'string' ? decision.effective_org : null;
  if (typeof trustedUser === 'string') {
    if (principal?.id !== trustedUser)
      return `allowed ${String(principal?.id)} for a job enqueued by ${trustedUser}`;
  } else {
    if (!cred?.legit) return `allowed with a forged or absent credential (${cred?.sub ?? 'none'})`;
    if (principal?.id !== cred.sub || principal.kind !== cred.kind)
      return `allowed ${JSON.stringify(principal)} for a credential of ${cred.sub}`;
  }
  if (!oracle.mayActIn(principal, effective))
    return `allowed ${principal.id} in ${String(effective)}, where it is not a member`;
  if (typeof namedOrg === 'string' && namedOrg !== effective)
    return `allowed in ${String(effective)} when the request named ${namedOrg}`;
  return null;
}

/** A valid `/v1/authorize` document for a credential from the pool (by index). */
function authorizeDoc(creds: readonly Credential[]) {
  return fc
    .record({
      cred: fc.nat(creds.length - 1),
      viaHeaders: fc.boolean(),
      org: fc.option(org, { nil: undefined }),
      headerOrg: fc.option(org, { nil: undefined }),
      action: fc.constantFrom(...ACTIONS),
      resource: fc.option(
        fc.record({
          type: fc.constantFrom('node', 'org', 'share'),
          id: fc.constantFrom('n1', 'n2', 'n3', 'acme'),
          org: fc.option(org, { nil: null }),
        }),
        { nil: undefined },
      ),
      context: fc.option(
        fc.record(
          { target_user: user, target_role: fc.constantFrom('viewer', 'editor', 'admin', 'owner') },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
    })
    .map((r) => {
      const cred = creds[r.cred] as Credential;
      const doc: Record<string, Json> = {};
      if (r.viaHeaders) {
        const headers: Record<string, Json> = { authorization: `Bearer ${cred.token}` };
        if (r.headerOrg !== undefined) headers['x-org-id'] = r.headerOrg;
        doc.headers = headers;
      } else doc.token = cred.token;
      if (r.org !== undefined) doc.org = r.org;
      doc.action = r.action;
      if (r.resource !== undefined) doc.resource = r.resource;
      if (r.context !== undefined) doc.context = r.context;
      return { doc, cred };
    });
}

function bodyCase(
  path: string,
  doc: Json,
  muts: JsonMutation[],
  damage: BodyMutation,
  judge: (res: RawResponse, sent: Record<string, unknown> | null) => Verdict,
): HostileCase {
  const body = hostileBytes(doc, muts, damage);
  const request: RawRequest = { method: 'POST', path, headers: [JSON_TYPE], body };
  return {
    request,
    judge: (res) => {
      const problem = commonProblem(res) ?? errorDocumentProblem(res);
      if (problem) return fail(problem);
      if (res.status !== 200) return pass(0, 1);
      return judge(res, sentDocument(body));
    },
    toString: () => `POST ${path} ${body.toString('latin1').slice(0, 600)}`,
  };
}

function authorizeCases(oracle: Oracle): fc.Arbitrary<HostileCase> {
  return fc
    .tuple(authorizeDoc(oracle.credentials), mutations, bodyMutation)
    .map(([{ doc, cred }, muts, damage]) =>
      bodyCase('/v1/authorize', doc, muts, damage, (res, sent) => {
        const decision = parseBody(res);
        const problem = decisionProblem(decision, oracle, cred, sent?.org, undefined);
        if (problem) return fail(problem);
        return isRecord(decision) && decision.allow === true ? pass(1, 0) : pass(0, 1);
      }),
    );
}

function batchCases(oracle: Oracle): fc.Arbitrary<HostileCase> {
  return fc
    .tuple(
      fc.array(authorizeDoc(oracle.credentials), { minLength: 1, maxLength: 5 }),
      mutations,
      bodyMutation,
    )
    .map(([items, muts, damage]) =>
      bodyCase(
        '/v1/authorize/batch',
        { items: items.map((i) => i.doc) },
        muts,
        damage,
        (res, sent) => {
          const body = parseBody(res);
          const results = isRecord(body) && Array.isArray(body.results) ? body.results : null;
          const sentItems = Array.isArray(sent?.items) ? sent.items : null;
          if (!results || !sentItems) return fail('no results, or not one per item');
          if (results.length !== sentItems.length) return fail('no results, or not one per item');
          let allows = 0;
          for (const [i, result] of results.entries()) {
            const item: unknown = sentItems[i];
            // Items are never added or removed by a mutation, only damaged: item i is still case item i.
            const problem = decisionProblem(
              result,
              oracle,
              items[i]?.cred ?? null,
              isRecord(item) ? item.org : undefined,
              undefined,
            );
            if (problem) return fail(`items[${i}]: ${problem}`);
            if (isRecord(result) && result.allow === true) allows += 1;
          }
          return pass(allows, results.length - allows);
        },
      ),
    );
}

function eventCases(oracle: Oracle): fc.Arbitrary<HostileCase> {
  const recipients = fc.uniqueArray(
    fc.record({ id: fc.stringMatching(/^s[0-9]{1,3}$/), user, org: fc.option(org, { nil: null }) }),
    {
      minLength: 1,
      maxLength: 8,
      selector: (r) => r.id,
    },
  );
  const doc = fc.record({
    channel: fc.constantFrom('websocket', 'sse', 'push'),
    event: fc.record({
      type: fc.constantFrom('alert', 'deploy'),
      org: fc.option(org, { nil: null }),
    }),
    recipients,
  });
  return fc.tuple(doc, mutations, bodyMutation).map(([d, muts, damage]) =>
    bodyCase('/v1/events/filter', d as unknown as Json, muts, damage, (res, sent) => {
      const body = parseBody(res);
      if (!isRecord(body) || !Array.isArray(body.allowed) || !Array.isArray(body.denied))
        return fail('not an event filter answer');
      const event = sent && isRecord(sent.event) ? sent.event : {};
      const byId = new Map<unknown, Record<string, unknown>>();
      for (const r of sent && Array.isArray(sent.recipients) ? sent.recipients : [])
        if (isRecord(r)) byId.set(r.id, r);
      for (const denied of body.denied)
        if (isRecord(denied) && denied.reason === 'policy_error')
          return fail(`recipient ${String(denied.id)}: policy_error`);
      for (const id of body.allowed) {
        const r = byId.get(id);
        const connectionOrg = r && typeof r.org === 'string' ? r.org : 'default';
        if (!r || typeof r.user !== 'string')
          return fail(`allowed ${String(id)}, which is not a recipient`);
        if (!oracle.mayActIn({ id: r.user, kind: 'session' }, connectionOrg))
          return fail(`delivered to ${r.user} on ${connectionOrg}, where it is not a member`);
        if (event.org !== connectionOrg)
          return fail(
            `delivered an event of ${String(event.org)} to ${r.user} on ${connectionOrg}`,
          );
      }
      return pass(body.allowed.length, body.denied.length);
    }),
  );
}

function jobCases(oracle: Oracle): fc.Arbitrary<HostileCase> {
  const creds = oracle.credentials;
  return fc
    .tuple(
      fc.record({
        cred: fc.nat(creds.length - 1),
        byUser: fc.option(user, { nil: undefined }),
        org,
        action: fc.constantFrom(...ACTIONS),
        resourceId: fc.constantFrom('n1', 'n2'),
      }),
      mutations,
      bodyMutation,
    )
    .map(([r, muts, damage]) => {
      const cred = creds[r.cred] as Credential;
      const job = {
        id: 'j1',
        type: 'report',
        org: r.org,
        enqueued_by: r.byUser !== undefined ? { user: r.byUser } : cred.token,
        action: r.action,
        resource: { type: 'node', id: r.resourceId },
      };
      return bodyCase('/v1/jobs/authorize', { job }, muts, damage, (res, sent) => {
        const decision = parseBody(res);
        const sentJob = sent && isRecord(sent.job) ? sent.job : {};
        const enqueuer = sentJob.enqueued_by;
        const trusted = isRecord(enqueuer)
          ? typeof enqueuer.user === 'string'
            ? enqueuer.user
            : 'not-a-user'
          : undefined;
        const problem = decisionProblem(
          decision,
          oracle,
          r.byUser === undefined ? cred : null,
          sentJob.org,
          trusted,
        );
        if (problem) return fail(problem);
        return isRecord(decision) && decision.allow === true ? pass(1, 0) : pass(0, 1);
      });
    });
}

/** Header-level damage: hostile text inserted, the scheme's case changed, a garbage duplicate. */
const headerValueMutation = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), text: hostileText }),
  fc.record({
    op: fc.constant('scheme' as const),
    scheme: fc.constantFrom('bearer', 'BEARER', 'Bearer  ', 'Basic', '', 'Bearer\t'),
  }),
  fc.record({ op: fc.constant('none' as const) }),
);
type HeaderValueMutation = typeof headerValueMutation extends fc.Arbitrary<infer T> ? T : never;

function authorization(token: string, m: HeaderValueMutation): string {
  if (m.op === 'scheme') return `${m.scheme} ${token}`;
  const value = `Bearer ${token}`;
  if (m.op === 'insert') {
    const i = m.pos % (value.length + 1);
    return value.slice(0, i) + m.text + value.slice(i);
  }
  return value;
}

function featuresCases(oracle: Oracle): fc.Arbitrary<HostileCase> {
  const creds = oracle.credentials;
  return fc
    .record({
      cred: fc.nat(creds.length - 1),
      auth: headerValueMutation,
      garbage: fc.option(hostileText, { nil: undefined }),
      orgHeader: fc.option(hostileText, { nil: undefined }),
    })
    .map((r) => {
      const cred = creds[r.cred] as Credential;
      const headers: [string, string][] = [
        ['authorization', onTheWire(authorization(cred.token, r.auth))],
      ];
      if (r.garbage !== undefined)
        headers.push(['authorization', onTheWire(`Bearer ${r.garbage}`)]);
      if (r.orgHeader !== undefined) headers.push(['x-org-id', onTheWire(r.orgHeader)]);
      const request: RawRequest = { method: 'GET', path: '/v1/features', headers };
      return {
        request,
        judge: (res: RawResponse): Verdict => {
          const problem = commonProblem(res) ?? errorDocumentProblem(res);
          if (problem) return fail(problem);
          if (res.status !== 200) return pass(0, 1);
          if (!cred.legit)
            return fail(`features answered 200 for a forged credential (${cred.sub})`);
          const body = parseBody(res);
          const orgs = isRecord(body) && Array.isArray(body.orgs) ? body.orgs : [];
          for (const o of orgs) {
            const id = isRecord(o) ? o.id : undefined;
            if (typeof id !== 'string' || !oracle.mayActIn({ id: cred.sub, kind: cred.kind }, id))
              return fail(`listed ${String(id)} for ${cred.sub}, who may not act there`);
          }
          return pass(1, 0);
        },
        toString: () => `GET /v1/features ${JSON.stringify(headers)}`,
      };
    });
}

const ROUTES: ((o: string, u: string) => [string, string])[] = [
  (o) => ['GET', `/api/orgs/${o}`],
  (o) => ['GET', `/api/orgs/${o}/members`],
  (o, u) => ['DELETE', `/api/orgs/${o}/members/${u}`],
  (o) => ['DELETE', `/api/orgs/${o}`],
  (o) => ['GET', `/api/admin/orgs/${o}/billing-state`],
  (o) => ['POST', `/api/orgs/${o}/shares/incoming/s-acme-n1/accept`],
  () => ['GET', '/api/resources/node/n1'],
  () => ['PUT', '/api/resources/node/n3'],
  () => ['POST', '/api/ai/chat'],
  () => ['GET', '/api/orgs'],
  () => ['POST', '/api/orgs'],
];

function forwardAuthCases(oracle: Oracle): fc.Arbitrary<HostileCase> {
  const creds = oracle.credentials;
  const uriMutation = fc.oneof(
    fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), piece: hostileUriPiece }),
    fc.record({ op: fc.constant('segment' as const), at: fc.nat(), piece: hostileUriPiece }),
    fc.record({ op: fc.constant('disguise' as const), at: fc.nat(), disguise: idDisguise }),
  );
  return (
    fc
      .record({
        cred: fc.nat(creds.length - 1),
        route: fc.nat(ROUTES.length - 1),
        org,
        user,
        style: fc.constantFrom('nginx', 'forwarded', 'envoy'),
        uri: fc.array(uriMutation, { maxLength: 3 }),
        auth: headerValueMutation,
        orgHeader: fc.option(fc.oneof(org, hostileText), { nil: undefined }),
        cookie: fc.option(fc.oneof(org, hostileText), { nil: undefined }),
        extra: fc.array(
          fc.tuple(
            fc.constantFrom(
              'x-original-uri',
              'x-forwarded-uri',
              'x-original-method',
              'x-forwarded-method',
              'x-org-id',
              'authorization',
              'cookie',
            ),
            hostileText,
          ),
          { maxLength: 2 },
        ),
        method: fc.option(fc.constantFrom('get', 'G E T', 'CONNECT', 'TRACE', '', 'GET\u0000'), {
          nil: undefined,
        }),
      })
      // One case in four is sent as generated, undamaged, so allows are reached too.
      .chain((r) =>
        fc.nat(3).map((n) =>
          n === 0
            ? {
                ...r,
                uri: [],
                auth: { op: 'none' as const },
                orgHeader: undefined,
                cookie: undefined,
                extra: [],
                method: undefined,
              }
            : r,
        ),
      )
      .map((r) => {
        const cred = creds[r.cred] as Credential;
        const [routeMethod, cleanUri] = (
          ROUTES[r.route] as (o: string, u: string) => [string, string]
        )(r.org, r.user);
        let uri = cleanUri;
        for (const m of r.uri) {
          if (m.op === 'insert') {
            const i = m.pos % (uri.length + 1);
            uri = uri.slice(0, i) + m.piece + uri.slice(i);
          } else {
            const segments = uri.split('/');
            const i = 1 + (m.at % Math.max(segments.length - 1, 1));
            segments[i] = m.op === 'segment' ? m.piece : m.disguise(segments[i] ?? '');
            uri = segments.join('/');
          }
        }
        const method = onTheWire(r.method ?? routeMethod);
        const headers: [string, string][] = [
          ['authorization', onTheWire(authorization(cred.token, r.auth))],
        ];
        if (r.orgHeader !== undefined) headers.push(['x-org-id', onTheWire(r.orgHeader)]);
        if (r.cookie !== undefined) headers.push(['cookie', onTheWire(`org_id=${r.cookie}`)]);
        let request: RawRequest;
        // Envoy's check request carries the method itself; CONNECT there is a tunnel request, which
        // Node's server answers by closing the connection (no check is made), so it is not sent.
        if (r.style === 'envoy')
          request = {
            method: /^[A-Z]+$/.test(method) && method !== 'CONNECT' ? method : 'GET',
            path: `/v1/forward-auth${onTheWire(uri)}`,
            headers,
          };
        else {
          const family =
            r.style === 'nginx'
              ? ['x-original-method', 'x-original-uri']
              : ['x-forwarded-method', 'x-forwarded-uri'];
          request = {
            method: 'GET',
            path: '/v1/forward-auth',
            headers: [
              ...headers,
              [family[0] as string, method],
              [family[1] as string, onTheWire(uri)],
            ],
          };
        }
        // Extra headers hold hostile text only (never another credential): an allow can only come from `cred`.
        for (const [name, value] of r.extra) request.headers.push([name, onTheWire(value)]);
        return {
          request,
          judge: (res: RawResponse): Verdict => {
            const problem = commonProblem(res);
            if (problem) return fail(problem);
            const body = parseBody(res);
            if (isRecord(body) && body.error === 'policy_error') return fail('policy_error');
            if (res.status !== 200) return pass(0, 1);
            const principal = {
              id: decodeURIComponent(res.headers.get('x-orgwarden-user') ?? ''),
              kind: res.headers.get('x-orgwarden-principal-kind') ?? '',
            };
            const effective = res.headers.get('x-orgwarden-org') ?? null;
            if (!cred.legit) return fail(`forward-auth allowed a forged credential (${cred.sub})`);
            if (principal.id !== cred.sub || principal.kind !== cred.kind)
              return fail(`allowed ${principal.id} for a credential of ${cred.sub}`);
            if (!oracle.mayActIn(principal, effective))
              return fail(
                `allowed ${principal.id} in ${String(effective)}, where it is not a member`,
              );
            return pass(1, 0);
          },
          toString: () =>
            `${request.method} ${request.path} ${JSON.stringify(request.headers.filter(([n]) => n !== 'authorization'))} as ${cred.sub}${cred.legit ? '' : ' (forged)'}`,
        };
      })
  );
}

/** The hostile cases of one endpoint, over the oracle's credentials. */
export function hostileCases(endpoint: Endpoint, oracle: Oracle): fc.Arbitrary<HostileCase> {
  switch (endpoint) {
    case '/v1/authorize':
      return authorizeCases(oracle);
    case '/v1/authorize/batch':
      return batchCases(oracle);
    case '/v1/events/filter':
      return eventCases(oracle);
    case '/v1/jobs/authorize':
      return jobCases(oracle);
    case '/v1/forward-auth':
      return forwardAuthCases(oracle);
    case '/v1/features':
      return featuresCases(oracle);
  }
}
