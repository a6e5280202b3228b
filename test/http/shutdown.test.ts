/**
 * The shutdown steps of the HTTP server, on a real `node:http` server with keep-alive clients:
 * readiness turns first, every answer from then on says `Connection: close`, the listener closes
 * only after the delay, in-flight requests finish, connections close only between requests, and
 * the deadline cuts what is left. Also the config rules of the two keys.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseConfig, ConfigError } from '../../src/config/load.js';
import { silentLogger } from '../../src/contract/logger.js';
import { shutDownGracefully } from '../../src/http/graceful-shutdown.js';
import {
  createHttpServer,
  FIRST_REQUEST_GRACE_MS,
  type HttpServer,
} from '../../src/http/server.js';
import { startTestApp, testConfigDoc } from '../support/app.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server whose every request goes to `handler`; port and the server are returned. */
async function serve(handler: Handler): Promise<{ http: HttpServer; port: number }> {
  const server = createHttpServer({
    dispatchDecision: (req, res) => {
      handler(req, res);
      return 'test';
    },
    management: () => undefined,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close(0));
  return { http: server, port };
}

const answerOk: Handler = (req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
};

/** A handler that holds each request until `release()`; `arrived` resolves when one is held. */
function gate() {
  const held: ServerResponse[] = [];
  let arrived!: () => void;
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const handler: Handler = (req, res) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      arrived();
    });
  };
  return { handler, arrived: first, release: () => held.splice(0).forEach((r) => r.end('ok')) };
}

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
  reusedSocket: boolean;
}

function get(port: number, agent: http.Agent | false, path = '/x'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          connection: res.headers.connection,
          body,
          reusedSocket: req.reusedSocket,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function keepAliveAgent(): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  cleanups.push(() => agent.destroy());
  return agent;
}

