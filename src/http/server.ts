/**
 * One `node:http` server: decision routes are dispatched first, straight from the socket; the
 * rest goes to the express management app. `close` drains: stop accepting, let in-flight
 * requests finish up to the deadline, then cut what is left.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(deadlineMs: number): Promise<{ drained: boolean }>;
}

export interface RequestGuard {
  /** Returns true when it already answered (e.g. a missing caller token). */
  (req: IncomingMessage, res: ServerResponse): boolean;
}

export function createHttpServer(options: {
  dispatchDecision: (req: IncomingMessage, res: ServerResponse) => boolean;
  management: (req: IncomingMessage, res: ServerResponse) => void;
  guards?: RequestGuard[];
}): HttpServer {
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) for (const w of idleWaiters) w();
    });
    for (const guard of options.guards ?? []) if (guard(req, res)) return;
    if (!options.dispatchDecision(req, res)) options.management(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(deadlineMs) {
      return new Promise((resolve) => {
        let settled = false;
        const finish = (drained: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (!drained) server.closeAllConnections();
          resolve({ drained });
        };
        const timer = setTimeout(() => finish(false), deadlineMs);
        server.close(() => finish(true));
        server.closeIdleConnections();
        const onIdle = () => server.closeIdleConnections();
        idleWaiters.add(onIdle);
        if (inFlight === 0) onIdle();
      });
    },
  };
}
