/**
 * The admin credentials and audit config keys: each problem is one line naming its key
 * (duplicate names, duplicate tokens, an unknown role, a token too short, sink and file), the
 * legacy token is the credential named `admin` with role `admin`, and the app refuses duplicate
 * tokens even when the config was validated without the environment.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/contract/config-error.js';
import { resolveAdminCredentials } from '../../src/http/admin-credentials.js';
import { testConfigDoc } from '../support/app.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';

const TOKEN_A = 'token-a-0123456789abcdef';
const TOKEN_B = 'token-b-0123456789abcdef';
const BASE_ENV = {
  [TEST_SECRET_ENV]: TEST_SECRET,
  ORGWARDEN_ADMIN_TOKEN: 'legacy-0123456789abcdef',
};

function issuesOf(extra: Record<string, unknown>, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(testConfigDoc({ extra }), {
      env: { ...BASE_ENV, ...env },
      checkEnvironment: true,
    });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

const admin = (credentials: unknown[]) => ({
  admin: { token_env: 'ORGWARDEN_ADMIN_TOKEN', credentials },
});

describe('admin.credentials', () => {
  it('accepts named credentials with distinct names and tokens', () => {
    expect(
      issuesOf(
        admin([
          { name: 'alice', role: 'operator', token_env: 'A' },
          { name: 'bob', role: 'auditor', token_env: 'B' },
        ]),
        { A: TOKEN_A, B: TOKEN_B },
      ),
    ).toEqual([]);
  });

  it('a duplicate name, the legacy name included, names the key', () => {
    expect(
      issuesOf(
        admin([
          { name: 'alice', role: 'operator', token_env: 'A' },
          { name: 'alice', role: 'auditor', token_env: 'B' },
          { name: 'admin', role: 'auditor', token_env: 'C' },
        ]),
        { A: TOKEN_A, B: TOKEN_B, C: 'token-c-0123456789abcdef' },
      ),
    ).toEqual([
      'admin.credentials[1].name: duplicate credential name "alice" (also admin.credentials[0]): each name is one actor',
      'admin.credentials[2].name: duplicate credential name "admin" (also admin.token_env, the legacy token named admin): each name is one actor',
    ]);
  });

  it('a duplicate token, the legacy token included, names the key and both variables', () => {
    expect(
      issuesOf(
        admin([
          { name: 'alice', role: 'operator', token_env: 'A' },
          { name: 'bob', role: 'auditor', token_env: 'B' },
          { name: 'carol', role: 'auditor', token_env: 'A' },
        ]),
        { A: TOKEN_A, B: BASE_ENV.ORGWARDEN_ADMIN_TOKEN },
      ),
    ).toEqual([
      'admin.credentials[1].token_env: environment variable B holds the same token as admin.token_env (ORGWARDEN_ADMIN_TOKEN): each credential needs its own token',
      'admin.credentials[2].token_env: environment variable A holds the same token as admin.credentials[0] (A): each credential needs its own token',
    ]);
  });

  it('an unknown role, a bad name, a short or missing token', () => {
    expect(
      issuesOf(
        admin([
          { name: 'alice', role: 'root', token_env: 'A' },
          { name: 'Bad Name', role: 'auditor', token_env: 'B' },
          { name: 'carol', role: 'auditor', token_env: 'C' },
        ]),
        { A: TOKEN_A, B: 'short' },
      ),
    ).toEqual([
      'admin.credentials[0].role: must be one of auditor, operator, directory-writer, admin, got "root"',
      'admin.credentials[1].name: "Bad Name" does not match /^[a-z][a-z0-9._-]{0,63}$/',
      'admin.credentials[1].token_env: environment variable B must hold a secret of at least 16 characters',
      'admin.credentials[2].token_env: environment variable C is not set',
    ]);
  });
});

describe('the app resolves the credentials', () => {
  const section = (credentials: { name: string; role: 'operator'; token_env: string }[]) => ({
    token_env: 'ORGWARDEN_ADMIN_TOKEN',
    credentials,
  });

  it('the legacy token is the credential named admin with role admin', () => {
    expect(resolveAdminCredentials(section([]), BASE_ENV, 16)).toEqual([
      { name: 'admin', role: 'admin', token: BASE_ENV.ORGWARDEN_ADMIN_TOKEN },
    ]);
  });

  it('a named but unset legacy variable leaves it off, as before', () => {
    expect(resolveAdminCredentials(section([]), {}, 16)).toEqual([]);
  });

  it('duplicate tokens are refused at start too, naming the key', () => {
    expect(() =>
      resolveAdminCredentials(
        section([{ name: 'ops', role: 'operator', token_env: 'A' }]),
        { ...BASE_ENV, A: BASE_ENV.ORGWARDEN_ADMIN_TOKEN },
        16,
      ),
    ).toThrow(
      'admin.credentials[0].token_env: environment variable A holds the same token as admin.token_env',
    );
  });
});

describe('audit', () => {
  it('defaults: stderr, 1000 buffered, 10 000 kept', () => {
    const config = parseConfig(testConfigDoc({ extra: { audit: {} } }), { env: {} });
    expect(config.audit).toEqual({ sink: 'stderr', buffer_records: 1000, keep_records: 10000 });
  });

  it('file is required with sink: file and only allowed with it; bounds are named', () => {
    expect(issuesOf({ audit: { sink: 'file' } })).toEqual([
      'audit.file: is required with sink: file',
    ]);
    expect(issuesOf({ audit: { sink: 'none', file: 'a.log' } })).toEqual([
      'audit.file: is only allowed with sink: file',
    ]);
    expect(issuesOf({ audit: { buffer_records: 0, sink: 'stdout' } })).toHaveLength(2);
  });
});
