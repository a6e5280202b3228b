/**
 * One `node:http` server: the guards run first (the caller token), then decision routes are
 * dispatched straight from the socket; the rest goes to the express management app.
 *
 * Shutdown is two steps (`graceful-shutdown.ts` runs them): `announceShutdown` keeps serving but
 * says the process is going (readiness reports the reason) and puts `Connection: close` on every
 * answer, so keep-alive clients move to a fresh connection; `close` then stops accepting, answers
 * what is in flight, closes each connection only between requests, and cuts what is left at the
 * deadline.
 *
 * Invariant: a request's target is read once, here, before any guard or handler
 * (`request-target.ts`); a target that is not origin-form, or whose path could be read two ways,
 * is answered 400 and reaches nothing. Guards and routers all read the canonical `req.url`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { ApiError, sendError } from './errors.js';
import { readRequestTarget } from './request-target.js';
import { pathOf } from './route-match.js';

/**
 * A connection that has never carried a request is left this long after it was accepted before
 * the drain closes it: its first request may be on the wire.
 */
export const FIRST_REQUEST_GRACE_MS = 1000;
/** How often the drain looks for connections that have fallen idle. */
const IDLE_SWEEP_MS = 50;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const CONNECTIONS_CHECKING_INTERVAL_MS = 2_000;

export interface HttpServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Why the process is shutting down (readiness answers it); null while it is not. */
  shutdownReason(): string | null;
  /**
   * The first step of a shutdown: keep accepting and serving, but report the reason and answer
   * every request, those already in flight included, with `Connection: close`. Calling it again
   * only changes the reason.
   */
  announceShutdown(reason: () => string): void;
  /**
   * The second step (announces first when that was not done): stop accepting, answer what is in
   * flight, close every connection between requests; at `deadlineMs` destroy what is left.
   */
  close(deadlineMs: number): Promise<DrainResult>;
  /** The connections and requests right now. */
  traffic(): Traffic;
}

interface Traffic {
  /** Connections accepted since the server started. */
  connectionsAccepted: number;
  openConnections: number;
  /** Requests received and not yet answered in full. */
  openRequests: number;
}

export interface DrainResult {
  /** Every connection was closed before the deadline (nothing was cut). */
  drained: boolean;
  /** Requests answered between `announceShutdown` and `close`. */
  answeredDuringDelay: number;
  /** Requests answered after the listener closed. */
  answeredDuringDrain: number;
  /** Requests still open at the deadline, whose connections were destroyed. */
  cut: number;
  /** Connections closed by the drain between requests (the rest closed after a `Connection: close` answer). */
  closedIdle: number;
  connectionsAccepted: number;
}

/** Returns true when it already answered (e.g. a missing caller token). */
export type RequestGuard = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * One request answered in full: its method, its canonical path (null when the target was refused),
 * the operation the decision dispatcher answered it for (null when it did not: the management app,
 * a guard or a refused target answered), status and time taken.
 */
export interface AnsweredRequest {
  method: string;
  path: string | null;
  operation: string | null;
  status: number;
  seconds: number;
}

/** What the server knows of one connection. */
interface Connection {
  acceptedAt: number;
  openRequests: number;
  answered: number;
  /** `socket.bytesRead` when the last answer was sent: more means a request has begun. */
  bytesAtLastAnswer: number;
}

type Phase = 'serving' | 'delay' | 'drain';

