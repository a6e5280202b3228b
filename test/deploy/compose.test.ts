/**
 * deploy/compose.yaml (docs/container.md), checked without a container engine: valid against the
 * Compose Specification's own JSON schema (vendored from compose-go, fixtures/compose-spec/), and
 * every name, file and port it refers to is there — services, bind-mounted files, the real NGINX
 * snippet, the upstreams and ports the gateway config names, and orgwarden's config, parsed by
 * orgwarden's own parser, whose secrets the service's environment provides.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { runtimeImage } from './image.js';

const COMPOSE = path.resolve('deploy', 'compose.yaml');
const DIR = path.dirname(COMPOSE);
const SCHEMA = path.resolve('test', 'deploy', 'fixtures', 'compose-spec', 'compose-spec.json');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

const compose = parse(readFileSync(COMPOSE, 'utf8')) as { services: Record<string, Service> };
const { services } = compose;

/** A bind mount `source:target[:ro]`, the source resolved against the compose file's folder. */
function mounts(service: Service) {
  return (service.volumes ?? []).map((v) => {
    const [source, target, mode] = v.split(':') as [string, string, string?];
    return { source: path.resolve(DIR, source), target, readOnly: mode === 'ro' };
  });
}

const mountedAt = (service: Service, target: string) =>
  mounts(service).find((m) => m.target === target)?.source;

/** `host:published:container` → the container port. */
const containerPorts = (service: Service) =>
  (service.ports ?? []).map((p) => Number(p.split(':').at(-1)));

describe('deploy/compose.yaml', () => {
  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The schema itself refuses a misspelt key, so this check is not vacuous.
    expect(validate({ services: { a: { imagee: 'x' } } })).toBe(false);
  });

  it('pins every image by exact version and builds orgwarden from this repository', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/^[a-z0-9./-]+:\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/);
    }
    const { build } = services.orgwarden!;
    expect(path.resolve(DIR, build!.context, build!.dockerfile)).toBe(path.resolve('Dockerfile'));
  });

  it('depends only on services it defines, and mounts only files that exist, read-only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
      for (const mount of mounts(service)) {
        expect(existsSync(mount.source), `${name}: ${mount.source}`).toBe(true);
        expect(mount.readOnly, `${name}: ${mount.target}`).toBe(true);
      }
    }
    // service_healthy needs a health check: redis declares one, orgwarden's image has HEALTHCHECK.
    expect(services.redis!.healthcheck).toBeDefined();
  });

  it("runs orgwarden read-only with a config its own parser accepts, on the image's files", () => {
    const service = services.orgwarden!;
    expect(service).toMatchObject({ read_only: true, tmpfs: ['/tmp'] });
    const image = runtimeImage();
    const file = mountedAt(service, '/etc/orgwarden/orgwarden.yaml')!;
    const config = parseConfig(parse(readFileSync(file, 'utf8')), {
      file: '/etc/orgwarden/orgwarden.yaml',
    });
    // Every file the config names is mounted or in the image.
    const inImage = image.copies.map((c) => c.dest);
    for (const named of [config.policy.bundle, config.policy.routes, config.directory.file]) {
      const mounted = mountedAt(service, String(named));
      expect(mounted !== undefined || inImage.includes(String(named)), String(named)).toBe(true);
    }
    // Every secret the config names comes from the service's environment.
    const envNames = [
      config.server.caller_token_env,
      config.auth.hs256_secret_env,
      config.admin.token_env,
    ];
    for (const name of envNames) expect(Object.keys(service.environment ?? {})).toContain(name);
    // Redis is the compose file's; the published port is the one orgwarden listens on.
    expect(new URL(config.redis!.url!).hostname).toBe('redis');
    expect(containerPorts(service)).toEqual([config.server.port]);
  });

  it('puts the real NGINX snippet in front of the upstream, the upstreams naming services and their ports', () => {
    const gateway = services.gateway!;
    const snippet = path.resolve('deploy', 'gateways', 'nginx-orgwarden.conf');
    const template = readFileSync(
      mountedAt(gateway, '/etc/nginx/templates/default.conf.template')!,
      'utf8',
    );
    const included = /include (\S+);/.exec(template)![1]!;
    expect(mountedAt(gateway, included)).toBe(snippet);
    // The relay gives every check the caller token from the gateway's environment, which is the
    // same variable orgwarden reads it from.
    expect(template).toContain(
      'proxy_set_header X-Orgwarden-Caller-Token "${ORGWARDEN_CALLER_TOKEN}";',
    );
    expect(gateway.environment?.ORGWARDEN_CALLER_TOKEN).toBe(
      services.orgwarden!.environment?.ORGWARDEN_CALLER_TOKEN,
    );
    const upstreams: Record<string, { host: string; port: number }> = {};
    for (const m of template.matchAll(/upstream (\w+) \{ server ([\w.]+):(\d+);/g))
      upstreams[m[1]!] = { host: m[2]!, port: Number(m[3]) };
    // The snippet's two upstreams: `orgwarden` (here the relay, which this file serves) and `app`.
    const relayPort = Number(/listen 127\.0\.0\.1:(\d+);/.exec(template)![1]);
    expect(upstreams.orgwarden).toEqual({ host: '127.0.0.1', port: relayPort });
    expect(upstreams.orgwarden_sidecar).toEqual({
      host: 'orgwarden',
      port: containerPorts(services.orgwarden!)[0],
    });
    const app = readFileSync(mountedAt(services.app!, '/etc/nginx/conf.d/default.conf')!, 'utf8');
    expect(upstreams.app).toEqual({ host: 'app', port: Number(/listen (\d+);/.exec(app)![1]) });
    const gatewayPort = Number(/listen (\d+);/.exec(template)![1]);
    expect(containerPorts(gateway)).toEqual([gatewayPort]);
  });
});
