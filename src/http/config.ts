/**
 * The `server` and `admin` sections: where the sidecar listens, its body caps, and the secrets
 * that guard callers and admin endpoints. Defaults are listed in docs/config.md.
 */
import { z } from 'zod';
import { integer, secretEnv, type ConfigContext } from '../contract/config-fields.js';
import { ADMIN_ROLES } from './admin-roles.js';
import { duplicateCredentials, LEGACY_ADMIN_NAME } from './admin-credentials.js';

/** Caller and admin tokens are compared to what clients send: at least this long. */
export const MIN_TOKEN_CHARS = 16;

/** A credential's name: what the audit log records as the actor. */
const CREDENTIAL_NAME = /^[a-z][a-z0-9._-]{0,63}$/;

/**
 * The keys of `server` this layer owns. config/ composes them with `server.grpc` (owned by the
 * gRPC server, a peer of this layer) and applies `serverRules` and the empty default.
 */
export function serverConfigShape(ctx: ConfigContext) {
  return {
    host: z.string().default('127.0.0.1'),
    port: integer(0, 65535).default(8282),
    /** Env var holding a token callers must present in `X-Orgwarden-Caller-Token` (optional). */
    caller_token_env: secretEnv(ctx, MIN_TOKEN_CHARS).optional(),
    /** Decision request body cap in bytes (contract: 64 KiB). */
    max_body_bytes: integer(1024, 1048576).default(65536),
    max_batch_body_bytes: integer(1024, 67108864).default(8388608),
    /**
     * On SIGTERM/SIGINT: how long to keep serving, not ready and answering with
     * `Connection: close`, before the listener closes (gateways and load balancers stop sending).
     */
    shutdown_delay_s: integer(0, 300).default(5),
    /** The whole shutdown, counted from the signal (the delay included): then what is left is cut. */
    shutdown_timeout_s: integer(0, 300).default(10),
    /**
     * Decisions a fan-out (events filter, batch, features) makes per turn of the event loop
     * before it lets other requests in; 0 never yields (measurement only).
     */
    fanout_yield_every: integer(0, 100000).default(16),
    /**
     * Processes serving the port (node:cluster): 1 is one process and no IPC; `auto` is the
     * number of cores this process may use (`os.availableParallelism()`), resolved at start.
     */
    workers: z
      .union([integer(1, 64), z.literal('auto')], {
        error: 'must be an integer from 1 to 64, or "auto" (one per available core)',
      })
      .default(1),
  };
}

/** The rules between keys of `server`. */
export function serverRules(
  server: { shutdown_delay_s: number; shutdown_timeout_s: number },
  issues: z.RefinementCtx,
): void {
  const delay = server.shutdown_delay_s;
  if (delay > 0 && server.shutdown_timeout_s <= delay)
    issues.addIssue({
      code: 'custom',
      path: ['shutdown_timeout_s'],
      message: `must be greater than server.shutdown_delay_s (${delay}): it counts from the signal and the delay takes the first ${delay} s, which would leave in-flight requests no time to finish; raise it or lower server.shutdown_delay_s`,
    });
}

export function adminConfigSchema(ctx: ConfigContext) {
  const credential = z.strictObject({
    name: z
      .string()
      .regex(
        CREDENTIAL_NAME,
        'must match ^[a-z][a-z0-9._-]{0,63}$ (the actor the audit log records)',
      ),
    role: z.enum(ADMIN_ROLES, { error: `must be one of ${ADMIN_ROLES.join(', ')}` }),
    /** Env var holding this credential's token; the token itself is never in the file. */
    token_env: secretEnv(ctx, MIN_TOKEN_CHARS),
  });
  return z
    .strictObject({
      /**
       * Env var holding the legacy admin token: the credential named `admin` with role `admin`.
       * Unset key (and no credentials): admin endpoints answer 403. A named var must be set.
       */
      token_env: secretEnv(ctx, MIN_TOKEN_CHARS).optional(),
      /** Named admin credentials, each with a role; names and tokens are unique. */
      credentials: z.array(credential).default([]),
    })
    .superRefine((admin, issues) => {
      const entries = [
        ...(admin.token_env === undefined
          ? []
          : [{ path: ['token_env'], name: LEGACY_ADMIN_NAME, token_env: admin.token_env }]),
        ...admin.credentials.map((c, i) => ({
          path: ['credentials', i],
          name: c.name,
          token_env: c.token_env,
        })),
      ];
      for (const problem of duplicateCredentials(entries, ctx.env))
        issues.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    })
    .prefault({});
}
