/**
 * Building blocks every component's config schema (`src/<component>/config.ts`) is made of, so
 * the same kind of key is checked the same way everywhere: integers in a range, env var names,
 * secrets named by `*_env` keys, paths, key files and URLs.
 *
 * Invariant: the checks that look beyond the document (env vars, files) run only when the
 * context carries an environment (`ConfigContext.env`); they report problems, never fall back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** What a schema may consult besides the document itself. */
export interface ConfigContext {
  /** Folder relative paths in the config resolve against (the config file's folder). */
  readonly baseDir: string;
  /**
   * The environment `*_env` keys are looked up in. null: validate the document only — no env
   * var is looked up and no file named by the config is read (tests, embedders building configs).
   */
  readonly env: Readonly<Record<string, string | undefined>> | null;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An HTTP header (or cookie) name: an RFC 9110 token. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** An integer in [min, max] (max omitted: no upper bound). */
export function integer(min: number, max?: number) {
  const base = z.number().int().min(min);
  return max === undefined ? base : base.max(max);
}

/** A string, or a non-empty list of strings (issuer, audience). */
export const stringOrList = z.union([z.string(), z.array(z.string()).min(1)], {
  error: 'must be a string or a non-empty list of strings',
});

/**
 * The name of an env var holding a secret of at least `minLength` characters (UTF-8 bytes when
 * `unit` is 'bytes'). With an environment, the variable must be set and long enough.
 */
export function secretEnv(
  ctx: ConfigContext,
  minLength: number,
  unit: 'characters' | 'bytes' = 'characters',
) {
  return z
    .string()
    .regex(ENV_NAME)
    .check((payload) => {
      if (ctx.env === null) return;
      const value = ctx.env[payload.value];
      const length =
        value === undefined ? 0 : unit === 'bytes' ? Buffer.byteLength(value) : value.length;
      if (value === undefined || value === '')
        problem(payload, `environment variable ${payload.value} is not set`);
      else if (length < minLength)
        problem(
          payload,
          `environment variable ${payload.value} must hold a secret of at least ${minLength} ${unit}`,
        );
    });
}

/** A path, resolved against the config file's folder. */
export function configPath(ctx: ConfigContext) {
  return z
    .string()
    .min(1)
    .transform((p) => path.resolve(ctx.baseDir, p));
}

/**
 * A key file: a path (resolved) that, with an environment, must be readable and pass `inspect`,
 * which returns what is wrong with its text or null.
 */
export function keyFile(
  ctx: ConfigContext,
  inspect: (text: string, file: string) => string | null,
) {
  return configPath(ctx).check((payload) => {
    if (ctx.env === null) return;
    let text: string;
    try {
      text = readFileSync(payload.value, 'utf8');
    } catch (err) {
      problem(
        payload,
        `cannot read ${payload.value} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return;
    }
    const found = inspect(text, payload.value);
    if (found !== null) problem(payload, found);
  });
}

/**
 * A URL orgwarden fetches security-relevant data from: https, or http for a loopback host only;
 * no credentials in it; with `base`, no query or fragment either.
 */
export function fetchUrl(options: { base?: boolean } = {}) {
  return z.string().check((payload) => {
    const found = fetchUrlProblem(payload.value, options.base === true);
    if (found !== null) problem(payload, found);
  });
}

function fetchUrlProblem(value: string, base: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `'${value}' is not a URL`;
  }
  if (url.username !== '' || url.password !== '') return 'credentials in the URL are not allowed';
  if (base && (url.search !== '' || url.hash !== ''))
    return 'a query or fragment is not allowed (it is a base URL)';
  const loopback =
    url.hostname === 'localhost' ||
    url.hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return null;
  return `'${url.protocol}//${url.host}' must use https (http is allowed only for a loopback host)`;
}

function problem(payload: z.core.ParsePayload<string>, message: string): void {
  payload.issues.push({ code: 'custom', message, input: payload.value });
}
