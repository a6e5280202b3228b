/**
 * Reads the YAML config once at start, validates all of it, resolves relative paths against the
 * config file's folder and freezes the result. Any problem is a ConfigError listing every issue,
 * each naming its key; the CLI prints them and exits 2.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { describeIdProblem, orgIdProblem } from '../contract/ids.js';
import { check, type SchemaIssue } from './schema-dsl.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    readonly file: string,
    readonly issues: SchemaIssue[],
  ) {
    super(issues.map((i) => `${file}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  /** `--port` from the command line; wins over ORGWARDEN_PORT and the file. */
  port?: number;
}

export function loadConfigFile(file: string, options: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read config file (${(err as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true, maxAliasCount: 50 });
  } catch (err) {
    const message = err instanceof YAMLParseError ? err.message.split('\n')[0] ?? 'invalid YAML' : 'invalid YAML';
    throw new ConfigError(file, [{ path: '', message }]);
  }
  return parseConfig(doc ?? {}, { ...options, file });
}

/** Validates an already-parsed document (tests and embedders use this directly). */
export function parseConfig(doc: unknown, options: LoadOptions & { file?: string } = {}): Config {
  const file = options.file ?? '<config>';
  const issues: SchemaIssue[] = [];
  const value = check(configSchema, doc, '', issues) as Config | undefined;
  if (value) crossCheck(value, issues);
  if (issues.length > 0 || !value) throw new ConfigError(file, issues);

  const envPort = options.env?.ORGWARDEN_PORT;
  if (options.port !== undefined) value.server.port = options.port;
  else if (envPort !== undefined && envPort !== '') {
    const port = Number(envPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError(file, [{ path: 'ORGWARDEN_PORT', message: `must be a port number, got "${envPort}"` }]);
    value.server.port = port;
  }
  resolvePaths(value, options.file ? path.dirname(path.resolve(options.file)) : process.cwd());
  return deepFreeze(value);
}

function crossCheck(config: Config, issues: SchemaIssue[]): void {
  const { auth, policy, redis, tenancy } = config;
  const sources = (['jwks_url', 'jwks_file', 'public_key_file', 'hs256_secret_env'] as const).filter((k) => auth[k] !== undefined);
  if (sources.length !== 1)
    issues.push({ path: 'auth', message: `set exactly one of jwks_url, jwks_file, public_key_file, hs256_secret_env (found ${sources.length})` });
  if (auth.hs256_secret_env !== undefined && !auth.algorithms?.every((a) => a === 'HS256'))
    issues.push({ path: 'auth.algorithms', message: 'must be [HS256] with hs256_secret_env (never mix shared-secret and public-key algorithms)' });
  if (auth.hs256_secret_env === undefined && auth.algorithms?.includes('HS256'))
    issues.push({ path: 'auth.algorithms', message: 'HS256 needs hs256_secret_env; public-key sources take asymmetric algorithms only' });
  if (auth.jwks_cache_max_age_s < auth.jwks_cooldown_s)
    issues.push({ path: 'auth.jwks_cache_max_age_s', message: `must be >= auth.jwks_cooldown_s (${auth.jwks_cooldown_s})` });
  if (auth.jwks_failure_backoff_max_s < auth.jwks_failure_backoff_s)
    issues.push({ path: 'auth.jwks_failure_backoff_max_s', message: `must be >= auth.jwks_failure_backoff_s (${auth.jwks_failure_backoff_s})` });
  if ((policy.dir === undefined) === (policy.bundle === undefined))
    issues.push({ path: 'policy', message: 'set exactly one of dir, bundle' });
  if (policy.public_key_file !== undefined && policy.dir !== undefined)
    issues.push({ path: 'policy.public_key_file', message: 'needs policy.bundle: only a bundle carries a signature (build and sign one with orgwarden policy build --key)' });
  if (policy.shadow && (policy.shadow.dir === undefined) === (policy.shadow.bundle === undefined))
    issues.push({ path: 'policy.shadow', message: 'set exactly one of dir, bundle' });
  if (policy.shadow?.dir !== undefined && policy.public_key_file !== undefined)
    issues.push({ path: 'policy.shadow.dir', message: 'policy.public_key_file is set, so the shadow must be a signed bundle too' });
  if (redis?.cluster_nodes && redis.url !== undefined)
    issues.push({ path: 'redis', message: 'set url or cluster_nodes, not both' });
  if (redis && !redis.cluster_nodes && redis.url === undefined) redis.url = DEFAULT_REDIS_URL;
  const defaultOrgProblem = tenancy?.default_org === undefined ? null : orgIdProblem(tenancy.default_org, tenancy.default_org);
  if (defaultOrgProblem !== null) issues.push({ path: 'tenancy.default_org', message: describeIdProblem('the default org', defaultOrgProblem) });
  if (!redis && config.directory?.seed === 'confirm')
    issues.push({ path: 'directory.seed', message: 'confirm needs redis: without redis, directory.file is the directory itself and is never seeded' });
  if (tenancy && tenancy.org_header.toLowerCase() === 'authorization')
    issues.push({ path: 'tenancy.org_header', message: 'must not be Authorization' });
  const log = config.decision_log;
  if (log && (log.sink === 'file') !== (log.file !== undefined))
    issues.push({ path: 'decision_log.file', message: log.sink === 'file' ? 'is required with sink: file' : 'is only allowed with sink: file' });
}

function resolvePaths(config: Config, base: string): void {
  const abs = (p: string) => path.resolve(base, p);
  config.directory.file = abs(config.directory.file);
  if (config.auth.jwks_file) config.auth.jwks_file = abs(config.auth.jwks_file);
  if (config.auth.public_key_file) config.auth.public_key_file = abs(config.auth.public_key_file);
  if (config.policy.dir) config.policy.dir = abs(config.policy.dir);
  if (config.policy.bundle) config.policy.bundle = abs(config.policy.bundle);
  if (config.policy.routes) config.policy.routes = abs(config.policy.routes);
  if (config.policy.public_key_file) config.policy.public_key_file = abs(config.policy.public_key_file);
  if (config.policy.shadow?.dir) config.policy.shadow.dir = abs(config.policy.shadow.dir);
  if (config.policy.shadow?.bundle) config.policy.shadow.bundle = abs(config.policy.shadow.bundle);
  if (config.decision_log.file) config.decision_log.file = abs(config.decision_log.file);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
