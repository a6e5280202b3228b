/** Apps with named admin credentials and an audit log, for the audit tests. */
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger, type Logger } from '../../src/contract/logger.js';
import { FIXTURE_DIRECTORY, testConfigDoc } from '../support/app.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import { watchContract } from '../support/contract/contract-watch.js';

/** One credential per role, plus the legacy token (the credential named `admin`). */
export const TOKENS = {
  legacy: 'test-admin-token-0123456789',
  auditor: 'auditor-token-0123456789abcdef',
  operator: 'operator-token-0123456789abcdef',
  'directory-writer': 'writer-token-0123456789abcdef',
} as const;

const CREDENTIALS = [
  { name: 'ada', role: 'auditor', token_env: 'TOKEN_ADA' },
  { name: 'oscar', role: 'operator', token_env: 'TOKEN_OSCAR' },
  { name: 'wendy', role: 'directory-writer', token_env: 'TOKEN_WENDY' },
];

const CREDENTIAL_ENV = {
  ORGWARDEN_ADMIN_TOKEN: TOKENS.legacy,
  TOKEN_ADA: TOKENS.auditor,
  TOKEN_OSCAR: TOKENS.operator,
  TOKEN_WENDY: TOKENS['directory-writer'],
};

export interface AuditAppOptions {
  audit?: Record<string, unknown>;
  redis?: Record<string, unknown>;
  policy?: Record<string, unknown>;
  stderr?: Writable;
  logger?: Logger;
}

export interface AuditApp {
  app: App;
  url: string;
  send(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
}

/** A running app with its own copy of the directory fixture (file mode unless `redis`). */
export async function startAuditApp(options: AuditAppOptions = {}): Promise<AuditApp> {
  const directoryFile = path.join(
    mkdtempSync(path.join(os.tmpdir(), 'orgwarden-audit-')),
    'directory.yaml',
  );
  copyFileSync(FIXTURE_DIRECTORY, directoryFile);
  const doc = testConfigDoc({
    directoryFile,
    ...(options.redis ? { redis: options.redis } : {}),
    extra: {
      admin: { token_env: 'ORGWARDEN_ADMIN_TOKEN', credentials: CREDENTIALS },
      audit: options.audit ?? { sink: 'none' },
      ...(options.policy ? { policy: options.policy } : {}),
    },
  });
  const env = { [TEST_SECRET_ENV]: TEST_SECRET, ...CREDENTIAL_ENV };
  const app = await createApp(parseConfig(doc, { env, checkEnvironment: true }), {
    env,
    logger: options.logger ?? silentLogger,
    ...(options.stderr ? { stderr: options.stderr } : {}),
  });
  watchContract(app);
  const { port } = await app.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    async send(method, target, token, body) {
      const res = await fetch(url + target, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}

export interface Page {
  entries: {
    seq: number;
    action: string;
    actor: string;
    outcome: string;
    replica: string;
    time: string;
    before: unknown;
    after: unknown;
    ref?: number;
    error?: string;
  }[];
  next: number;
}
