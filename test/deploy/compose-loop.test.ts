/**
 * deploy/compose.yaml's loop, run on loopback without a container engine (docs/container.md): the
 * orgwarden service is the image laid out as the Dockerfile lays it out (image-root.ts) with the
 * compose file's mounts and environment (its `${…}` interpolated as Compose does), the gateway and
 * the app are one real NGINX serving the compose file's gateway template (rendered as the nginx
 * image renders it) and app config, and Redis is the shared one. What changes: each service name
 * of the compose network becomes a loopback address, and the Redis key prefix a unique one. Then
 * the requests docs/container.md shows go through the gateway.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deletePrefix, uniquePrefix } from '../directory/helpers.js';
import { freePort, startNginxHttp, type Gateway } from '../forward-auth/gateway-harness.js';
import { mintHs256 } from '../support/tokens.js';
import { runtimeImage } from './image.js';
import {
  layOutImage,
  removeImageRoot,
  runImage,
  type ImageRoot,
  type ImageRun,
} from './image-root.js';

const COMPOSE = path.resolve('deploy', 'compose.yaml');
const DIR = path.dirname(COMPOSE);

interface Service {
  environment?: Record<string, string>;
  volumes?: string[];
}
const { services } = parse(readFileSync(COMPOSE, 'utf8')) as { services: Record<string, Service> };

/** What a user exports before `docker compose up` (docs/container.md). */
const USER_ENV = {
  ORGWARDEN_CALLER_TOKEN: 'compose-loop-caller-token',
  ORGWARDEN_ADMIN_TOKEN: 'compose-loop-admin-token',
};

/** Compose's interpolation for the forms the file uses: `${VAR:?message}` and `${VAR:-default}`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_, name: string, op?: string, arg?: string) => {
      const set = env[name];
      if (set !== undefined && set !== '') return set;
      if (op === '-') return arg ?? '';
      throw new Error(`${name}: ${arg ?? 'not set'}`);
    },
  );
}

const environmentOf = (service: Service) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v, USER_ENV)]),
  );
const mountsOf = (service: Service) =>
  (service.volumes ?? []).map((v) => {
    const [source, target] = v.split(':') as [string, string];
    return { source: path.resolve(DIR, source), target };
  });

/** Replaces each `from` in `text` with its loopback `to`; every one must occur. */
function toLoopback(text: string, addresses: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(addresses)) {
    if (!out.includes(from)) throw new Error(`"${from}" is not in the config`);
    out = out.replaceAll(from, to);
  }
  return out;
}

const prefix = uniquePrefix();
let laid: ImageRoot;
let orgwarden: ImageRun;
let nginx: Gateway;
let sidecarPort: number;
/** What beforeAll started, undone in reverse order (also after a failed start). */
const cleanups: (() => unknown)[] = [() => deletePrefix(prefix)];

