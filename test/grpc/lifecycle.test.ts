/**
 * The gRPC server's life in the composition root: `server.grpc` absent means no server; its
 * config errors name their keys; a port that cannot be bound fails the start naming server.grpc
 * (and leaves nothing listening); a stop keeps answering Envoy through the shutdown delay, then
 * closes within the shutdown timeout, cutting a check that does not finish by then.
 */
import net from 'node:net';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { loadAuthorizationService } from '../../src/grpc/protos.js';
import { createGrpcCheckServer } from '../../src/grpc/server.js';
import { startForwardAuthApp } from '../forward-auth/helpers.js';
import { createTestApp, session, testConfigDoc } from '../support/app.js';
import { checkClient, checkRequestFor, type CheckClient } from './client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const withGrpc = (grpc: unknown, server: Record<string, unknown> = {}) =>
  testConfigDoc({
    extra: { server: { host: '127.0.0.1', port: 0, shutdown_delay_s: 0, ...server, grpc } },
  });

function configIssues(doc: unknown): string[] {
  try {
    parseConfig(doc, { env: {} });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
}

async function client(port: number): Promise<CheckClient> {
  const c = await checkClient(port);
  cleanups.push(() => c.close());
  return c;
}

describe('config', () => {
  it('has no gRPC server without server.grpc', async () => {
    const app = await createTestApp();
    cleanups.push(() => app.stop().then(() => undefined));
    await app.start();
    expect(app.config.server.grpc).toBeUndefined();
    expect(app.grpc).toBeNull();
  });

  it('names each problem of server.grpc by its key', () => {
    expect(configIssues(withGrpc({}))).toEqual([expect.stringMatching(/^server\.grpc\.port: /)]);
    expect(configIssues(withGrpc({ port: 70000 }))).toEqual([
      expect.stringMatching(/^server\.grpc\.port: /),
    ]);
    expect(configIssues(withGrpc({ port: 9191, tls: true }))).toEqual([
      expect.stringMatching(/^server\.grpc(\.tls)?: .*tls/),
    ]);
    expect(parseConfig(withGrpc({ port: 9191 }), { env: {} }).server.grpc).toEqual({
      host: '127.0.0.1',
      port: 9191,
    });
  });
});

describe('start', () => {
  it('fails the start naming server.grpc when the port cannot be bound, and leaves HTTP closed', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const port = (taken.address() as net.AddressInfo).port;
    const app = await createTestApp({
      extra: { server: { host: '127.0.0.1', port: 0, shutdown_delay_s: 0, grpc: { port } } },
    });
    cleanups.push(() => app.stop().then(() => undefined));
    await expect(app.start()).rejects.toThrow(
      new RegExp(
        `cannot listen on 127\\.0\\.0\\.1:${port} for gRPC \\(server\\.grpc\\.host, server\\.grpc\\.port\\)`,
      ),
    );
    expect(app.http.server.listening).toBe(false);
  });
});

describe('stop', () => {
  it('answers Envoy through the shutdown delay, then stops within the timeout', async () => {
    const { app } = await startForwardAuthApp({
      multiTenant: true,
      grpc: true,
      extra: {
        server: {
          host: '127.0.0.1',
          port: 0,
          shutdown_delay_s: 1,
          shutdown_timeout_s: 3,
          grpc: { port: 0 },
        },
      },
    });
    const port = app.grpc!.port;
    const c = await client(port);
    const request = checkRequestFor('GET', '/api/orgs', {
      authorization: `Bearer ${await session('alice')}`,
    });
    expect((await c.check(request)).ok).toBe(true);

    const startedAt = Date.now();
    const stopping = app.stop({ announce: true });
    await new Promise((r) => setTimeout(r, 300));
    const during = await c.check(request);
    expect(during.ok && during.response.status.code).toBe(0);
    await stopping;
    expect(Date.now() - startedAt).toBeLessThan(3000 + 500);
    expect(app.grpc).toBeNull();

    const fresh = await client(port);
    const after = await fresh.check(request);
    expect(after.ok ? null : after.error.code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('cuts a check still running at the deadline (drained: false)', async () => {
    let release: () => void = () => undefined;
    const server = createGrpcCheckServer({
      service: await loadAuthorizationService(),
      check: () =>
        new Promise((resolve) => {
          release = () => resolve({ status: 200, headers: {}, body: null });
        }),
      onError: () => undefined,
    });
    const { port } = await server.listen('127.0.0.1', 0);
    const c = await client(port);
    const pending = c.check(checkRequestFor('GET', '/api/orgs'));
    await new Promise((r) => setTimeout(r, 200));
    const stopped = await server.stop(200);
    expect(stopped).toEqual({ drained: false });
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    release();
  });

  it('lets a check in flight finish when it does before the deadline (drained: true)', async () => {
    const server = createGrpcCheckServer({
      service: await loadAuthorizationService(),
      check: () =>
        new Promise((resolve) =>
          setTimeout(
            () => resolve({ status: 200, headers: { 'x-orgwarden-org': 'acme' }, body: null }),
            300,
          ),
        ),
      onError: () => undefined,
    });
    const { port } = await server.listen('127.0.0.1', 0);
    const c = await client(port);
    const pending = c.check(checkRequestFor('GET', '/api/orgs'));
    await new Promise((r) => setTimeout(r, 100));
    expect(await server.stop(5000)).toEqual({ drained: true });
    const outcome = await pending;
    expect(outcome.ok && outcome.response.status.code).toBe(0);
  });
});
