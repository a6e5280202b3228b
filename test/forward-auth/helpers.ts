/**
 * A real orgwarden with the default route manifest (`policies/routes.yaml`), the compiled policy
 * and the fixture directory; and check requests in each gateway's style, sent raw (paths go on
 * the wire exactly as written).
 */
import path from 'node:path';
import type { App } from '../../src/app.js';
import { startTestApp, TEST_BUNDLE } from '../support/app.js';
import { rawRequest, type RawResponse } from './gateway-harness.js';

export const DEFAULT_ROUTES = path.resolve('policies', 'routes.yaml');

/** With `grpc`, it also serves Envoy's ext_authz over gRPC on a free port (`app.grpc`). */
export async function startForwardAuthApp(options: {
  multiTenant: boolean;
  routes?: string | null;
  grpc?: boolean;
  extra?: Record<string, unknown>;
  env?: Record<string, string>;
}): Promise<{ app: App; port: number }> {
  const routes = options.routes === undefined ? DEFAULT_ROUTES : options.routes;
  const { app } = await startTestApp({
    multiTenant: options.multiTenant,
    extra: {
      policy: { bundle: TEST_BUNDLE, ...(routes === null ? {} : { routes }) },
      ...(options.grpc
        ? { server: { host: '127.0.0.1', port: 0, shutdown_delay_s: 0, grpc: { port: 0 } } }
        : {}),
      ...options.extra,
    },
    ...(options.env ? { env: options.env } : {}),
  });
  const address = app.http.server.address();
  if (!address || typeof address === 'string') throw new Error('app is not listening');
  return { app, port: address.port };
}

export type Style = 'nginx' | 'traefik' | 'caddy' | 'envoy';
export const STYLES: Style[] = ['nginx', 'traefik', 'caddy', 'envoy'];

/** A forward-auth check as the gateway of `style` sends it for the original `method` and `uri`. */
export function check(
  port: number,
  style: Style,
  method: string,
  uri: string,
  headers: Record<string, string | string[]> = {},
): Promise<RawResponse> {
  switch (style) {
    case 'nginx':
      // auth_request: the subrequest keeps the original method; the URI travels in a header.
      return rawRequest(port, {
        method,
        path: '/v1/forward-auth',
        headers: { 'x-original-method': method, 'x-original-uri': uri, ...headers },
      });
    case 'traefik':
      return rawRequest(port, {
        method: 'GET',
        path: '/v1/forward-auth',
        headers: {
          'X-Forwarded-Method': method,
          'X-Forwarded-Uri': uri,
          'X-Forwarded-Proto': 'https',
          ...headers,
        },
      });
    case 'caddy':
      return rawRequest(port, {
        method: 'GET',
        path: '/v1/forward-auth',
        headers: { 'X-Forwarded-Method': method, 'X-Forwarded-Uri': uri, ...headers },
      });
    case 'envoy':
      // ext_authz (HTTP) with path_prefix /v1/forward-auth: original method, prefix + original path.
      return rawRequest(port, { method, path: `/v1/forward-auth${uri}`, headers });
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
