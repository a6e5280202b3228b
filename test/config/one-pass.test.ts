/**
 * One pass: shape, types, rules across keys, URLs, env secrets and key files are all checked
 * together, and every problem is reported at once, each naming the file and its key path.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load.js';

function tmpDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'orgwarden-config-'));
}

function problemsOf(file: string, env: Record<string, string> = {}): string[] {
  try {
    loadConfigFile(file, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  return [];
}

function writeYaml(dir: string, doc: unknown): string {
  const file = path.join(dir, 'orgwarden.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

const ecKeys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (
  key: { export(o: { type: 'spki' | 'pkcs8'; format: 'pem' }): string | Buffer },
  type: 'spki' | 'pkcs8',
) => String(key.export({ type, format: 'pem' }));

describe('config: every problem in one pass', () => {
  it('lists five different faults as five lines, each naming the file and the key', () => {
    const dir = tmpDir();
    const file = writeYaml(dir, {
      server: { port: 'eighty' },
      tenancy: { multi_tenat: true },
      auth: {
        issuer: 'i',
        audience: 'a',
        algorithms: ['ES256'],
        jwks_url: 'http://idp.example/jwks',
      },
      directory: { file: 'directory.yaml' },
      policy: { bundle: 'b.tar.gz', public_key_file: 'missing.pem' },
      admin: { token_env: 'ORGWARDEN_ADMIN_TOKEN' },
    });
    expect(problemsOf(file).sort()).toEqual(
      [
        `${file}: server.port: must be an integer, got string`,
        `${file}: tenancy.multi_tenat: unknown key \`multi_tenat\` — did you mean \`multi_tenant\`?`,
        `${file}: auth.jwks_url: 'http://idp.example' must use https (http is allowed only for a loopback host)`,
        `${file}: policy.public_key_file: cannot read ${path.join(dir, 'missing.pem')} (ENOENT)`,
        `${file}: admin.token_env: environment variable ORGWARDEN_ADMIN_TOKEN is not set`,
      ].sort(),
    );
  });

  it('reports env secrets that are unset or too short with the rest', () => {
    const file = writeYaml(tmpDir(), {
      server: { caller_token_env: 'CALLER' },
      auth: { issuer: 'i', audience: 'a', algorithms: ['HS256'], hs256_secret_env: 'JWT_SECRET' },
      directory: {
        file: 'd.yaml',
        http: { url: 'https://main.example/api?x=1', token_env: 'MAIN_API_TOKEN' },
      },
      policy: { dir: 'p' },
      admin: { token_env: 'ADMIN' },
    });
    expect(
      problemsOf(file, { CALLER: 'short', JWT_SECRET: 'x'.repeat(31), ADMIN: 'a'.repeat(16) })
        .map((l) => l.slice(file.length + 2))
        .sort(),
    ).toEqual(
      [
        'server.caller_token_env: environment variable CALLER must hold a secret of at least 16 characters',
        'auth.hs256_secret_env: environment variable JWT_SECRET must hold a secret of at least 32 bytes',
        'directory.http.url: a query or fragment is not allowed (it is a base URL)',
        'directory.http.token_env: environment variable MAIN_API_TOKEN is not set',
      ].sort(),
    );
  });

  it('reads key files: a JWKS that is not JSON, a private key, a key that cannot verify the algorithm', () => {
    const dir = tmpDir();
    const { publicKey, privateKey } = ecKeys();
    writeFileSync(path.join(dir, 'jwks.json'), '{not json');
    writeFileSync(path.join(dir, 'private.pem'), pem(privateKey, 'pkcs8'));
    writeFileSync(path.join(dir, 'ec.pem'), pem(publicKey, 'spki'));
    const base = { directory: { file: 'd.yaml' }, policy: { bundle: 'b.tar.gz' } };
    const auth = { issuer: 'i', audience: 'a' };

    const jwks = writeYaml(dir, {
      ...base,
      auth: { ...auth, algorithms: ['ES256'], jwks_file: 'jwks.json' },
    });
    expect(problemsOf(jwks)).toEqual([
      `${jwks}: auth.jwks_file: ${path.join(dir, 'jwks.json')} is not valid JSON`,
    ]);

    const signed = writeYaml(dir, {
      ...base,
      auth: { ...auth, algorithms: ['ES256'], public_key_file: 'private.pem' },
      policy: { bundle: 'b', public_key_file: 'private.pem' },
    });
    expect(problemsOf(signed).sort()).toEqual(
      [
        `${signed}: auth.public_key_file: ${path.join(dir, 'private.pem')} holds a private key; give the public key or certificate`,
        `${signed}: policy.public_key_file: ${path.join(dir, 'private.pem')} holds a private key; give the public key`,
      ].sort(),
    );

    const mismatch = writeYaml(dir, {
      ...base,
      auth: { ...auth, algorithms: ['ES256', 'RS256'], public_key_file: 'ec.pem' },
    });
    expect(problemsOf(mismatch)).toEqual([
      `${mismatch}: auth.public_key_file: the key in ${path.join(dir, 'ec.pem')} cannot verify 'RS256' (auth.algorithms)`,
    ]);

    const good = writeYaml(dir, {
      ...base,
      auth: { ...auth, algorithms: ['ES256'], public_key_file: 'ec.pem' },
      policy: { bundle: 'b', public_key_file: 'ec.pem' },
    });
    expect(loadConfigFile(good, { env: {} }).auth.public_key_file).toBe(path.join(dir, 'ec.pem'));
  });

  it('a rule across sections is reported together with problems elsewhere', () => {
    const file = writeYaml(tmpDir(), {
      server: { port: -1 },
      auth: { issuer: 'i', audience: 'a', algorithms: ['HS256'], hs256_secret_env: 'S' },
      directory: { file: 'd.yaml', seed: 'confirm' },
      policy: { dir: 'p' },
    });
    expect(problemsOf(file, { S: 's'.repeat(32) }).map((l) => l.slice(file.length + 2))).toEqual([
      'server.port: must be >= 0',
      'directory.seed: confirm needs redis: without redis, directory.file is the directory itself and is never seeded',
    ]);
  });

  it('validates the document only when parseConfig is not asked to check the environment', () => {
    const doc = {
      auth: { issuer: 'i', audience: 'a', algorithms: ['HS256'], hs256_secret_env: 'UNSET_SECRET' },
      directory: { file: 'd.yaml' },
      policy: { dir: 'p', public_key_file: undefined },
      admin: { token_env: 'UNSET_ADMIN' },
    };
    expect(parseConfig(doc).admin.token_env).toBe('UNSET_ADMIN');
    expect(() => parseConfig(doc, { checkEnvironment: true })).toThrow(
      'admin.token_env: environment variable UNSET_ADMIN is not set',
    );
  });
});