export function createHttpServer(options: {
  /** Answers a decision route and returns its operation; null: the management app answers. */
  dispatchDecision: (req: IncomingMessage, res: ServerResponse) => string | null;
  management: (req: IncomingMessage, res: ServerResponse) => void;
  guards?: RequestGuard[];
  /** Path prefixes whose routes read the rest of the path themselves (see `opaquePrefixesOf`). */
  opaquePrefixes?: readonly string[];
  /** Targets known to read as themselves (see `canonicalTargetsOf`). */
  canonicalTargets?: ReadonlySet<string>;
  /** Told of every request whose answer was sent in full (the request metric). */
  onAnswered?: (answered: AnsweredRequest) => void;
}): HttpServer {
  const connections = new Map<Socket, Connection>();
  const openResponses = new Set<ServerResponse>();
  const answeredIn: Record<Phase, number> = { serving: 0, delay: 0, drain: 0 };
  let connectionsAccepted = 0;
  let phase: Phase = 'serving';
  let reason: (() => string) | null = null;
  let drainResult: Promise<DrainResult> | null = null;

  const guards = options.guards ?? [];
  const opaquePrefixes = options.opaquePrefixes ?? [];
  const canonicalTargets = options.canonicalTargets ?? new Set<string>();
  const onAnswered = options.onAnswered;

  const server = http.createServer(
    { connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
    (req, res) => {
      const started = performance.now();
      let path: string | null = null;
      let operation: string | null = null;
      const connection = connections.get(req.socket);
      if (connection) connection.openRequests++;
      openResponses.add(res);
      if (phase !== 'serving') res.setHeader('Connection', 'close');
      // One listener per request: 'close' comes right after 'finish' for an answer sent in full,
      // and comes alone for one that was cut; `writableFinished` tells them apart. A response
      // emits 'close' once, so `on` (no wrapper to make and remove, as `once` has) is enough.
      res.on('close', () => {
        openResponses.delete(res);
        const finished = res.writableFinished;
        if (connection) {
          connection.openRequests--;
          if (finished) {
            connection.answered++;
            connection.bytesAtLastAnswer = req.socket.bytesRead;
          }
        }
        if (!finished) return;
        answeredIn[phase]++;
        onAnswered?.({
          method: req.method ?? '',
          path,
          operation,
          status: res.statusCode,
          seconds: (performance.now() - started) / 1000,
        });
      });
      const target = readRequestTarget(req.url, opaquePrefixes, canonicalTargets);
      if (!target.ok) {
        req.resume();
        sendError(
          res,
          new ApiError('invalid_request', `request target refused: ${target.message}`),
        );
        return;
      }
      req.url = target.url;
      path = pathOf(target.url);
      for (const guard of guards) if (guard(req, res)) return;
      operation = options.dispatchDecision(req, res);
      if (operation === null) options.management(req, res);
    },
  );
  // Behind a gateway: keep idle connections longer than the gateway does (60 s is the usual idle
  // timeout of load balancers and proxies), so the gateway, not orgwarden, closes an idle one and
  // never sends a request on a connection closing under it. Headers arrive at once from a gateway:
  // 10 s for them bounds a slow client; 30 s for a whole request covers an 8 MiB batch body. Node
  // checks both every `connectionsCheckingInterval` (30 s by default: 2 s here, so a stalled
  // request is cut near its deadline).
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.on('connection', (socket: Socket) => {
    connectionsAccepted++;
    connections.set(socket, {
      acceptedAt: performance.now(),
      openRequests: 0,
      answered: 0,
      bytesAtLastAnswer: 0,
    });
    socket.once('close', () => connections.delete(socket));
  });

  const announceShutdown = (why: () => string) => {
    reason = why;
    if (phase !== 'serving') return;
    phase = 'delay';
    for (const res of openResponses) if (!res.headersSent) res.setHeader('Connection', 'close');
  };

  /** Between requests: nothing open, no byte of a next request read, and not a fresh connection. */
  const isIdle = (socket: Socket, c: Connection, now: number) =>
    c.openRequests === 0 &&
    socket.bytesRead === c.bytesAtLastAnswer &&
    (c.answered > 0 || now - c.acceptedAt >= FIRST_REQUEST_GRACE_MS);

  const drain = (deadlineMs: number): Promise<DrainResult> =>
    new Promise((resolve) => {
      const answeredBefore = answeredIn.drain;
      let closedIdle = 0;
      const closeIdle = () => {
        const now = performance.now();
        for (const [socket, c] of connections)
          if (isIdle(socket, c, now)) {
            closedIdle++;
            socket.destroy();
          }
      };
      const finish = (drained: boolean) => {
        clearInterval(sweep);
        clearTimeout(deadline);
        const cut = drained ? 0 : openResponses.size;
        if (!drained) {
          for (const socket of connections.keys()) socket.destroy();
          server.closeAllConnections();
        }
        resolve({
          drained,
          answeredDuringDelay: answeredIn.delay,
          answeredDuringDrain: answeredIn.drain - answeredBefore,
          cut,
          closedIdle,
          connectionsAccepted,
        });
      };
      const sweep = setInterval(closeIdle, IDLE_SWEEP_MS);
      const deadline = setTimeout(() => finish(false), deadlineMs);
      // net.Server#close stops accepting and calls back once every connection has closed.
      // http.Server#close would also destroy every connection Node deems idle: a fresh one whose
      // request is still on the wire, and one whose last answer has ended but is not yet flushed
      // (it checks `finished`, not `writableFinished`). closeIdle decides that here instead.
      if (server.listening) net.Server.prototype.close.call(server, () => finish(true));
      else if (connections.size === 0) finish(true);
      closeIdle();
    });

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
    shutdownReason: () => (reason === null ? null : reason()),
    announceShutdown,
    close(deadlineMs) {
      if (drainResult) return drainResult;
      announceShutdown(reason ?? (() => 'draining: the server is stopping'));
      phase = 'drain';
      drainResult = drain(deadlineMs);
      return drainResult;
    },
    traffic: () => ({
      connectionsAccepted,
      openConnections: connections.size,
      openRequests: openResponses.size,
    }),
  };
}
