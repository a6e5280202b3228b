/**
 * The issuer's JWKS endpoint for the chaos suite: an HTTP server on a fixed loopback port that
 * serves a key set to each replica on its own path (`/jwks/<name>`), so every good fetch of every
 * replica is known to the millisecond. It can go down (the listener closes: connection refused),
 * turn slow (every answer held longer than the replicas' fetch timeout) and come back, and the key
 * set it serves can be swapped (a rotation).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { freePort } from '../../directory/helpers.js';

export type JwksMode = { kind: 'up' } | { kind: 'down' } | { kind: 'slow'; delayMs: number };

export interface JwksServer {
  port: number;
  /** The URL replica `name` fetches its keys from. */
  urlFor(name: string): string;
  /** Serves `keys` from now on (a rotation). */
  serve(keys: JSONWebKeySet): void;
  setMode(mode: JwksMode): Promise<void>;
  /** performance.now() of every key set answered in full while up, per replica name. */
  goodFetches(name: string): readonly number[];
  close(): Promise<void>;
}

export async function startJwksServer(initial: JSONWebKeySet): Promise<JwksServer> {
  const port = await freePort();
  let keys = initial;
  let mode: JwksMode = { kind: 'up' };
  const fetches = new Map<string, number[]>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const name = /^\/jwks\/([a-z0-9-]+)$/.exec(req.url ?? '')?.[1];
    if (name === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const body = JSON.stringify(keys);
    res.setHeader('content-type', 'application/json');
    if (mode.kind === 'slow') {
      // The answer comes, but only after the replica stopped waiting: never counted as good.
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) res.end(body);
      }, mode.delayMs);
      timers.add(timer);
      return;
    }
    res.end(body, () => {
      const list = fetches.get(name) ?? [];
      list.push(performance.now());
      fetches.set(name, list);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      if (server.listening) server.close(() => resolve());
      else resolve();
    });

  await listen();
  return {
    port,
    urlFor: (name) => `http://127.0.0.1:${port}/jwks/${name}`,
    serve: (next) => void (keys = next),
    async setMode(next) {
      const wasDown = mode.kind === 'down';
      mode = next;
      if (next.kind === 'down' && !wasDown) await shut();
      if (next.kind !== 'down' && wasDown) await listen();
    },
    goodFetches: (name) => fetches.get(name) ?? [],
    close: shut,
  };
}
