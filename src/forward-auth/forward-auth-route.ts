/**
 * `ANY /v1/forward-auth[/*]`: the decision surface for gateways (contract section 6). One check
 * request in, one answer out, in this order: read which request the gateway asks about, normalise
 * its path, find its route in the manifest, decode the route's path parameters, read the credential
 * and the org the client named, and let the decision core decide (`kind: forward_auth`).
 *
 * Org precedence: a route takes its org from the sources the manifest lists. For `[path]` the path
 * names the org; an org header that names a *different* org is refused as `org_mismatch` (the
 * upstream may read either, so the request is ambiguous about which org it acts in). The org
 * cookie is not compared: browsers send it with every request, whichever org page is open.
 *
 * Path parameters reach the policy percent-decoded once, as the upstream reads them
 * (`path-params.ts`); the org in the path is compared with the org header after decoding.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TenancyNames } from '../authz/authorize-body.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { DecisionRequest, ResourceRef } from '../contract/decision-request.js';
import { bearerToken, readGatewayCredentials, type GatewayCredentials } from '../authz/http-credentials.js';
import type { DecisionRoute } from '../http/decision-routes.js';
import { allowAnswer, denyAnswer, refusalAnswer, type Answer } from './answer.js';
import { type RequestRefusal } from '../contract/metric-labels.js';
import { normalisePath } from './normalise-path.js';
import { readOriginalRequest } from './original-request.js';
import { decodeRouteParams } from './path-params.js';
import type { RouteSpec, RouteTable, ValueTemplate } from './route-table.js';

export const FORWARD_AUTH_PREFIX = '/v1/forward-auth';

export interface ForwardAuthDeps {
  authorizer: Authorizer;
  /** The org header and cookie names, and the default org (for the org id grammar). */
  tenancy: TenancyNames & { default_org: string };
  /** The compiled manifest; null when none is configured (every request is `unknown_route`). */
  routes: RouteTable | null;
  /** Told of every check refused before a decision (metrics count them). */
  onRefusal?: (refusal: RequestRefusal) => void;
}

type Credentials = GatewayCredentials;

export function forwardAuthRoute(deps: ForwardAuthDeps): DecisionRoute {

  async function check(req: IncomingMessage): Promise<Answer> {
    const original = readOriginalRequest(req, req.url ?? '', FORWARD_AUTH_PREFIX);
    if (!original.ok) return refusalAnswer('invalid_request', original.message);
    const { method, uri } = original.value;
    const path = normalisePath(uri);
    if (!path.ok) return refusalAnswer('invalid_path', `the original path is refused: ${path.message}`);
    if (!deps.routes) return refusalAnswer('unknown_route', 'no route manifest is loaded (policy.routes)');
    const match = deps.routes.match(method, path.segments);
    if (!match.ok) return refusalAnswer('unknown_route', `no route for ${method} ${path.path}`);
    const { route } = match;
    const decoded = decodeRouteParams(route, match.params, deps.tenancy.default_org);
    if (!decoded.ok) return refusalAnswer('invalid_request', decoded.message);
    const { params } = decoded;

    const credentials = readCredentials(req);
    if (typeof credentials === 'string') return refusalAnswer('invalid_request', credentials);
    const pathOrg = route.org.includes('path') ? params.get('org') : undefined;
    if (pathOrg !== undefined && credentials.header !== undefined && credentials.header !== pathOrg)
      return refusalAnswer('org_mismatch', `the path names org "${pathOrg}" but ${deps.tenancy.org_header} names another`);

    const value = (t: ValueTemplate) => ('param' in t ? (params.get(t.param) ?? '') : t.literal);
    const request: DecisionRequest = {
      kind: 'forward_auth',
      token: bearerToken(credentials.authorization),
      named_org: namedOrg(route, pathOrg, credentials),
      action: route.action,
      resource: route.resource ? ({ type: value(route.resource.type), id: route.resource.id ? value(route.resource.id) : null, org: null } satisfies ResourceRef) : null,
      context: Object.fromEntries(Object.entries(route.context).map(([k, t]) => [k, value(t)])),
    };
    const decision = await deps.authorizer.decide(request);
    if (decision.allow) return allowAnswer(decision);
    return denyAnswer(decision, { orgRoute: route.orgRoute, orgFromPath: pathOrg !== undefined, hadToken: credentials.authorization !== undefined });
  }

  /** The credential and the org the client named; a message when one of them is given twice. */
  function readCredentials(req: IncomingMessage): Credentials | string {
    const read = readGatewayCredentials((name) => req.headersDistinct[name], deps.tenancy);
    return read.ok ? read.value : read.message;
  }

  return {
    method: 'ANY',
    path: `${FORWARD_AUTH_PREFIX}/*`,
    async handle(req, res) {
      // The check request's body (if a gateway sends one) is never read.
      req.resume();
      const answer = await check(req);
      if (answer.refusal) deps.onRefusal?.(answer.refusal);
      send(res, answer);
    },
  };
}

function namedOrg(route: RouteSpec, pathOrg: string | undefined, credentials: Credentials): DecisionRequest['named_org'] {
  if (pathOrg !== undefined) return { id: pathOrg, source: 'path' };
  for (const source of route.org) {
    const id = source === 'header' ? credentials.header : source === 'cookie' ? credentials.cookie : undefined;
    if (id !== undefined) return { id, source: source === 'header' ? 'header' : 'cookie' };
  }
  return null;
}

function send(res: ServerResponse, answer: Answer): void {
  const payload = answer.body ? JSON.stringify(answer.body) : '';
  res.writeHead(answer.status, {
    ...answer.headers,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(payload),
    ...(answer.body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
  });
  res.end(payload);
}
