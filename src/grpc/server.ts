/**
 * `envoy.service.auth.v3.Authorization/Check` over gRPC (Envoy's ext_authz filter with a
 * `grpc_service`): the forward-auth surface's check, read from a `CheckRequest` and answered as a
 * `CheckResponse`. A peer of the HTTP server, built and stopped by the composition root.
 *
 * Invariants:
 * - Every CheckRequest gets a CheckResponse that denies unless the surface allowed: a request
 *   that describes no HTTP request is refused as `invalid_request`, like the HTTP flavour's.
 * - With `server.caller_token_env`, a call without the caller token in its metadata
 *   (`x-orgwarden-caller-token`, Envoy's `grpc_service.initial_metadata`) is answered
 *   UNAUTHENTICATED before anything is read, as the HTTP server answers it 401.
 * - A check that fails unexpectedly is an INTERNAL error, which Envoy denies (status_on_error)
 *   unless its filter was configured `failure_mode_allow` — docs/envoy-grpc.md says not to.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import type { Answer } from '../surfaces/forward-auth/answer.js';
import { refusalAnswer } from '../surfaces/forward-auth/answer.js';
import type { CheckRequest } from '../surfaces/forward-auth/original-request.js';
import type { RequestRefusal } from '../contract/metric-labels.js';
import { readCheckRequest, type CheckRequestMessage } from './check-request.js';
import { toCheckResponse, type CheckResponseMessage } from './check-response.js';

const CALLER_TOKEN_METADATA = 'x-orgwarden-caller-token';

export interface GrpcCheckServerDeps {
  service: ServiceDefinition;
  /** The forward-auth surface's check (`createForwardAuthCheck`). */
  check: (request: CheckRequest) => Promise<Answer>;
  /** Told of every check refused before a decision (metrics count them, as for HTTP). */
  onRefusal?: (refusal: RequestRefusal) => void;
  /** The caller token every call must carry in its metadata; undefined: none required. */
  callerToken?: string;
  onError: (err: unknown) => void;
}

export interface GrpcAddress {
  host: string;
  port: number;
}

export interface GrpcCheckServer {
  /** Binds `host:port` (`0` picks a free port) and serves; rejects when the address cannot be bound. */
  listen(host: string, port: number): Promise<GrpcAddress>;
  /** The bound address, null before `listen` and after `stop`. */
  address(): GrpcAddress | null;
  /** Lets in-flight checks finish until `deadlineMs`, then cuts what is left; `drained` says which. */
  stop(deadlineMs: number): Promise<{ drained: boolean }>;
}

export function createGrpcCheckServer(deps: GrpcCheckServerDeps): GrpcCheckServer {
  const server = new Server();
  let bound: GrpcAddress | null = null;
  let stopped: Promise<{ drained: boolean }> | null = null;

  async function answer(message: CheckRequestMessage): Promise<CheckResponseMessage> {
    const read = readCheckRequest(message);
    if (!read.ok) {
      deps.onRefusal?.('invalid_request');
      return toCheckResponse(refusalAnswer('invalid_request', read.message), null);
    }
    const result = await deps.check(read.value);
    if (result.refusal) deps.onRefusal?.(result.refusal);
    return toCheckResponse(result, read.value);
  }

  server.addService(deps.service, {
    Check(
      call: ServerUnaryCall<CheckRequestMessage, CheckResponseMessage>,
      callback: sendUnaryData<CheckResponseMessage>,
    ) {
      if (deps.callerToken !== undefined) {
        const given = call.metadata.get(CALLER_TOKEN_METADATA);
        const token = given.length === 1 && typeof given[0] === 'string' ? given[0] : undefined;
        if (!secretsEqual(token, deps.callerToken)) {
          callback({
            code: GrpcStatus.UNAUTHENTICATED,
            details: `missing or wrong ${CALLER_TOKEN_METADATA}`,
          });
          return;
        }
      }
      answer(call.request).then(
        (response) => callback(null, response),
        (err: unknown) => {
          deps.onError(err);
          callback({ code: GrpcStatus.INTERNAL, details: 'the check failed' });
        },
      );
    },
  });

  return {
    listen(host, port) {
      const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      return new Promise((resolve, reject) => {
        server.bindAsync(target, ServerCredentials.createInsecure(), (err, actual) => {
          if (err) {
            reject(err);
            return;
          }
          bound = { host, port: actual };
          resolve(bound);
        });
      });
    },
    address: () => bound,
    stop(deadlineMs) {
      bound = null;
      // Idempotent: the composition root's closer stops it again after `stop`.
      return (stopped ??= new Promise((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve({ drained: false });
        }, deadlineMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve({ drained: true });
        });
      }));
    },
  };
}

/** Constant-time comparison of two secrets of any length (hash first, then compare digests). */
function secretsEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}