/** Resolves true when a new connection is refused, false when it is accepted. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function rawSocket(port: number): Promise<net.Socket & { received: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.once('error', reject);
    socket.once('connect', () => resolve(Object.assign(socket, { received: () => received })));
    cleanups.push(() => socket.destroy());
  });
}

const closed = (socket: net.Socket) =>
  new Promise<void>((resolve) =>
    socket.closed ? resolve() : socket.once('close', () => resolve()),
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('announceShutdown (the delay)', () => {
  it('keeps accepting and serving; every answer, the one in flight included, says Connection: close', async () => {
    const held = gate();
    const { http: server, port } = await serve(held.handler);
    const agent = keepAliveAgent();
    const inFlight = get(port, agent);
    await held.arrived;
    expect(server.shutdownReason()).toBeNull();
    server.announceShutdown(() => 'draining: test');
    expect(server.shutdownReason()).toBe('draining: test');
    held.release();
    expect(await inFlight).toMatchObject({ status: 200, connection: 'close' });
    // the listener still accepts; a new request is answered, and told to close too
    expect(await refused(port)).toBe(false);
    const next = get(port, agent);
    await sleep(20);
    held.release();
    expect(await next).toMatchObject({ status: 200, connection: 'close', reusedSocket: false });
  });

  it('before it, answers keep the connection alive (the same socket is reused)', async () => {
    const { port } = await serve(answerOk);
    const agent = keepAliveAgent();
    expect(await get(port, agent)).toMatchObject({ connection: 'keep-alive' });
    expect(await get(port, agent)).toMatchObject({ connection: 'keep-alive', reusedSocket: true });
  });
});

describe('close (the drain)', () => {
  it('stops accepting, lets the in-flight request finish, then reports drained', async () => {
    const held = gate();
    const { http: server, port } = await serve(held.handler);
    const inFlight = get(port, keepAliveAgent());
    await held.arrived;
    const closing = server.close(5000);
    expect(await refused(port)).toBe(true);
    held.release();
    expect(await inFlight).toMatchObject({ status: 200, connection: 'close', body: 'ok' });
    expect(await closing).toMatchObject({ drained: true, answeredDuringDrain: 1, cut: 0 });
  });

  it('closes an idle keep-alive connection at once', async () => {
    const { http: server, port } = await serve(answerOk);
    const socket = await rawSocket(port);
    socket.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(50);
    expect(socket.received()).toMatch(/^HTTP\/1\.1 200[\s\S]*Connection: keep-alive/i);
    const started = performance.now();
    const result = await server.close(5000);
    await closed(socket);
    expect(performance.now() - started).toBeLessThan(FIRST_REQUEST_GRACE_MS);
    expect(result).toMatchObject({ drained: true, closedIdle: 1, cut: 0 });
  });

  it('never closes a connection whose request has begun to arrive: it is answered', async () => {
    const { http: server, port } = await serve(answerOk);
    const socket = await rawSocket(port);
    socket.write('GET /x HTTP/1.1\r\nHo');
    await sleep(50);
    const closing = server.close(5000);
    await sleep(FIRST_REQUEST_GRACE_MS + 200);
    expect(socket.closed).toBe(false);
    socket.write('st: x\r\n\r\n');
    await closed(socket);
    expect(socket.received()).toMatch(/^HTTP\/1\.1 200[\s\S]*Connection: close[\s\S]*\r\n\r\nok$/i);
    expect(await closing).toMatchObject({ drained: true, answeredDuringDrain: 1, closedIdle: 0 });
  });

  it('gives a fresh connection time for its first request, then closes it if none came', async () => {
    const { http: server, port } = await serve(answerOk);
    const late = await rawSocket(port);
    const silent = await rawSocket(port);
    const closing = server.close(5000);
    await sleep(FIRST_REQUEST_GRACE_MS / 2);
    expect(late.closed).toBe(false);
    late.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed(late);
    expect(late.received()).toMatch(/^HTTP\/1\.1 200/);
    await closed(silent);
    expect(silent.received()).toBe('');
    expect(await closing).toMatchObject({ drained: true, answeredDuringDrain: 1, closedIdle: 1 });
  });

  it('delivers in full an answer that was ended but not yet flushed when the drain began', async () => {
    const big = 'x'.repeat(16 * 1024 * 1024);
    const { http: server, port } = await serve((req, res) => {
      req.resume();
      res.end(big);
    });
    const socket = await rawSocket(port);
    socket.pause();
    socket.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(100);
    const closing = server.close(10_000);
    await sleep(100);
    socket.resume();
    await closed(socket);
    expect(socket.received().length).toBeGreaterThan(big.length);
    expect(socket.received().endsWith(big.slice(0, 1000))).toBe(true);
    expect(await closing).toMatchObject({ drained: true, cut: 0 });
  });

  it('at the deadline, destroys what is left and says how many requests it cut', async () => {
    const held = gate();
    const { http: server, port } = await serve(held.handler);
    const inFlight = get(port, false).catch((err: unknown) => err);
    await held.arrived;
    const started = performance.now();
    const result = await server.close(300);
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ drained: false, cut: 1 });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
    expect(await inFlight).toBeInstanceOf(Error);
  });
});

describe('shutDownGracefully', () => {
  it('serves through the delay, closes the listener after it, and counts each phase', async () => {
    const { http: server, port } = await serve(answerOk);
    const agent = keepAliveAgent();
    await get(port, agent);
    const shutdown = shutDownGracefully(server, {
      cause: 'SIGTERM',
      delayMs: 400,
      deadlineMs: 2000,
      log: silentLogger,
    });
    expect(server.shutdownReason()).toBe('draining: SIGTERM received; the listener closes in 1 s');
    await sleep(100);
    expect(await get(port, agent)).toMatchObject({ status: 200, connection: 'close' });
    expect(await get(port, false)).toMatchObject({ status: 200, connection: 'close' });
    await sleep(400);
    expect(await refused(port)).toBe(true);
    expect(server.shutdownReason()).toBe('draining: SIGTERM received; the listener is closed');
    const result = await shutdown;
    expect(result).toMatchObject({ drained: true, answeredDuringDelay: 2, cut: 0 });
    expect(result.seconds).toBeGreaterThanOrEqual(0.4);
  });

  it('skips the rest of the delay once asked (a second signal), and still drains', async () => {
    const held = gate();
    const { http: server, port } = await serve(held.handler);
    const inFlight = get(port, false);
    await held.arrived;
    const skip = new AbortController();
    const started = performance.now();
    const shutdown = shutDownGracefully(server, {
      cause: 'SIGINT',
      delayMs: 30_000,
      deadlineMs: 40_000,
      skipDelay: skip.signal,
      log: silentLogger,
    });
    await sleep(100);
    expect(await refused(port)).toBe(false);
    skip.abort();
    await sleep(50);
    expect(await refused(port)).toBe(true);
    held.release();
    expect(await inFlight).toMatchObject({ status: 200, connection: 'close' });
    expect(await shutdown).toMatchObject({ drained: true, answeredDuringDrain: 1 });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('the app', () => {
  let running: { app: App; url: string } | undefined;
  afterEach(async () => {
    await running?.app.stop();
    running = undefined;
  });

  it('on a signal: /readyz turns 503 naming the shutdown, /healthz stays 200', async () => {
    running = await startTestApp({
      extra: { server: { host: '127.0.0.1', port: 0, shutdown_delay_s: 1, shutdown_timeout_s: 3 } },
    });
    const { app, url } = running;
    const before = await fetch(`${url}/readyz`);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ checks: { shutdown: true } });
    const stopping = app.stop({ cause: 'SIGTERM', announce: true });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    expect(await ready.json()).toMatchObject({
      ready: false,
      checks: { shutdown: false, policy: true },
      reasons: {
        shutdown: expect.stringMatching(
          /^draining: SIGTERM received; the listener closes in 1 s$/,
        ) as unknown,
      },
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await stopping).drained).toBe(true);
    running = undefined;
  });
});

describe('config: server.shutdown_delay_s and server.shutdown_timeout_s', () => {
  const issues = (server: Record<string, unknown>): string[] => {
    try {
      parseConfig(testConfigDoc({ extra: { server } }));
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
      throw err;
    }
  };

  it('defaults to a 5 s delay inside a 10 s deadline', () => {
    const config = parseConfig(testConfigDoc({ extra: { server: {} } }));
    expect(config.server).toMatchObject({ shutdown_delay_s: 5, shutdown_timeout_s: 10 });
  });

  it('refuses a deadline that leaves no time to drain after the delay, naming the key', () => {
    expect(issues({ shutdown_delay_s: 5, shutdown_timeout_s: 5 })).toEqual([
      'server.shutdown_timeout_s: must be greater than server.shutdown_delay_s (5): it counts from the signal and the delay takes the first 5 s, which would leave in-flight requests no time to finish; raise it or lower server.shutdown_delay_s',
    ]);
    expect(issues({ shutdown_delay_s: 30 })).toHaveLength(1);
    expect(issues({ shutdown_delay_s: 0, shutdown_timeout_s: 0 })).toEqual([]);
    expect(issues({ shutdown_delay_s: 9 })).toEqual([]);
  });

  it('takes integers from 0 to 300 only', () => {
    expect(issues({ shutdown_delay_s: -1 })[0]).toMatch(/^server\.shutdown_delay_s: /);
    expect(issues({ shutdown_delay_s: 1.5 })[0]).toMatch(/^server\.shutdown_delay_s: /);
    expect(issues({ shutdown_delay_s: 301, shutdown_timeout_s: 300 })[0]).toMatch(
      /^server\.shutdown_delay_s: /,
    );
  });
});
