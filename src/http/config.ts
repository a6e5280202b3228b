/**
 * The `server` and `admin` sections: where the sidecar listens, its body caps, and the secrets
 * that guard callers and admin endpoints. Defaults are listed in docs/config.md.
 */
import { z } from 'zod';
import { integer, secretEnv, type ConfigContext } from '../contract/config-fields.js';

/** Caller and admin tokens are compared to what clients send: at least this long. */
const MIN_TOKEN_CHARS = 16;

export function serverConfigSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: integer(0, 65535).default(8282),
      /** Env var holding a token callers must present in `X-Orgwarden-Caller-Token` (optional). */
      caller_token_env: secretEnv(ctx, MIN_TOKEN_CHARS).optional(),
      /** Decision request body cap in bytes (contract: 64 KiB). */
      max_body_bytes: integer(1024, 1048576).default(65536),
      max_batch_body_bytes: integer(1024, 67108864).default(8388608),
      /** SIGTERM drain deadline. */
      shutdown_timeout_s: integer(0, 300).default(10),
      /**
       * Decisions a fan-out (events filter, batch, features) makes per turn of the event loop
       * before it lets other requests in; 0 never yields (measurement only).
       */
      fanout_yield_every: integer(0, 100000).default(16),
    })
    .prefault({});
}

export function adminConfigSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      /** Env var holding the admin token; unset key: admin endpoints answer 403. A named var must be set. */
      token_env: secretEnv(ctx, MIN_TOKEN_CHARS).optional(),
    })
    .prefault({});
}
