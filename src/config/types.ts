/**
 * The validated, frozen configuration. Every component owns its slice; defaults are applied by
 * `config/schema.ts`, so code never has to guess whether a key is present.
 * Relative paths have already been resolved against the config file's folder.
 */
export interface ServerConfig {
  host: string;
  port: number;
  /** Env var holding a token callers must present in `X-Orgwarden-Caller-Token` (optional). */
  caller_token_env?: string;
  /** Decision request body cap in bytes (contract: 64 KiB). */
  max_body_bytes: number;
  /** Batch body cap in bytes. */
  max_batch_body_bytes: number;
  /** SIGTERM drain deadline. */
  shutdown_timeout_s: number;
  /**
   * Decisions a fan-out (events filter, batch, features) makes per turn of the event loop before
   * it lets other requests in; 0 never yields (measurement only).
   */
  fanout_yield_every: number;
}

export interface TenancyConfig {
  multi_tenant: boolean;
  default_org: string;
  org_header: string;
  org_cookie: string;
}

export interface AuthConfig {
  issuer: string | string[];
  audience: string | string[];
  algorithms: string[];
  jwks_url?: string;
  jwks_file?: string;
  public_key_file?: string;
  hs256_secret_env?: string;
  clock_tolerance_s: number;
  /** Tokens longer than this are rejected before any parsing. */
  max_token_bytes: number;
  /** Reject tokens whose `iat` is older than this (0 = no limit). */
  max_token_age_s: number;
  jwks_timeout_ms: number;
  /** Least time between two JWKS fetches after a successful one (unknown `kid`, signature failure). */
  jwks_cooldown_s: number;
  /** A fetched key set is refreshed after this long: the bound on honouring a removed key. */
  jwks_cache_max_age_s: number;
  /** How long past its max age a key set keeps serving while every refresh fails (0 = never). */
  jwks_stale_if_error_s: number;
  /** Wait after a failed fetch, doubled per consecutive failure up to `jwks_failure_backoff_max_s`. */
  jwks_failure_backoff_s: number;
  jwks_failure_backoff_max_s: number;
  /** Caps on a fetched JWKS document: bytes of the body, keys in the set. */
  jwks_max_bytes: number;
  jwks_max_keys: number;
  /** Verified-token cache size (0 = off) and the longest an entry is trusted. */
  token_cache_entries: number;
  token_cache_ttl_s: number;
}

export interface DirectoryConfig {
  /** Seed file; without redis it is the store itself. */
  file: string;
  /** Pull mode; `token_env` names the env var whose value is sent as a bearer token. */
  http?: { url: string; ttl_s: number; timeout_ms: number; token_env?: string };
  /** In-process cache in front of Redis. */
  cache_ttl_ms: number;
  cache_max_entries: number;
  /**
   * With redis: whether a prefix that holds no directory is seeded from `file` when a replica
   * starts (`if_empty`: only if this replica never saw it hold one), or only when an operator
   * confirms (`confirm`). A prefix whose data was lost is never seeded without confirmation.
   * The schema always sets it; stores built by hand without it use `if_empty`.
   */
  seed?: 'if_empty' | 'confirm';
}

export interface RedisConfig {
  /** Single-node URL; absent when `cluster_nodes` is set. */
  url?: string;
  key_prefix: string;
  cluster_nodes?: string[];
  command_timeout_ms: number;
  connect_timeout_ms: number;
  max_reconnect_delay_ms: number;
}

export interface PolicyConfig {
  dir?: string;
  bundle?: string;
  /** Forward-auth route manifest; default `<dir>/routes.yaml` when that file exists (see docs/gateways.md). */
  routes?: string;
  /** PEM public key; when set, only bundles carrying a valid signature by it load (OPA's format). */
  public_key_file?: string;
  /** Reload when the policy files change (default true; applied by the schema). */
  watch?: boolean;
  /** Quiet period before a watched change reloads (default 250; applied by the schema). */
  watch_debounce_ms?: number;
  /** A candidate evaluated beside the active policy on live traffic, never enforced. */
  shadow?: { dir?: string; bundle?: string };
}

export interface AdminConfig {
  token_env?: string;
}

export interface DecisionLogConfig {
  /** `stdout` (default), `file`, or `none` (no decision log). */
  sink: 'stdout' | 'file' | 'none';
  /** Append-only file; required with `sink: file`, only allowed with it. */
  file?: string;
  /** In-memory buffer between decisions and the sink; entries beyond it are dropped and counted. */
  buffer_entries: number;
  /** The same buffer's bound in bytes of serialized lines (default 8 MiB); whichever is reached first drops. */
  buffer_bytes: number;
  /** Log one allow in this many (1 = all); denies are always logged. */
  sample_allows_one_in: number;
}

export interface Config {
  server: ServerConfig;
  tenancy: TenancyConfig;
  auth: AuthConfig;
  directory: DirectoryConfig;
  redis?: RedisConfig;
  policy: PolicyConfig;
  admin: AdminConfig;
  decision_log: DecisionLogConfig;
}
