/**
 * Reads the YAML config once at start and validates all of it in one pass — shape, defaults,
 * rules across keys, URLs, and (when checking the environment) the env vars `*_env` keys name
 * and the key files the config names. Relative paths resolve against the config file's folder;
 * the result is frozen. Any problem is a ConfigError listing every problem at once, each naming
 * the file and its key path; the CLI prints them and exits 2.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../contract/config-error.js';
import { describeIssues } from './issues.js';
import { configSchema, type Config } from './schema.js';

export { ConfigError };

export interface LoadOptions {
  /** Where `*_env` keys and ORGWARDEN_PORT are looked up. */
  env?: Record<string, string | undefined>;
  /** `--port` from the command line; wins over ORGWARDEN_PORT and the file. */
  port?: number;
  /**
   * Also check the env vars and key files the config names (default true). `orgwarden certify`
   * turns it off: it certifies the policy with its own issuer and directory, not the deployment's.
   */
  checkEnvironment?: boolean;
}

/**
 * Loads `file` as `orgwarden serve` and `orgwarden check` do: the environment is checked too
 * (`options.env`, default the process's), so a missing secret or an unreadable key file is a
 * config problem reported with the rest.
 */
export function loadConfigFile(file: string, options: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [
      {
        path: '',
        message: `cannot read config file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ]);
  }
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true, maxAliasCount: 50 });
  } catch (err) {
    const message =
      err instanceof YAMLParseError
        ? (err.message.split('\n')[0] ?? 'invalid YAML')
        : 'invalid YAML';
    throw new ConfigError(file, [{ path: '', message }]);
  }
  return parseConfig(doc ?? {}, {
    env: process.env,
    ...options,
    file,
    checkEnvironment: options.checkEnvironment ?? true,
  });
}

export interface ParseOptions extends LoadOptions {
  /** Names the file in problems and is where relative paths resolve (default: the working directory). */
  file?: string;
  /**
   * Also check what the config names outside itself: env vars of `*_env` keys (set, long enough)
   * and key files (readable, parseable). Off by default: tests and embedders that build a config
   * from fixtures validate the document only.
   */
  checkEnvironment?: boolean;
}

/** Validates an already-parsed document (tests and embedders use this directly). */
export function parseConfig(doc: unknown, options: ParseOptions = {}): Config {
  const file = options.file ?? '<config>';
  const env = options.env ?? {};
  const ctx = {
    baseDir: options.file ? path.dirname(path.resolve(options.file)) : process.cwd(),
    env: options.checkEnvironment ? env : null,
  };
  const schema = configSchema(ctx);
  const result = schema.safeParse(withoutNulls(doc), { reportInput: true });
  const issues: ConfigIssue[] = result.success ? [] : describeIssues(result.error.issues, schema);
  const port = portOverride(options.port, env.ORGWARDEN_PORT, issues);
  if (!result.success || issues.length > 0) throw new ConfigError(file, issues);
  const config =
    port === undefined ? result.data : { ...result.data, server: { ...result.data.server, port } };
  return deepFreeze(config);
}

/** `--port` wins over ORGWARDEN_PORT, which wins over `server.port`. */
function portOverride(
  flag: number | undefined,
  envPort: string | undefined,
  issues: ConfigIssue[],
): number | undefined {
  if (flag !== undefined) return flag;
  if (envPort === undefined || envPort === '') return undefined;
  const port = Number(envPort);
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
  issues.push({ path: 'ORGWARDEN_PORT', message: `must be a port number, got "${envPort}"` });
  return undefined;
}

/** An empty YAML key (`tenancy:`) is null; it means "not given", so defaults apply as before. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])),
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
