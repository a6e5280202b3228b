/**
 * The `directory` section: the seed file (without redis: the directory itself), the optional
 * pull mode from the main API, the in-process cache and how a Redis prefix is seeded.
 */
import { z } from 'zod';
import {
  configPath,
  fetchUrl,
  integer,
  secretEnv,
  type ConfigContext,
} from '../contract/config-fields.js';

/** The main API's bearer token is a secret like the caller and admin tokens: at least this long. */
const MIN_TOKEN_CHARS = 16;

export function directoryConfigSchema(ctx: ConfigContext) {
  return z.strictObject({
    /** Seed file; without redis it is the store itself. */
    file: configPath(ctx),
    /** Pull mode; `token_env` names the env var whose value is sent as a bearer token. */
    http: z
      .strictObject({
        url: fetchUrl({ base: true }),
        ttl_s: integer(1, 86400).default(60),
        timeout_ms: integer(10, 30000).default(500),
        token_env: secretEnv(ctx, MIN_TOKEN_CHARS).optional(),
      })
      .optional(),
    /** In-process cache in front of Redis. */
    cache_ttl_ms: integer(0, 3600000).default(5000),
    cache_max_entries: integer(1, 10000000).default(10000),
    /**
     * With redis: whether a prefix that holds no directory is seeded from `file` when a replica
     * starts (`if_empty`: only if this replica never saw it hold one), or only when an operator
     * confirms (`confirm`). A prefix whose data was lost is never seeded without confirmation.
     */
    seed: z.enum(['if_empty', 'confirm']).default('if_empty'),
    /**
     * Read your writes without redis: how long a decision waits for a `min_directory_revision`
     * this process has not reached yet before it denies `directory_revision_not_reached`.
     */
    revision_wait_ms: integer(0, 5000).default(250),
  });
}

type ParsedDirectoryConfig = z.output<ReturnType<typeof directoryConfigSchema>>;
/** The schema always sets `seed`; a store built by hand without it uses `if_empty`. */
export type DirectoryConfig = Omit<ParsedDirectoryConfig, 'seed' | 'revision_wait_ms'> & {
  seed?: ParsedDirectoryConfig['seed'];
  revision_wait_ms?: number;
};
