/**
 * Builds a real orgwarden for tests: the compiled default policy (from global setup), the file
 * directory fixture (or Redis), HS256 tokens. Each call is an independent app; nothing global.
 */
import { createApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/contract/logger.js';
import { type Logger } from '../../src/contract/logger.js';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_SECRET,
  TEST_SECRET_ENV,
  mintHs256,
  type TestClaims,
} from './tokens.js';

import { watchContract } from './contract/contract-watch.js';
import { FIXTURE_DIRECTORY, TEST_BUNDLE } from './paths.js';
import type { ResponseBody } from './response-body.js';

export { FIXTURE_DIRECTORY, TEST_BUNDLE };

export interface TestAppOptions {
  multiTenant?: boolean;
  directoryFile?: string;
  redis?: Record<string, unknown>;
  extra?: Record<string, unknown>;
  env?: Record<string, string>;
  now?: () => number;
  logger?: Logger;
}

export function testConfigDoc(options: TestAppOptions = {}): Record<string, unknown> {
  return {
    // Processes stopped by a signal drain at once; the shutdown tests set their own delay.
    server: { host: '127.0.0.1', port: 0, shutdown_delay_s: 0 },
    tenancy: { multi_tenant: options.multiTenant ?? true },
    auth: {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['HS256'],
      hs256_secret_env: TEST_SECRET_ENV,
    },
    directory: { file: options.directoryFile ?? FIXTURE_DIRECTORY },
    policy: { bundle: TEST_BUNDLE },
    admin: { token_env: 'ORGWARDEN_ADMIN_TOKEN' },
    // Tests that look at the decision log configure it (via `extra`); the rest keep stdout quiet.
    decision_log: { sink: 'none' },
    // The audit log keeps its recent records either way; tests that read its lines configure a sink.
    audit: { sink: 'none' },
    ...(options.redis ? { redis: options.redis } : {}),
    ...options.extra,
  };
}

export async function createTestApp(options: TestAppOptions = {}): Promise<App> {
  const config = parseConfig(testConfigDoc(options), { env: {} });
  const app = await createApp(config, {
    env: {
      [TEST_SECRET_ENV]: TEST_SECRET,
      ORGWARDEN_ADMIN_TOKEN: 'test-admin-token-0123456789',
      ...options.env,
    },
    logger: options.logger ?? silentLogger,
    ...(options.now ? { now: options.now } : {}),
  });
  // Every answer this app sends is checked against openapi/orgwarden.yaml (support/contract/).
  watchContract(app);
  return app;
}

/** A running app and its base URL. */
export async function startTestApp(
  options: TestAppOptions = {},
): Promise<{ app: App; url: string }> {
  const app = await createTestApp(options);
  const address = await app.start();
  return { app, url: `http://127.0.0.1:${address.port}` };
}

export const session = (sub: string, claims: TestClaims = {}) =>
  mintHs256(TEST_SECRET, { sub, ...claims });
export const apiToken = (sub: string, claims: TestClaims = {}) =>
  mintHs256(TEST_SECRET, { sub, kind: 'api_token', ...claims });

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: ResponseBody | undefined;
  try {
    json = JSON.parse(text) as ResponseBody;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}
