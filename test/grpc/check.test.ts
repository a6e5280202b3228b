/**
 * `envoy.service.auth.v3.Authorization/Check` on a real orgwarden (`server.grpc`), called by a
 * real gRPC client over loopback built from the same vendored protos: every case of the shared
 * forward-auth table (`test/forward-auth/cases.ts`, which the HTTP flavour runs too), the gRPC
 * status codes, the removal of client-sent `x-orgwarden-*` headers, CheckRequests that describe
 * no request, the caller token, and the decision log and refusal metric.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  caseHeaders,
  FORWARD_AUTH_CASES,
  flavoursOf,
  type Who,
  type World,
} from '../forward-auth/cases.js';
import { expectAnswer } from '../forward-auth/expect-answer.js';
import { startForwardAuthApp } from '../forward-auth/helpers.js';
import { apiToken, session } from '../support/app.js';
import { checkClient, checkRequestFor, normalise, type CheckClient } from './client.js';

const RPC = { OK: 0, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 };
let worlds: Record<World, { app: App; client: CheckClient }>;
const tokens = {} as Record<Who, string>;

async function world(options: Parameters<typeof startForwardAuthApp>[0]) {
  const { app } = await startForwardAuthApp({ ...options, grpc: true });
  return { app, client: await checkClient(app.grpc!.port) };
}

beforeAll(async () => {
  worlds = {
    multi: await world({ multiTenant: true }),
    single: await world({ multiTenant: false }),
    bare: await world({ multiTenant: true, routes: null }),
  };
  for (const user of ['alice', 'bob', 'carol', 'vera', 'mallory', 'gina', 'root-admin'] as const)
    tokens[user] = await session(user);
  tokens.acmeToken = await apiToken('tok-acme', { scope: '*', org_id: 'acme' });
  tokens.readOnlyToken = await apiToken('tok-ro', { scope: 'settings:read', org_id: 'acme' });
  tokens.nonAscii = await session('zoë ü');
});
afterAll(async () => {
  for (const w of Object.values(worlds)) w.client.close();
  await Promise.all(Object.values(worlds).map((w) => w.app.stop()));
});

const multi = () => worlds.multi.client;
async function answered(client: CheckClient, request: unknown, metadata?: Record<string, string>) {
  const outcome = await client.check(request, metadata);
  if (!outcome.ok) throw outcome.error;
  return outcome.response;
}

describe('the shared forward-auth cases over gRPC', () => {
  const cases = FORWARD_AUTH_CASES.filter((c) => flavoursOf(c).includes('grpc'));
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const response = await answered(
      worlds[c.world ?? 'multi'].client,
      checkRequestFor(c.method, c.uri, caseHeaders(c, tokens)),
    );
    const answer = normalise(response);
    expectAnswer(answer, c.expect);
    // Envoy's convention: OK lets the request through, any other code denies it.
    const code =
      answer.status === 200
        ? RPC.OK
        : answer.status === 401
          ? RPC.UNAUTHENTICATED
          : RPC.PERMISSION_DENIED;
    expect(response.status.code).toBe(code);
  });

  it('covers every case of the table that is not about an HTTP check request', () => {
    const httpOnly = FORWARD_AUTH_CASES.filter((c) => !flavoursOf(c).includes('grpc'));
    // Only the header families of NGINX, Traefik and Caddy are HTTP-only; gRPC has its own case.
    expect(httpOnly.map((c) => c.flavours)).toEqual([['nginx'], ['caddy'], ['traefik']]);
  });
});

describe('answers', () => {
  it('sets the identity headers (replacing) and removes every other client-sent x-orgwarden-* header', async () => {
    const response = await answered(
      multi(),
      checkRequestFor('GET', '/api/orgs/acme/members', {
        authorization: `Bearer ${tokens.alice}`,
        'x-orgwarden-user': 'root-admin',
        'X-Orgwarden-Org': 'globex',
        'x-orgwarden-role': 'owner',
        'x-orgwarden-error': 'none',
        'x-orgwarden-caller-token': 'leaked',
        'x-orgwarden-anything': '1',
        'x-request-id': 'keep-me',
      }),
    );
    expect(response.status.code).toBe(RPC.OK);
    const ok = response.ok_response!;
    expect(Object.fromEntries(ok.headers.map((h) => [h.header.key, h.header.value]))).toMatchObject(
      {
        'x-orgwarden-user': 'alice',
        'x-orgwarden-org': 'acme',
        'x-orgwarden-role': 'owner',
        'x-orgwarden-principal-kind': 'session',
      },
    );
    // append false: Envoy replaces a header the client sent under the same name.
    expect(ok.headers.every((h) => h.append?.value === false)).toBe(true);
    expect(ok.headers.map((h) => h.header.key).sort()).toEqual([
      'x-orgwarden-decision-id',
      'x-orgwarden-org',
      'x-orgwarden-principal-kind',
      'x-orgwarden-role',
      'x-orgwarden-user',
    ]);
    expect([...ok.headers_to_remove].sort()).toEqual([
      'x-orgwarden-anything',
      'x-orgwarden-caller-token',
      'x-orgwarden-error',
    ]);
  });

  it('denies with the HTTP status, the JSON body, its content type and no-store', async () => {
    const response = await answered(
      multi(),
      checkRequestFor('GET', '/api/orgs/acme/members', {
        authorization: `Bearer ${tokens.mallory}`,
      }),
    );
    expect(response.status).toMatchObject({
      code: RPC.PERMISSION_DENIED,
      message: 'access_denied',
    });
    expect(response.http_response).toBe('denied_response');
    expect(response.ok_response ?? null).toBeNull();
    const denied = response.denied_response!;
    expect(denied.status.code).toBe(403);
    expect(JSON.parse(denied.body)).toEqual({
      error: 'access_denied',
      message: 'you may not act in this org',
    });
    const headers = Object.fromEntries(denied.headers.map((h) => [h.header.key, h.header.value]));
    expect(headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-orgwarden-error': 'access_denied',
    });
  });

  it('answers the same for the headers map and header_map (raw values)', async () => {
    const headers = { authorization: `Bearer ${tokens.carol}`, 'x-org-id': 'acme' };
    const viaMap = normalise(
      await answered(multi(), checkRequestFor('PUT', '/api/resources/node/n1', headers, 'map')),
    );
    const viaRaw = normalise(
      await answered(
        multi(),
        checkRequestFor('PUT', '/api/resources/node/n1', headers, 'header_map'),
      ),
    );
    expect(viaRaw.status).toBe(200);
    expect({ ...viaRaw.headers, 'x-orgwarden-decision-id': '' }).toEqual({
      ...viaMap.headers,
      'x-orgwarden-decision-id': '',
    });
  });

  it('reads header names case-insensitively: Authorization and authorization are one header given twice', async () => {
    const response = await answered(
      multi(),
      checkRequestFor('GET', '/api/orgs', {
        Authorization: `Bearer ${tokens.alice}`,
        authorization: `Bearer ${tokens.mallory}`,
      }),
    );
    expect(JSON.parse(response.denied_response!.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('ignores HTTP/2 pseudo-headers: the path is attributes.request.http.path', async () => {
    const response = await answered(
      multi(),
      checkRequestFor('GET', '/api/orgs/acme/members', {
        ':path': '/api/orgs/globex/members',
        ':method': 'DELETE',
        authorization: `Bearer ${tokens.alice}`,
      }),
    );
    expect(normalise(response).headers['x-orgwarden-org']).toBe('acme');
  });
});

describe('CheckRequests that describe no HTTP request', () => {
  const refusal = async (request: unknown, message: string) => {
    const response = await answered(multi(), request);
    expect(response.status.code).toBe(RPC.PERMISSION_DENIED);
    expectAnswer(normalise(response), {
      status: 403,
      json: { error: 'invalid_request', message },
      headers: { 'x-orgwarden-decision-id': undefined },
    });
  };

  it.each([
    ['an empty CheckRequest', {}],
    ['attributes without a request', { attributes: { source: {} } }],
    ['a request without http', { attributes: { request: { time: { seconds: 1 } } } }],
  ])('denies %s as invalid_request', async (_name, request) => {
    await refusal(request, 'the CheckRequest has no attributes.request.http');
  });

  it.each([[''], ['*'], ['api/orgs'], ['http://acme.example/api/orgs']])(
    'denies the path %j (not origin form) as invalid_request',
    async (p) => {
      await refusal(
        checkRequestFor('GET', p, { authorization: `Bearer ${tokens.alice}` }),
        'attributes.request.http.path must start with /',
      );
    },
  );

  it('denies an empty method as invalid_request', async () => {
    await refusal(
      checkRequestFor('', '/api/orgs', { authorization: `Bearer ${tokens.alice}` }),
      'the check request method is not a method',
    );
  });

  it('counts refusals in orgwarden_forward_auth_refusals_total, as for HTTP', async () => {
    const { app, client } = worlds.multi;
    const before = await refusals(app);
    await answered(client, {});
    expect(await refusals(app)).toBe(before + 1);
  });
});

async function refusals(app: App): Promise<number> {
  const metric = await app.metrics.registry
    .getSingleMetric('orgwarden_forward_auth_refusals_total')
    ?.get();
  return metric?.values.find((v) => v.labels.refusal === 'invalid_request')?.value ?? 0;
}

describe('the caller token', () => {
  it('answers UNAUTHENTICATED to a call without x-orgwarden-caller-token, and checks one with it', async () => {
    const token = 'caller-token-0123456789';
    const { app } = await startForwardAuthApp({
      multiTenant: true,
      grpc: true,
      extra: {
        server: {
          host: '127.0.0.1',
          port: 0,
          shutdown_delay_s: 0,
          caller_token_env: 'CALLER',
          grpc: { port: 0 },
        },
      },
      env: { CALLER: token },
    });
    const client = await checkClient(app.grpc!.port);
    try {
      const request = checkRequestFor('GET', '/api/orgs', {
        authorization: `Bearer ${tokens.alice}`,
      });
      const none = await client.check(request);
      expect(none.ok ? null : none.error.code).toBe(GrpcStatus.UNAUTHENTICATED);
      const wrong = await client.check(request, { 'x-orgwarden-caller-token': 'nope' });
      expect(wrong.ok ? null : wrong.error.code).toBe(GrpcStatus.UNAUTHENTICATED);
      const right = await answered(client, request, { 'x-orgwarden-caller-token': token });
      expect(right.status.code).toBe(RPC.OK);
    } finally {
      client.close();
      await app.stop();
    }
  });
});

describe('decision log', () => {
  it('logs gRPC checks like HTTP ones: kind forward_auth, the path as the org source', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orgwarden-grpc-log-')), 'd.log');
    const { app } = await startForwardAuthApp({
      multiTenant: true,
      grpc: true,
      extra: { decision_log: { sink: 'file', file } },
    });
    const client = await checkClient(app.grpc!.port);
    try {
      const response = await answered(
        client,
        checkRequestFor('GET', '/api/orgs/globex/members', {
          authorization: `Bearer ${tokens.alice}`,
        }),
      );
      const id = normalise(response).headers['x-orgwarden-decision-id'];
      let entry: Record<string, unknown> | undefined;
      const deadline = Date.now() + 5000;
      while (!entry && Date.now() < deadline) {
        let text = '';
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          // not written yet
        }
        entry = text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((e) => e.decision_id === id);
        if (!entry) await new Promise((r) => setTimeout(r, 20));
      }
      expect(entry).toMatchObject({
        kind: 'forward_auth',
        action: 'org.members.list',
        requested_org: { id: 'globex', source: 'path' },
        allow: true,
      });
    } finally {
      client.close();
      await app.stop();
    }
  });
});
