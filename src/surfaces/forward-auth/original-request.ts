/**
 * Which request the gateway is asking about. Three styles, one per family of gateways:
 *
 * - NGINX `auth_request`: `X-Original-Method` and `X-Original-URI` on `/v1/forward-auth`.
 * - Traefik `forwardAuth`, Caddy `forward_auth`: `X-Forwarded-Method` and `X-Forwarded-Uri` on
 *   `/v1/forward-auth`.
 * - Envoy `ext_authz` (HTTP, `path_prefix: /v1/forward-auth`): the check request's own method and
 *   the path after the prefix.
 *
 * The style is never guessed from a mix. Gateways copy client headers into the check request, so
 * a client can add the *other* family's headers to describe a request it is not making; a check
 * request that carries more than one description (two header families, a path suffix plus
 * headers, or a header given twice) is refused. A gateway sets its own family's headers, which
 * overwrite whatever the client sent under those names.
 */
import type { IncomingMessage } from 'node:http';

/**
 * What a check reads of the check request: an `IncomingMessage` (the HTTP flavour), or the request
 * Envoy's gRPC `CheckRequest` describes, put in the same shape (src/grpc/), so both flavours are
 * read by this one reader.
 */
export type CheckRequest = Pick<IncomingMessage, 'method' | 'url' | 'headersDistinct'>;

type GatewayStyle = 'nginx' | 'forwarded' | 'envoy';
interface OriginalRequest {
  style: GatewayStyle;
  method: string;
  uri: string;
}

export type ReadResult = { ok: true; value: OriginalRequest } | { ok: false; message: string };

const FAMILIES = {
  nginx: { method: 'x-original-method', uri: 'x-original-uri' },
  forwarded: { method: 'x-forwarded-method', uri: 'x-forwarded-uri' },
} as const;
const METHOD = /^[A-Za-z]{1,20}$/;

/**
 * `url` is the check request's raw URL, `prefix` the forward-auth path it starts with. A path after
 * the prefix means Envoy style; a query on the bare prefix is ignored.
 */
export function readOriginalRequest(req: CheckRequest, url: string, prefix: string): ReadResult {
  const present = (family: keyof typeof FAMILIES) =>
    [FAMILIES[family].method, FAMILIES[family].uri].filter(
      (name) => req.headersDistinct[name] !== undefined,
    );
  const nginx = present('nginx');
  const forwarded = present('forwarded');
  for (const name of [...nginx, ...forwarded])
    if ((req.headersDistinct[name]?.length ?? 0) > 1)
      return fail(`${name} is given more than once`);

  const rest = url.slice(prefix.length);
  if (rest.startsWith('/')) {
    if (nginx.length + forwarded.length > 0)
      return fail(
        `a path after ${prefix} (Envoy style) together with ${[...nginx, ...forwarded].join(', ')}: ambiguous`,
      );
    return method(req.method ?? '', 'the check request method', (m) => ({
      style: 'envoy',
      method: m,
      uri: rest,
    }));
  }
  if (nginx.length > 0 && forwarded.length > 0)
    return fail(`both ${nginx.join(', ')} and ${forwarded.join(', ')}: ambiguous`);
  const style = nginx.length > 0 ? 'nginx' : forwarded.length > 0 ? 'forwarded' : null;
  if (!style)
    return fail(
      `no original request: send X-Original-Method and X-Original-URI (NGINX), X-Forwarded-Method and X-Forwarded-Uri (Traefik, Caddy), or call ${prefix}/<path> (Envoy)`,
    );
  const names = FAMILIES[style];
  const uri = req.headersDistinct[names.uri]?.[0];
  const rawMethod = req.headersDistinct[names.method]?.[0];
  if (uri === undefined) return fail(`${names.uri} is missing`);
  if (rawMethod === undefined) return fail(`${names.method} is missing`);
  return method(rawMethod, names.method, (m) => ({ style, method: m, uri }));
}

function method(value: string, name: string, build: (m: string) => OriginalRequest): ReadResult {
  // Methods are case-sensitive (RFC 9110); a lower-case method simply matches no route.
  if (!METHOD.test(value)) return fail(`${name} is not a method`);
  return { ok: true, value: build(value) };
}

const fail = (message: string): ReadResult => ({ ok: false, message });
