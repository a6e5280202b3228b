/**
 * One forward-auth check (contract section 6), in this order: read which request the gateway asks
 * about, normalise its path, find its route in the manifest, decode the route's path parameters,
 * read the credential and the org the client named (the core's `readGatewayCredentials`), and let
 * the decision core decide (`kind: forward_auth`).
 *
 * Org precedence is the core's (`namedOrg`), over the sources the route's manifest entry lists:
 * for `[path]` the path names the org; an org header that names a *different* org is refused as
 * `org_mismatch` (the upstream may read either, so the request is ambiguous about which org it
 * acts in). The org cookie is not compared: browsers send it with every request, whichever org
 * page is open.
 *
 * Path parameters reach the policy percent-decoded once, as the upstream reads them
 * (`path-params.ts`); the org in the path is compared with the org header after decoding.
 */
import type { Authorizer } from '../../authz/authorizer.js';
import type { CredentialRequest } from '../../contract/decision-request.js';
import { bearerToken, namedOrg, readGatewayCredentials } from '../../authz/http-credentials.js';
import { allowAnswer, denyAnswer, refusalAnswer, type Answer } from './answer.js';
import { normalisePath } from './normalise-path.js';
import { readOriginalRequest, type CheckRequest } from './original-request.js';
import { decodeRouteParams } from './path-params.js';
import type { RouteTable, ValueTemplate } from './route-table.js';

export interface ForwardAuthCheckDeps {
  authorizer: Pick<Authorizer, 'decide'>;
  /** The org header and cookie names, and the default org (for the org id grammar). */
  tenancy: { org_header: string; org_cookie: string; default_org: string };
  /** The compiled manifest; null when none is configured (every request is `unknown_route`). */
  routes: RouteTable | null;
}

/**
 * The forward-auth path: the HTTP route's, and the prefix of the URL the gRPC flavour builds from
 * Envoy's `CheckRequest` (its path after this prefix, Envoy style), so the two flavours give one
 * answer, message for message.
 */
export const FORWARD_AUTH_PATH = '/v1/forward-auth';

/** The check request's URL starts with FORWARD_AUTH_PATH (Envoy style follows it). */
export function createForwardAuthCheck(deps: ForwardAuthCheckDeps) {
  const prefix = FORWARD_AUTH_PATH;
  return async function check(req: CheckRequest): Promise<Answer> {
    const original = readOriginalRequest(req, req.url ?? '', prefix);
    if (!original.ok) return refusalAnswer('invalid_request', original.message);
    const { method, uri } = original.value;
    const path = normalisePath(uri);
    if (!path.ok)
      return refusalAnswer('invalid_path', `the original path is refused: ${path.message}`);
    if (!deps.routes)
      return refusalAnswer('unknown_route', 'no route manifest is loaded (policy.routes)');
    const match = deps.routes.match(method, path.segments);
    if (!match.ok) return refusalAnswer('unknown_route', `no route for ${method} ${path.path}`);
    const { route } = match;
    const decoded = decodeRouteParams(route, match.params, deps.tenancy.default_org);
    if (!decoded.ok) return refusalAnswer('invalid_request', decoded.message);
    const { params } = decoded;

    const read = readGatewayCredentials((name) => req.headersDistinct[name], deps.tenancy);
    if (!read.ok) return refusalAnswer('invalid_request', read.message);
    const credentials = read.value;
    const pathOrg = route.org.includes('path') ? params.get('org') : undefined;
    if (pathOrg !== undefined && credentials.header !== undefined && credentials.header !== pathOrg)
      return refusalAnswer(
        'org_mismatch',
        `the path names org "${pathOrg}" but ${deps.tenancy.org_header} names another`,
      );

    const value = (t: ValueTemplate) => ('param' in t ? (params.get(t.param) ?? '') : t.literal);
    const request: CredentialRequest = {
      kind: 'forward_auth',
      token: bearerToken(credentials.authorization),
      named_org: namedOrg(
        { path: pathOrg, header: credentials.header, cookie: credentials.cookie },
        route.org,
      ),
      action: route.action,
      resource: route.resource
        ? {
            type: value(route.resource.type),
            id: route.resource.id ? value(route.resource.id) : null,
            org: null,
          }
        : null,
      context: Object.fromEntries(Object.entries(route.context).map(([k, t]) => [k, value(t)])),
      route: route.name,
    };
    const decision = await deps.authorizer.decide(request);
    if (decision.allow) return allowAnswer(decision);
    return denyAnswer(decision, {
      orgRoute: route.orgRoute,
      orgFromPath: pathOrg !== undefined,
      hadToken: credentials.authorization !== undefined,
    });
  };
}