beforeAll(async () => {
  const image = runtimeImage();
  const service = services.orgwarden!;
  laid = await layOutImage(image, {
    mounts: mountsOf(service),
    editConfig: (text) =>
      toLoopback(text, {
        'redis://redis:6379/0': 'redis://127.0.0.1:6379/0',
        'key_prefix: "orgwarden:"': `key_prefix: "${prefix}"`,
      }),
  });
  cleanups.push(() => removeImageRoot(laid.root));
  orgwarden = runImage(laid, image, environmentOf(service));
  cleanups.push(() => orgwarden.kill());
  sidecarPort = await orgwarden.port;

  const [gatewayPort, relayPort, appPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const gateway = services.gateway!;
  const gatewayMounts = mountsOf(gateway);
  const template = gatewayMounts.find((m) => m.target.startsWith('/etc/nginx/templates/'))!;
  const snippet = gatewayMounts.find((m) => m.target.startsWith('/etc/nginx/orgwarden/'))!;
  // The nginx image renders the template with envsubst, over the container's environment.
  const rendered = interpolate(readFileSync(template.source, 'utf8'), environmentOf(gateway));
  const app = mountsOf(services.app!).find((m) => m.target === '/etc/nginx/conf.d/default.conf')!;
  nginx = await startNginxHttp(
    gatewayPort,
    toLoopback(rendered, {
      'server orgwarden:8282;': `server 127.0.0.1:${sidecarPort};`,
      'server app:8080;': `server 127.0.0.1:${appPort};`,
      '127.0.0.1:8281': `127.0.0.1:${relayPort}`,
      'listen 8080;': `listen 127.0.0.1:${gatewayPort};`,
      [`include ${snippet.target};`]: `include ${snippet.source};`,
    }) +
      toLoopback(readFileSync(app.source, 'utf8'), {
        'listen 8080;': `listen 127.0.0.1:${appPort};`,
      }),
  );
  cleanups.push(() => nginx.stop());
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The JWT secret the compose file defaults to is the one `npm run token` signs with. */
function devSecret(): string {
  const script = readFileSync(path.resolve('scripts', 'dev-token.mjs'), 'utf8');
  return /const DEV_SECRET = '([^']+)'/.exec(script)![1]!;
}

async function throughGateway(urlPath: string, sub?: string) {
  const headers: Record<string, string> = {};
  if (sub) headers.authorization = `Bearer ${await mintHs256(devSecret(), { sub })}`;
  const res = await fetch(`http://127.0.0.1:${nginx.port}${urlPath}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('deploy/compose.yaml on loopback', () => {
  it('defaults the JWT secret to the one npm run token signs with', () => {
    expect(environmentOf(services.orgwarden!).ORGWARDEN_JWT_SECRET).toBe(devSecret());
  });

  it("lets alice through to acme's API, the upstream told who she is by the gateway", async () => {
    const res = await throughGateway('/api/orgs/acme', 'alice');
    expect(res).toMatchObject({
      status: 200,
      body: {
        upstream: 'app',
        method: 'GET',
        uri: '/api/orgs/acme',
        user: 'alice',
        org: 'acme',
        role: 'owner',
      },
    });
    expect(res.body.decision_id).toMatch(/^\S+$/);
  });

  it('refuses her in an org she is not a member of, and a request without a token', async () => {
    expect(await throughGateway('/api/orgs/globex', 'alice')).toMatchObject({ status: 403 });
    expect(await throughGateway('/api/orgs/acme')).toMatchObject({ status: 401 });
  });

  it('answers every request of the example in docs/container.md as the doc shows', async () => {
    const doc = readFileSync(path.resolve('docs', 'container.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Try the whole loop'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.split('\n');
    const users: Record<string, string> = {};
    let requests = 0;
    for (const [i, line] of block.entries()) {
      const token = /^(\w+)=\$\(npm run -s token -- --sub (\w+)\)$/.exec(line);
      if (token) users[token[1]!] = token[2]!;
      const curl = /^curl -s localhost:8080(\S+)(?: -H "authorization: Bearer \$(\w+)")?$/.exec(
        line,
      );
      if (!curl) continue;
      const shown = /^# (\d{3}) (\{.*\})$/.exec(block[i + 1] ?? '');
      expect(shown, `the answer shown after: ${line}`).not.toBeNull();
      const sub = curl[2] === undefined ? undefined : users[curl[2]];
      const res = await throughGateway(curl[1]!, sub);
      const expected = JSON.parse(shown![2]!) as Record<string, unknown>;
      // "…" in the doc stands for a value that differs per run.
      for (const [key, value] of Object.entries(expected))
        if (value === '…') expected[key] = expect.stringMatching(/^\S+$/);
      expect({ status: res.status, body: res.body }, line).toEqual({
        status: Number(shown![1]),
        body: expected,
      });
      requests += 1;
    }
    expect(requests).toBe(3);
  });

  it('keeps the published decision API behind the caller token', async () => {
    const res = await fetch(`http://127.0.0.1:${sidecarPort}/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });
});
