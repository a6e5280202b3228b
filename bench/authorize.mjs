#!/usr/bin/env node
// Benchmark: wrk against orgwarden's POST /v1/authorize (real policy, real JWT, file directory)
// and against a bare node:http JSON endpoint, in the same run, one after the other, each server
// in its own process. Prints requests/s, latency and the ratio orgwarden / bare.
//
//   npm run build && npm run bench -- [--duration 10] [--connections 16]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { buildBenchBundle } from './bench-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(
    'Usage: npm run bench -- [--duration SECONDS] [--connections N]   (needs wrk: apt-get install wrk)',
  );
  process.exit(0);
}
try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (err) {
  if (err.code === 'ENOENT') {
    console.error('bench: wrk is not installed (apt-get install wrk)');
    process.exit(2);
  }
}
if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}

const SECRET = 'orgwarden-bench-secret-0123456789abcdef';
const { work, bundle } = buildBenchBundle(root, 'bench');
const config = path.join(work, 'orgwarden.yaml');
writeFileSync(
  config,
  `server: {host: 127.0.0.1, port: 0}
tenancy: {multi_tenant: true}
auth: {issuer: bench, audience: orgwarden, algorithms: [HS256], hs256_secret_env: BENCH_SECRET}
directory: {file: ${JSON.stringify(path.join(root, 'test', 'support', 'fixtures', 'directory.yaml'))}}
policy: {bundle: ${JSON.stringify(bundle)}}
`,
);
const token = await new SignJWT({ sub: 'carol' })
  .setProtectedHeader({ alg: 'HS256' })
  .setIssuer('bench')
  .setAudience('orgwarden')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(new TextEncoder().encode(SECRET));
const body = JSON.stringify({
  token,
  org: 'acme',
  action: 'resource.read',
  resource: { type: 'node', id: 'n1', org: 'acme' },
});

function start(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('node', args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d) => {
      out += String(d);
      const m = /"port":(\d+)|listening (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1] ?? m[2]) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${String(code)}: ${out}`)));
  });
}

function wrk(port, label, seconds = Number(values.duration)) {
  const script = path.join(work, `${label}.lua`);
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`,
  );
  console.log(`bench: wrk ${label} (${seconds}s, ${values.connections} connections, 1 thread)...`);
  const out = execFileSync(
    'wrk',
    [
      '-t1',
      `-c${values.connections}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      script,
      `http://127.0.0.1:${port}/v1/authorize`,
    ],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`${label}: ${non2xx} non-2xx responses`);
  return { rps, p50, p99 };
}

async function check(port) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const decision = await res.json();
  if (!decision.allow)
    throw new Error(`the benchmark request is not allowed: ${JSON.stringify(decision)}`);
}

const orgwarden = await start(
  [path.join(root, 'dist', 'cli', 'main.js'), 'serve', '--config', config],
  { BENCH_SECRET: SECRET },
);
const bare = await start([path.join(root, 'bench', 'bare-server.mjs'), '0']);
try {
  await check(orgwarden.port);
  wrk(bare.port, 'bare-warmup', 2);
  wrk(orgwarden.port, 'orgwarden-warmup', 2);
  const base = wrk(bare.port, 'bare');
  const ow = wrk(orgwarden.port, 'orgwarden');
  console.log('\n| endpoint | requests/s | p50 | p99 |\n| --- | --- | --- | --- |');
  console.log(`| bare node:http JSON | ${base.rps.toFixed(0)} | ${base.p50} | ${base.p99} |`);
  console.log(`| orgwarden /v1/authorize | ${ow.rps.toFixed(0)} | ${ow.p50} | ${ow.p99} |`);
  console.log(`\nratio orgwarden / bare: ${(ow.rps / base.rps).toFixed(3)}`);
} finally {
  orgwarden.child.kill('SIGTERM');
  bare.child.kill('SIGTERM');
}
