/** Shared fixtures for the authn tests: configs, hand-built tokens, temp files, a JWKS server. */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthConfig } from '../../src/authn/config.js';
import { createAuthenticator, type AuthenticatorDeps } from '../../src/authn/index.js';
import type { Authenticator } from '../../src/authn/types.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';

/** A fixed "now" (ms) so clock edges are exact. */
export const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
export const NOW_S = NOW / 1000;

const NO_KEY_SOURCE = {
  jwks_url: undefined,
  jwks_file: undefined,
  public_key_file: undefined,
  hs256_secret_env: undefined,
};

/** Config defaults as the schema sets them; `source` picks the one key source. */
export function authConfig(
  source: Partial<AuthConfig> = {},
  overrides: Partial<AuthConfig> = {},
): AuthConfig {
  const keySource = Object.keys(source).some((key) => key in NO_KEY_SOURCE)
    ? source
    : { hs256_secret_env: TEST_SECRET_ENV, ...source };
  return {
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    algorithms: ['HS256'],
    clock_tolerance_s: 30,
    max_token_bytes: 4096,
    max_token_age_s: 0,
    jwks_timeout_ms: 2000,
    jwks_cooldown_s: 30,
    jwks_cache_max_age_s: 60,
    jwks_stale_if_error_s: 900,
    jwks_failure_backoff_s: 2,
    jwks_failure_backoff_max_s: 60,
    jwks_max_bytes: 262144,
    jwks_max_keys: 100,
    token_cache_entries: 10000,
    token_cache_ttl_s: 60,
    ...NO_KEY_SOURCE,
    ...keySource,
    ...overrides,
  };
}

export const TEST_ENV = { [TEST_SECRET_ENV]: TEST_SECRET };

/** An authenticator on the dev HS256 source with the fixed clock. */
export function hs256Authenticator(
  overrides: Partial<AuthConfig> = {},
  deps: Partial<AuthenticatorDeps> = {},
): Promise<Authenticator> {
  return createAuthenticator(authConfig({}, overrides), { env: TEST_ENV, now: () => NOW, ...deps });
}

export function b64url(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A compact JWS from raw parts; the signature is whatever you pass (default: none). */
export function rawToken(header: unknown, payload: unknown, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

/**
 * HS256 over arbitrary header and payload, signed by hand, so tests can build tokens jose's
 * signer refuses to produce (unknown `crit`, non-JSON payload) that still carry a valid MAC.
 */
export function signHs256Raw(
  header: unknown,
  payload: unknown,
  secret: string | Buffer = TEST_SECRET,
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A temp dir removed by `cleanup()`. */
export function tempDir(): {
  dir: string;
  write(name: string, content: string): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'orgwarden-authn-'));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fetch that records every call and fails it: for asserting that nothing is fetched. */
export function recordingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fake = ((input: Parameters<typeof fetch>[0]) => {
    calls.push(String(input instanceof Request ? input.url : input));
    return Promise.reject(new Error('unexpected fetch'));
  }) as typeof fetch;
  return { fetch: fake, calls };
}

/** A real HTTP server on 127.0.0.1, port 0. `requests` lists the paths it was asked for. */
export async function startServer(
  handler: RequestListener,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
