// Shared by the benchmarks that run orgwarden replicas from dist/ over one Redis (kill-switch,
// revocation): the replica config, starting a replica and reading its port, and the figures.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const BENCH_SECRET = 'orgwarden-bench-secret-0123456789abcdef';
export const BENCH_ADMIN_TOKEN = 'orgwarden-bench-admin-token-0123456789';

/**
 * Writes a directory with one org `org` (owner: `owner`) and a multi-tenant config over `redisYaml`
 * with admin on; returns the config's path.
 * @param {string} work @param {string} bundle @param {string} redisYaml @param {string} org
 */
export function writeReplicaConfig(work, bundle, redisYaml, org = 'bench') {
  const directory = path.join(work, 'directory.yaml');
  writeFileSync(
    directory,
    `orgs:\n  - id: ${org}\n    status: active\n    members:\n      - { user: owner, role: owner }\n`,
  );
  const config = path.join(work, 'orgwarden.yaml');
  writeFileSync(
    config,
    `server: {host: 127.0.0.1, port: 0}
tenancy: {multi_tenant: true}
auth: {issuer: bench, audience: orgwarden, algorithms: [HS256], hs256_secret_env: BENCH_SECRET}
directory: {file: ${JSON.stringify(directory)}}
redis: ${redisYaml}
policy: {bundle: ${JSON.stringify(bundle)}}
admin: {token_env: BENCH_ADMIN_TOKEN}
decision_log: {sink: none}
`,
  );
  return config;
}

/**
 * Starts `node <main> serve --config <config>` and resolves once it logs the port it listens on.
 * @param {string} main @param {string} config @param {string} name
 */
export function startReplica(main, config, name) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, 'serve', '--config', config], {
      env: { ...process.env, BENCH_SECRET, BENCH_ADMIN_TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => {
      log += String(d);
      const m = /"msg":"listening".*"port":(\d+)/.exec(log);
      if (m) resolve({ name, child, url: `http://127.0.0.1:${m[1] ?? ''}` });
    });
    child.on('exit', (code) => {
      reject(new Error(`${name} exited with ${String(code)}: ${log}`));
    });
  });
}

/** p50, p99 and max of a list of numbers. @param {number[]} list */
export function figures(list) {
  const sorted = [...list].sort((x, y) => x - y);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) };
}
