/**
 * One `node:http` server: the guards run first (the caller token), then decision routes are
 * dispatched straight from the socket; the rest goes to the express management app. `close` drains: stop accepting, let in-flight
 * requests finish up to the deadline, then cut what is left.
 *
 * Invariant: a request's target is read once, here, before any guard or handler
 * (`request-target.ts`); a target that is not origin-form, or whose path could be read two ways,
 * is answered 400 and reaches nothing. Guards and routers all read the canonical `req.url`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, sendError } from './errors.js';
import { readRequestTarget } from './request-target.js';
import { pathOf } from './route-match.js';

export interface HttpServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(deadlineMs: number): Promise<{ drained: boolean }>;
}

/** Returns true when it already answered (e.g. a missing caller token). */
export type RequestGuard = (req: IncomingMessage, res: ServerResponse) => boolean;

/** One request answered in full: its method, its canonical path (null when the target was refused), status and time taken. */
export interface AnsweredRequest {
  method: string;
  path: string | null;
  status: number;
  seconds: number;
}

export function createHttpServer(options: {
  dispatchDecision: (req: IncomingMessage, res: ServerResponse) => boolean;
  management: (req: IncomingMessage, res: ServerResponse) => void;
  guards?: RequestGuard[];
  /** Path prefixes whose routes read the rest of the path themselves (see `opaquePrefixesOf`). */
  opaquePrefixes?: readonly string[];
  /** Told of every request whose answer was sent in full (the request metric). */
  onAnswered?: (answered: AnsweredRequest) => void;
}): HttpServer {
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    inFlight++;
    const started = performance.now();
    let path: string | null = null;
    const { onAnswered } = options;
    if (onAnswered) {
      res.on('finish', () =>
        onAnswered({
          method: req.method ?? '',
          path,
          status: res.statusCode,
          seconds: (performance.now() - started) / 1000,
        }),
      );
    }
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) for (const w of idleWaiters) w();
    });
    const target = readRequestTarget(req.url, options.opaquePrefixes ?? []);
    if (!target.ok) {
      req.resume();
      sendError(res, new ApiError('invalid_request', `request target refused: ${target.message}`));
      return;
    }
    req.url = target.url;
    path = pathOf(target.url);
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
