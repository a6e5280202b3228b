/**
 * docs/envoy-grpc.md against what runs: its Envoy config is deploy/gateways/envoy-grpc-orgwarden.yaml
 * byte for byte, and that file is checked for what Envoy needs to talk to orgwarden (no Envoy
 * binary runs here: `envoy --mode validate` is not run, as the page says); its orgwarden config
 * block is accepted and names the port the Envoy cluster points at; and its Node example,
 * embedded byte for byte, prints against a real orgwarden exactly the lines the page shows.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { startForwardAuthApp } from '../forward-auth/helpers.js';
import { session, testConfigDoc } from '../support/app.js';

const DOC = readFileSync(path.resolve('docs', 'envoy-grpc.md'), 'utf8');
const ENVOY_FILE = 'deploy/gateways/envoy-grpc-orgwarden.yaml';
const EXAMPLE_FILE = 'examples/envoy-grpc-check.mjs';

/** The fenced block after `<!-- KIND: NAME -->`. */
function block(kind: string, name?: string): string {
  const marker = name === undefined ? `<!-- ${kind} -->` : `<!-- ${kind}: ${name} -->`;
  const at = DOC.indexOf(marker);
  expect(at, marker).toBeGreaterThanOrEqual(0);
  const m = /^```[a-z]*\n([\s\S]*?)```\n/m.exec(DOC.slice(at + marker.length));
  return m![1] as string;
}

type Node = Record<string, unknown>;
const at = (v: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], v);

describe('docs/envoy-grpc.md', () => {
  const envoy = parse(readFileSync(path.resolve(ENVOY_FILE), 'utf8'), { uniqueKeys: true }) as Node;
  const hcm = at(envoy, 'static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 0);
  const filters = at(hcm, 'typed_config', 'http_filters') as Node[];
  const extAuthz = filters.find((f) => f.name === 'envoy.filters.http.ext_authz');
  const clusters = at(envoy, 'static_resources', 'clusters') as Node[];

  it('embeds the Envoy config and the example byte for byte', () => {
    expect(block('snippet', ENVOY_FILE)).toBe(readFileSync(path.resolve(ENVOY_FILE), 'utf8'));
    expect(block('snippet', EXAMPLE_FILE)).toBe(readFileSync(path.resolve(EXAMPLE_FILE), 'utf8'));
  });

  it('configures the ext_authz filter for gRPC, V3, failing closed, before the router', () => {
    expect(extAuthz).toBeDefined();
    const config = extAuthz!.typed_config as Node;
    expect(config['@type']).toBe(
      'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
    );
    expect(config.transport_api_version).toBe('V3');
    expect(config.failure_mode_allow).toBe(false);
    expect(config.encode_raw_headers).toBe(true);
    expect(config.http_service).toBeUndefined();
    expect(at(config, 'grpc_service', 'envoy_grpc', 'cluster_name')).toBe('orgwarden_grpc');
    expect(filters.map((f) => f.name)).toEqual([
      'envoy.filters.http.ext_authz',
      'envoy.filters.http.router',
    ]);
  });

  it("points an HTTP/2 cluster at the server.grpc port of the page's orgwarden config", () => {
    const config = parseConfig(
      { ...testConfigDoc(), ...(parse(block('orgwarden config')) as Node) },
      { env: {} },
    );
    expect(config.server.grpc).toEqual({ host: '127.0.0.1', port: 9191 });
    const cluster = clusters.find((c) => c.name === 'orgwarden_grpc');
    const options = at(
      cluster,
      'typed_extension_protocol_options',
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    );
    expect(at(options, '@type')).toBe(
      'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    );
    expect(at(options, 'explicit_http_config', 'http2_protocol_options')).toEqual({});
    const endpoint = at(
      cluster,
      'load_assignment',
      'endpoints',
      0,
      'lb_endpoints',
      0,
      'endpoint',
      'address',
      'socket_address',
    );
    expect(endpoint).toEqual({
      address: config.server.grpc!.host,
      port_value: config.server.grpc!.port,
    });
  });

  it('says that envoy --mode validate was not run', () => {
    expect(DOC).toContain('`envoy --mode validate` was not run on this file');
  });

  it('prints, against a real orgwarden, the lines the page shows', async () => {
    const { app } = await startForwardAuthApp({ multiTenant: true, grpc: true });
    try {
      // Asynchronous: the example talks to this very process.
      const run = await promisify(execFile)(process.execPath, [path.resolve(EXAMPLE_FILE)], {
        encoding: 'utf8',
        timeout: 20_000,
        env: {
          ...process.env,
          ORGWARDEN_GRPC: `127.0.0.1:${app.grpc!.port}`,
          TOKEN: await session('alice'),
        },
      });
      expect(run.stdout).toBe(block('output', EXAMPLE_FILE));
    } finally {
      await app.stop();
    }
  });
});
