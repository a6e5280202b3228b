/** The config schema: every key orgwarden reads, with its type and default. See docs/config.md. */
import { ORG_ID_PATTERN } from '../contract/ids.js';
import type { Schema } from './schema-dsl.js';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ALGORITHMS = ['HS256', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const configSchema: Schema = {
  type: 'object',
  keys: {
    server: {
      type: 'object',
      keys: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', default: 8282, min: 0, max: 65535 },
        caller_token_env: { type: 'string', optional: true, pattern: ENV_NAME },
        max_body_bytes: { type: 'integer', default: 65536, min: 1024, max: 1048576 },
        max_batch_body_bytes: { type: 'integer', default: 8388608, min: 1024, max: 67108864 },
        shutdown_timeout_s: { type: 'integer', default: 10, min: 0, max: 300 },
        fanout_yield_every: { type: 'integer', default: 16, min: 0, max: 100000 },
      },
    },
    tenancy: {
      type: 'object',
      keys: {
        multi_tenant: { type: 'boolean', default: false },
        // The grammar here; dot-only ids and prototype names are refused in load.ts (crossCheck).
        default_org: { type: 'string', default: 'default', pattern: ORG_ID_PATTERN },
        org_header: { type: 'string', default: 'X-Org-ID', pattern: HEADER_NAME },
        org_cookie: { type: 'string', default: 'org_id', pattern: HEADER_NAME },
      },
    },
    auth: {
      type: 'object',
      keys: {
        issuer: { type: 'string_or_list' },
        audience: { type: 'string_or_list' },
        algorithms: { type: 'list', items: { type: 'string', enum: ALGORITHMS }, minItems: 1 },
        jwks_url: { type: 'string', optional: true, pattern: /^https?:\/\/\S+$/ },
        jwks_file: { type: 'string', optional: true },
        public_key_file: { type: 'string', optional: true },
        hs256_secret_env: { type: 'string', optional: true, pattern: ENV_NAME },
        clock_tolerance_s: { type: 'integer', default: 30, min: 0, max: 300 },
        max_token_bytes: { type: 'integer', default: 8192, min: 256, max: 65536 },
        max_token_age_s: { type: 'integer', default: 0, min: 0 },
        jwks_timeout_ms: { type: 'integer', default: 2000, min: 50, max: 30000 },
        jwks_cooldown_s: { type: 'integer', default: 30, min: 5, max: 3600 },
        jwks_cache_max_age_s: { type: 'integer', default: 60, min: 5, max: 86400 },
        jwks_stale_if_error_s: { type: 'integer', default: 900, min: 0, max: 86400 },
        jwks_failure_backoff_s: { type: 'integer', default: 2, min: 1, max: 3600 },
        jwks_failure_backoff_max_s: { type: 'integer', default: 60, min: 1, max: 3600 },
        jwks_max_bytes: { type: 'integer', default: 262144, min: 1024, max: 16777216 },
        jwks_max_keys: { type: 'integer', default: 100, min: 1, max: 10000 },
        token_cache_entries: { type: 'integer', default: 10000, min: 0, max: 1000000 },
        token_cache_ttl_s: { type: 'integer', default: 60, min: 1, max: 3600 },
      },
    },
    directory: {
      type: 'object',
      keys: {
        file: { type: 'string' },
        http: {
          type: 'object',
          optional: true,
          keys: {
            url: { type: 'string', pattern: /^https?:\/\/\S+$/ },
            ttl_s: { type: 'integer', default: 60, min: 1, max: 86400 },
            timeout_ms: { type: 'integer', default: 500, min: 10, max: 30000 },
            token_env: { type: 'string', optional: true, pattern: ENV_NAME },
          },
        },
        cache_ttl_ms: { type: 'integer', default: 5000, min: 0, max: 3600000 },
        cache_max_entries: { type: 'integer', default: 10000, min: 1, max: 10000000 },
        seed: { type: 'string', default: 'if_empty', enum: ['if_empty', 'confirm'] },
      },
    },
    redis: {
      type: 'object',
      optional: true,
      keys: {
        url: { type: 'string', optional: true, pattern: /^rediss?:\/\/\S+$/ },
        key_prefix: { type: 'string', default: 'orgwarden:', pattern: /^[A-Za-z0-9:._-]{1,64}$/ },
        cluster_nodes: { type: 'list', optional: true, items: { type: 'string', pattern: /^[^\s:]+:\d{1,5}$/ }, minItems: 1 },
        command_timeout_ms: { type: 'integer', default: 50, min: 5, max: 10000 },
        connect_timeout_ms: { type: 'integer', default: 1000, min: 10, max: 60000 },
        max_reconnect_delay_ms: { type: 'integer', default: 2000, min: 10, max: 60000 },
      },
    },
    policy: {
      type: 'object',
      keys: {
        dir: { type: 'string', optional: true },
        bundle: { type: 'string', optional: true },
        routes: { type: 'string', optional: true },
        public_key_file: { type: 'string', optional: true },
        watch: { type: 'boolean', default: true },
        watch_debounce_ms: { type: 'integer', default: 250, min: 10, max: 60000 },
        shadow: {
          type: 'object',
          optional: true,
          keys: {
            dir: { type: 'string', optional: true },
            bundle: { type: 'string', optional: true },
          },
        },
      },
    },
    admin: {
      type: 'object',
      keys: { token_env: { type: 'string', optional: true, pattern: ENV_NAME } },
    },
    decision_log: {
      type: 'object',
      keys: {
        sink: { type: 'string', default: 'stdout', enum: ['stdout', 'file', 'none'] },
        file: { type: 'string', optional: true },
        buffer_entries: { type: 'integer', default: 10000, min: 1, max: 1000000 },
        buffer_bytes: { type: 'integer', default: 8388608, min: 65536, max: 1073741824 },
        sample_allows_one_in: { type: 'integer', default: 1, min: 1, max: 1000000 },
      },
    },
  },
};
