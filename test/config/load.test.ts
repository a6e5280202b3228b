import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load.js';

const minimal = () => ({
  auth: {
    issuer: 'https://idp.example',
    audience: 'orgwarden',
    algorithms: ['ES256'],
    jwks_file: './jwks.json',
  },
  directory: { file: './directory.yaml' },
  policy: { dir: './policies' },
});

/** A public EC key set, as a JWKS file holds it. */
export function ecJwks() {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] };
}

function issuesOf(doc: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(doc, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('config', () => {
  it('applies the contract defaults (port 8282 on 127.0.0.1, single-tenant, X-Org-ID, org_id cookie)', () => {
    const config = parseConfig(minimal());
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      port: 8282,
      max_body_bytes: 65536,
      shutdown_timeout_s: 10,
    });
    expect(config.tenancy).toEqual({
      multi_tenant: false,
      default_org: 'default',
      org_header: 'X-Org-ID',
      org_cookie: 'org_id',
    });
    expect(config.redis).toBeUndefined();
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('names an unknown key, at any depth', () => {
    expect(issuesOf({ ...minimal(), surprise: 1 })).toEqual(['surprise: unknown key `surprise`']);
    expect(issuesOf({ ...minimal(), tenancy: { multitenant: true } })).toEqual([
      'tenancy.multitenant: unknown key `multitenant` — did you mean `multi_tenant`?',
    ]);
    expect(
      issuesOf({ ...minimal(), policy: { dir: 'p', shadow: { bundel: 'b.tar.gz' } } }),
    ).toEqual([
      'policy.shadow.bundel: unknown key `bundel` — did you mean `bundle`?',
      'policy.shadow: set exactly one of dir, bundle',
    ]);
  });

  it('names a wrong type', () => {
    expect(issuesOf({ ...minimal(), server: { port: '8282' } })).toEqual([
      'server.port: must be an integer, got string',
    ]);
    expect(issuesOf({ ...minimal(), tenancy: { multi_tenant: 'yes' } })).toEqual([
      'tenancy.multi_tenant: must be true or false, got string',
    ]);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({
      server: { port: -1 },
      tenancy: { default_org: 'bad org!' },
      policy: {},
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        'server.port: must be >= 0',
        'tenancy.default_org: "bad org!" does not match /^[A-Za-z0-9._-]{1,64}$/',
        'auth.issuer: is required',
        'directory.file: is required',
        'policy: set exactly one of dir, bundle',
      ]),
    );
  });

  it('remote JWKS: the key set is refreshed after 60 s (the removed-key bound), with bounded size and backoff by default', () => {
    const doc = minimal();
    const { auth } = parseConfig({
      ...doc,
      auth: { ...doc.auth, jwks_file: undefined, jwks_url: 'https://idp.example/jwks' },
    });
    expect(auth).toMatchObject({
      jwks_cooldown_s: 30,
      jwks_cache_max_age_s: 60,
      jwks_stale_if_error_s: 900,
      jwks_failure_backoff_s: 2,
      jwks_failure_backoff_max_s: 60,
      jwks_max_bytes: 262144,
      jwks_max_keys: 100,
    });
  });

  it('remote JWKS: a max age under the cooldown, or a backoff cap under the backoff, is refused naming the key', () => {
    const doc = minimal();
    const remote = (extra: Record<string, unknown>) => ({
      ...doc,
      auth: { ...doc.auth, jwks_file: undefined, jwks_url: 'https://idp.example/jwks', ...extra },
    });
    expect(issuesOf(remote({ jwks_cooldown_s: 30, jwks_cache_max_age_s: 20 }))).toEqual([
      'auth.jwks_cache_max_age_s: must be >= auth.jwks_cooldown_s (30)',
    ]);
    expect(issuesOf(remote({ jwks_failure_backoff_s: 10, jwks_failure_backoff_max_s: 5 }))).toEqual(
      ['auth.jwks_failure_backoff_max_s: must be >= auth.jwks_failure_backoff_s (10)'],
    );
    expect(issuesOf(remote({ jwks_max_bytes: 10, jwks_max_keys: 0 }))).toEqual([
      'auth.jwks_max_bytes: must be >= 1024',
      'auth.jwks_max_keys: must be >= 1',
    ]);
  });

  it.each([
    ['..', 'tenancy.default_org: the default org must not consist of dots only'],
    [
      'constructor',
      'tenancy.default_org: the default org must not be __proto__, constructor or prototype',
    ],
  ])('a default org of %j is refused naming the key', (defaultOrg, issue) => {
    expect(issuesOf({ ...minimal(), tenancy: { default_org: defaultOrg } })).toEqual([issue]);
  });

  it('needs exactly one key source, and never mixes HS256 with public-key sources', () => {
    const doc = minimal();
    expect(
      issuesOf({ ...doc, auth: { ...doc.auth, jwks_url: 'https://idp.example/jwks' } }),
    ).toEqual([
      'auth: set exactly one of jwks_url, jwks_file, public_key_file, hs256_secret_env (found 2)',
    ]);
    expect(issuesOf({ ...doc, auth: { ...doc.auth, algorithms: ['ES256', 'HS256'] } })).toContain(
      'auth.algorithms: HS256 needs hs256_secret_env; public-key sources take asymmetric algorithms only',
    );
    expect(issuesOf({ ...doc, auth: { ...doc.auth, algorithms: ['none'] } })[0]).toMatch(
      /^auth.algorithms\[0\]: must be one of/,
    );
  });

  it('lets --port win over ORGWARDEN_PORT, and ORGWARDEN_PORT over the file', () => {
    expect(parseConfig(minimal(), { env: { ORGWARDEN_PORT: '9000' } }).server.port).toBe(9000);
    expect(
      parseConfig(minimal(), { env: { ORGWARDEN_PORT: '9000' }, port: 9100 }).server.port,
    ).toBe(9100);
    expect(issuesOf(minimal(), { ORGWARDEN_PORT: 'http' })).toEqual([
      'ORGWARDEN_PORT: must be a port number, got "http"',
    ]);
  });

  it('fills the redis url only when no cluster is named, and refuses both', () => {
    expect(parseConfig({ ...minimal(), redis: {} }).redis?.url).toBe('redis://127.0.0.1:6379/0');
    expect(
      parseConfig({ ...minimal(), redis: { cluster_nodes: ['127.0.0.1:7000'] } }).redis?.url,
    ).toBeUndefined();
    expect(
      issuesOf({ ...minimal(), redis: { url: 'redis://x:1', cluster_nodes: ['127.0.0.1:7000'] } }),
    ).toEqual(['redis: set url or cluster_nodes, not both']);
  });

  it('takes directory.seed if_empty (default) or confirm, and confirm only with redis', () => {
    expect(parseConfig({ ...minimal(), redis: {} }).directory.seed).toBe('if_empty');
    expect(
      parseConfig({ ...minimal(), directory: { file: './d.yaml', seed: 'confirm' }, redis: {} })
        .directory.seed,
    ).toBe('confirm');
    expect(
      issuesOf({ ...minimal(), directory: { file: './d.yaml', seed: 'always' }, redis: {} }),
    ).toEqual(['directory.seed: must be one of if_empty, confirm, got "always"']);
    expect(issuesOf({ ...minimal(), directory: { file: './d.yaml', seed: 'confirm' } })).toEqual([
      'directory.seed: confirm needs redis: without redis, directory.file is the directory itself and is never seeded',
    ]);
  });

  it('resolves relative paths against the config file and names the file in errors', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-config-'));
    const file = path.join(dir, 'orgwarden.yaml');
    writeFileSync(
      file,
      'auth: {issuer: i, audience: a, algorithms: [ES256], jwks_file: keys/jwks.json}\ndirectory: {file: dir.yaml}\npolicy: {bundle: b.tar.gz}\n',
    );
    writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(ecJwks()));
    expect(() => loadConfigFile(file, { env: {} })).toThrow(
      `${file}: auth.jwks_file: cannot read ${path.join(dir, 'keys', 'jwks.json')} (ENOENT)`,
    );
    mkdirSync(path.join(dir, 'keys'));
    writeFileSync(path.join(dir, 'keys', 'jwks.json'), JSON.stringify(ecJwks()));
    const config = loadConfigFile(file, { env: {} });
    expect(config.auth.jwks_file).toBe(path.join(dir, 'keys', 'jwks.json'));
    expect(config.policy.bundle).toBe(path.join(dir, 'b.tar.gz'));

    writeFileSync(file, 'server: {port: [1}\n');
    expect(() => loadConfigFile(file)).toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    );
    expect(() => loadConfigFile(path.join(dir, 'missing.yaml'))).toThrow(
      /missing\.yaml: cannot read config file \(ENOENT\)/,
    );
  });

  it('rejects duplicate keys in YAML instead of silently taking the last one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-config-'));
    const file = path.join(dir, 'dup.yaml');
    writeFileSync(file, 'tenancy: {multi_tenant: false}\ntenancy: {multi_tenant: true}\n');
    expect(() => loadConfigFile(file)).toThrow(ConfigError);
  });
});
