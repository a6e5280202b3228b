#!/usr/bin/env node
// Benchmark: the directory at SaaS scale. Generates directories (seeded random), then measures, in
// one run:
//   - file mode at --file-members: the store's heap per membership and the sidecar's start;
//   - Redis mode at --members: seeding an empty prefix (the first replica's start), then a second
//     replica joining the seeded prefix (its start and RSS, before and after load);
//   - decisions over HTTP (wrk, server pinned to CPU 0, wrk to CPU 1) on each large directory and
//     on a small one in the same mode, alternating, over the same number of distinct principals.
// Prints a table with each target and pass/fail. Redis keys live under a fresh
// `scale-bench-<random>:` prefix on --redis, deleted at the end (SCAN + UNLINK, never FLUSH).
//
//   npm run build && node bench/scale.mjs [--orgs 100000] [--members 1000000] [--file-members 100000]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { buildBenchBundle } from './bench-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    orgs: { type: 'string', default: '100000' },
    members: { type: 'string', default: '1000000' },
    'file-members': { type: 'string', default: '100000' },
    'small-members': { type: 'string', default: '10000' },
    principals: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    seed: { type: 'string', default: '11' },
    'probe-file': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(`Usage: npm run build && node bench/scale.mjs [options]
  --orgs N            orgs of the large (Redis) directory (default 100000)
  --members N         memberships of the large (Redis) directory (default 1000000)
  --file-members N    memberships of the file-mode directory (default 100000; orgs: N/10)
  --small-members N   memberships of the small baseline directories (default 10000; orgs: N/10)
  --principals N      distinct (user, org) pairs each wrk run cycles through (default 1000,
                      at most the small directory's orgs, so every run queries as many)
  --duration S        seconds per wrk run (default 5)   --rounds N   alternating rounds (default 2)
  --connections N     wrk connections (default 16)      --redis URL  (default redis://127.0.0.1:6379)
  --seed N            generator seed (default 11)
Needs: dist/ (npm run build), wrk, taskset, a Redis at --redis.`);
  process.exit(0);
}

// A child mode: load one directory file into the file store and report time and heap (run by the
// parent under --expose-gc, so the figure is the store's, not the bench's).
if (values['probe-file']) {
  const { createFileStore } = await import(path.join(root, 'dist', 'directory', 'file-store.js'));
  const ignore = () => undefined;
  const quiet = { info: ignore, warn: ignore, error: ignore };
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const store = await createFileStore(
    { file: values['probe-file'], defaultOrg: 'default' },
    { log: quiet },
  );
  const ms = performance.now() - started;
  globalThis.gc();
  const heap = process.memoryUsage().heapUsed - before;
  console.log(JSON.stringify({ ms, heap, rss: process.memoryUsage().rss }));
  await store.close();
  process.exit(0);
}

function need(tool, args, hint) {
  try {
    execFileSync(tool, args, { stdio: 'ignore' });
  } catch (err) {
    if (err.code === 'ENOENT') {
      console.error(`scale: ${tool} is not installed (${hint})`);
      process.exit(2);
    }
  }
}
need('wrk', ['--version'], 'apt-get install wrk');
need('taskset', ['--version'], 'apt-get install util-linux');
if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.error('scale: run "npm run build" first');
  process.exit(2);
}
const admin = new Redis(values.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
try {
  await admin.connect();
  await admin.ping();
} catch (err) {
  console.error(`scale: no Redis answers at ${values.redis} (${err.message}); start redis-server`);
  process.exit(2);
}

const num = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`scale: --${name} must be a positive integer`);
    process.exit(2);
  }
  return n;
};
const ORGS = num('orgs');
const MEMBERS = num('members');
const FILE_MEMBERS = num('file-members');
const SMALL_MEMBERS = num('small-members');
const PRINCIPALS = num('principals');
const DURATION = num('duration');
const ROUNDS = num('rounds');
const SECRET = 'orgwarden-bench-secret-0123456789abcdef';
const PREFIX = `scale-bench-${randomBytes(6).toString('hex')}:`;
const log = (line) => console.log(`scale: ${line}`);

// ---- directories -------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so a run's directories are reproducible. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROLES = ['admin', 'editor', 'viewer', 'member'];
const roleAt = (x) => ROLES[Math.floor(x * ROLES.length)] ?? 'viewer';

/**
 * A directory of `orgs` orgs and `members` memberships (spread evenly; the first member of each
 * org is its owner) over members/3 users, so a user belongs to about three orgs. Every tenth org
 * shares a resource with the next. Returns the file and `principals` (user, org) pairs to query.
 */
function generate(file, orgs, members, principals, seed) {
  const rnd = random(seed);
  const users = Math.max(1, Math.floor(members / 3));
  const chunks = ['# generated by bench/scale.mjs\norgs:\n'];
  const pairs = [];
  const every = Math.max(1, Math.floor(orgs / principals));
  for (let o = 0; o < orgs; o++) {
    const count = Math.floor(members / orgs) + (o < members % orgs ? 1 : 0);
    const seen = new Set();
    const lines = [`  - id: org-${o}\n    status: active\n    members:\n`];
    for (let i = 0; i < count; i++) {
      let user;
      do user = `user-${Math.floor(rnd() * users)}`;
      while (seen.has(user));
      seen.add(user);
      const role = i === 0 ? 'owner' : roleAt(rnd());
      lines.push(`      - { user: ${user}, role: ${role} }\n`);
      if (i === 0 && o % every === 0 && pairs.length < principals)
        pairs.push({ user, org: `org-${o}` });
    }
    if (o % 10 === 0 && o + 1 < orgs)
      lines.push(
        `    shares:\n      - { id: s-${o}, resource: { type: node, id: n-${o} }, target_org: org-${o + 1}, access_role: viewer, state: accepted }\n`,
      );
    chunks.push(lines.join(''));
  }
  writeFileSync(file, chunks.join(''));
  return { file, pairs, orgs, members, bytes: statSync(file).size };
}

// ---- sidecars ----------------------------------------------------------------------------------

const { work, bundle } = buildBenchBundle(root, 'scale');
const children = new Set();

function configFor(name, directoryFile, prefix) {
  const config = path.join(work, `${name}.yaml`);
  const redis = prefix
    ? `redis: {url: ${JSON.stringify(values.redis)}, key_prefix: ${JSON.stringify(prefix)}}\n`
    : '';
  writeFileSync(
    config,
    `server: {host: 127.0.0.1, port: 0}
tenancy: {multi_tenant: true}
auth: {issuer: bench, audience: orgwarden, algorithms: [HS256], hs256_secret_env: BENCH_SECRET}
directory: {file: ${JSON.stringify(directoryFile)}}
policy: {bundle: ${JSON.stringify(bundle)}}
${redis}`,
  );
  return config;
}

/** Starts a sidecar pinned to CPU 0; resolves once /readyz answers 200, with the time it took. */
/**
 * @param {string} name
 * @param {string} directoryFile
 * @param {string | null} prefix
 * @param {{ echo?: RegExp }} [options]
 */
async function startSidecar(name, directoryFile, prefix, options = {}) {
  const echo = options.echo;
  const config = configFor(name, directoryFile, prefix);
  const started = performance.now();
  const child = spawn(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      path.join(root, 'dist', 'cli', 'main.js'),
      'serve',
      '--config',
      config,
    ],
    { env: { ...process.env, BENCH_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let head = '';
  /** Set by the child's output and exit (callbacks): read through the object. */
  const seen = {
    port: /** @type {number | null} */ (null),
    exited: /** @type {number | null} */ (null),
  };
  child.on('exit', (code) => {
    seen.exited = code;
    children.delete(child);
  });
  const onData = (d) => {
    const text = String(d);
    if (echo)
      for (const line of text.split('\n')) if (echo.test(line)) log(`  [${name}] ${line.trim()}`);
    if (seen.port !== null) return; // the decision log is drained, not kept
    head += text;
    const m = /"port":(\d+)|listening (\d+)/.exec(head);
    if (m) seen.port = Number(m[1] ?? m[2]);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  for (;;) {
    if (seen.exited !== null)
      throw new Error(`${name} exited with ${String(seen.exited)}: ${head.slice(-2000)}`);
    if (seen.port !== null) {
      const ok = await fetch(`http://127.0.0.1:${String(seen.port)}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  return { name, child, port: seen.port, seconds, pid: child.pid };
}

/** RSS of the sidecar (the node process under taskset: taskset execs it, so the pid is node's). */
function rssMb(sidecar) {
  const status = readFileSync(`/proc/${sidecar.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function stop(sidecar) {
  if (sidecar.child.exitCode !== null) return;
  const done = new Promise((r) => sidecar.child.once('exit', r));
  sidecar.child.kill('SIGTERM');
  await done;
}

// ---- load --------------------------------------------------------------------------------------

async function bodies(pairs) {
  const key = new TextEncoder().encode(SECRET);
  return Promise.all(
    pairs.map(async ({ user, org }) => {
      const token = await new SignJWT({ sub: user })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('bench')
        .setAudience('orgwarden')
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(key);
      return JSON.stringify({
        token,
        org,
        action: 'resource.read',
        resource: { type: 'node', id: 'n1', org },
      });
    }),
  );
}

/** Every body is allowed (each pair is an owner of its org): the directory is really read. */
async function checkAllowed(sidecar, list) {
  for (const body of list.slice(0, 20)) {
    const res = await fetch(`http://127.0.0.1:${sidecar.port}/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const decision = await res.json();
    if (!decision.allow)
      throw new Error(
        `${sidecar.name}: a benchmark request is not allowed: ${JSON.stringify(decision)}`,
      );
  }
}

function wrk(sidecar, list, seconds = DURATION) {
  const script = path.join(work, `${sidecar.name}.lua`);
  writeFileSync(
    script,
    `local bodies = {${list.map((b) => JSON.stringify(b)).join(',\n')}}
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])
end
`,
  );
  const out = execFileSync(
    'taskset',
    [
      '-c',
      '1',
      'wrk',
      '-t1',
      `-c${values.connections}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      script,
      `http://127.0.0.1:${sidecar.port}/v1/authorize`,
    ],
    { encoding: 'utf8' },
  );
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`${sidecar.name}: ${non2xx} non-2xx responses`);
  const ms = (s) => {
    const m = /([\d.]+)(us|ms|s)/.exec(s ?? '');
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: ms(/\s50%\s+(\S+)/.exec(out)?.[1]),
    p99: ms(/\s99%\s+(\S+)/.exec(out)?.[1]),
  };
}

async function deletePrefix(prefix) {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) deleted += await admin.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

// ---- run ---------------------------------------------------------------------------------------

const rows = [];
const row = (figure, value, target, pass) =>
  rows.push({ figure, value, target, pass: pass === null ? 'info' : pass ? 'pass' : 'FAIL' });
const running = [];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await Promise.all(running.map(stop));
  for (const child of children) child.kill('SIGTERM');
  const deleted = await deletePrefix(PREFIX).catch(() => 0);
  log(`deleted ${deleted} Redis keys under ${PREFIX}`);
  admin.disconnect();
  rmSync(work, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  log(`generating directories in ${work} (seed ${values.seed})...`);
  const seed = Number(values.seed);
  const orgsOf = (members) => Math.max(1, Math.floor(members / 10));
  const principals = Math.min(PRINCIPALS, orgsOf(SMALL_MEMBERS), ORGS);
  const small = generate(
    path.join(work, 'small.yaml'),
    orgsOf(SMALL_MEMBERS),
    SMALL_MEMBERS,
    principals,
    seed,
  );
  const fileDir = generate(
    path.join(work, 'file.yaml'),
    orgsOf(FILE_MEMBERS),
    FILE_MEMBERS,
    principals,
    seed + 1,
  );
  const big = generate(path.join(work, 'big.yaml'), ORGS, MEMBERS, principals, seed + 2);
  for (const d of [small, fileDir, big])
    log(
      `  ${path.basename(d.file)}: ${d.orgs} orgs, ${d.members} memberships, ${(d.bytes / 1e6).toFixed(1)} MB`,
    );

  // File mode: the store's heap per membership, in a process of its own.
  for (const d of [fileDir, big]) {
    log(`file store heap probe on ${path.basename(d.file)}...`);
    const probe = JSON.parse(
      execFileSync(
        process.execPath,
        ['--expose-gc', fileURLToPath(import.meta.url), '--probe-file', d.file],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      ),
    );
    const perMember = probe.heap / d.members;
    const target = d === fileDir;
    row(
      `file mode, ${d.members} memberships: store heap per membership`,
      `${perMember.toFixed(0)} B`,
      '≤ 1024 B',
      target ? perMember <= 1024 : null,
    );
    row(
      `file mode, ${d.members} memberships: store load`,
      `${(probe.ms / 1000).toFixed(2)} s`,
      '',
      null,
    );
  }

  log('starting the file-mode sidecars...');
  const fileSmall = await startSidecar('file-small', small.file, null);
  running.push(fileSmall);
  const fileLarge = await startSidecar('file-large', fileDir.file, null);
  running.push(fileLarge);
  row(
    `file mode, ${small.members} memberships: sidecar start to /readyz (the fixed cost)`,
    `${fileSmall.seconds.toFixed(2)} s`,
    '',
    null,
  );
  row(
    `file mode, ${fileDir.members} memberships: sidecar start to /readyz`,
    `${fileLarge.seconds.toFixed(2)} s`,
    '≤ 5 s',
    fileLarge.seconds <= 5,
  );
  row(
    `file mode, ${fileDir.members} memberships: sidecar RSS`,
    `${rssMb(fileLarge).toFixed(0)} MB`,
    '',
    null,
  );

  log('starting the Redis-mode sidecars (the first one seeds the empty prefix)...');
  const redisSmall = await startSidecar('redis-small', small.file, `${PREFIX}small:`);
  running.push(redisSmall);
  const seeder = await startSidecar('redis-seeder', big.file, `${PREFIX}big:`, {
    echo: /directory seed/,
  });
  row(
    `redis mode, ${MEMBERS} memberships: first replica seeds an empty prefix (start to /readyz)`,
    `${seeder.seconds.toFixed(1)} s`,
    '≤ 60 s',
    seeder.seconds <= 60,
  );
  row(
    `redis mode: the seeding replica's RSS after seeding`,
    `${rssMb(seeder).toFixed(0)} MB`,
    '',
    null,
  );
  await stop(seeder);

  log('a second replica joins the seeded prefix...');
  const joined = await startSidecar('redis-large', big.file, `${PREFIX}big:`);
  running.push(joined);
  row(
    `redis mode, ${MEMBERS} memberships: a replica joins (start to /readyz)`,
    `${joined.seconds.toFixed(2)} s`,
    '≤ 2 s',
    joined.seconds <= 2,
  );
  const joinedRss = rssMb(joined);
  row(
    `redis mode: the joined replica's RSS when ready`,
    `${joinedRss.toFixed(0)} MB`,
    '≤ 150 MB',
    joinedRss <= 150,
  );

  const load = {
    'file-small': await bodies(small.pairs),
    'file-large': await bodies(fileDir.pairs),
    'redis-small': await bodies(small.pairs),
    'redis-large': await bodies(big.pairs),
  };
  const targets = [fileSmall, fileLarge, redisSmall, joined];
  for (const s of targets) {
    await checkAllowed(s, load[s.name]);
    log(`wrk warm-up ${s.name}...`);
    wrk(s, load[s.name], 2);
  }
  const results = Object.fromEntries(targets.map((s) => [s.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of targets) {
      log(
        `round ${round}: wrk ${s.name} (${DURATION}s, ${values.connections} connections, ${load[s.name].length} principals)...`,
      );
      results[s.name].push(wrk(s, load[s.name]));
    }
  }
  /** @type {(list: {rps: number, p50: number, p99: number}[], f: (x: {rps: number, p50: number, p99: number}) => number) => number} */
  const mean = (list, f) => list.reduce((a, x) => a + f(x), 0) / list.length;
  console.log(
    '\n| sidecar | directory | requests/s (per round) | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |',
  );
  const sizes = {
    'file-small': small,
    'file-large': fileDir,
    'redis-small': small,
    'redis-large': big,
  };
  for (const s of targets) {
    const r = results[s.name];
    console.log(
      `| ${s.name} | ${sizes[s.name].members} memberships | ${r.map((x) => x.rps.toFixed(0)).join(', ')} | ${mean(r, (x) => x.p50).toFixed(2)} | ${mean(r, (x) => x.p99).toFixed(2)} |`,
    );
  }
  const pairs = [
    {
      large: 'file-large',
      smallName: 'file-small',
      what: `file mode, ${fileDir.members} vs ${small.members} memberships`,
    },
    {
      large: 'redis-large',
      smallName: 'redis-small',
      what: `redis mode, ${MEMBERS} vs ${small.members} memberships`,
    },
  ];
  for (const { large, smallName, what } of pairs) {
    /** @type {number[]} */
    const ratios = results[large].map((x, i) => x.rps / results[smallName][i].rps);
    const ratio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    row(
      `${what}: HTTP throughput ratio (per round: ${ratios.map((x) => x.toFixed(2)).join(', ')})`,
      ratio.toFixed(2),
      '≥ 0.90',
      ratio >= 0.9,
    );
    const p50 = mean(results[large], (x) => x.p50) / mean(results[smallName], (x) => x.p50);
    row(`${what}: p50 latency ratio`, p50.toFixed(2), '≤ 1.10', p50 <= 1.1);
  }
  for (const s of [fileSmall, fileLarge, redisSmall])
    row(`${s.name}: RSS after the load`, `${rssMb(s).toFixed(0)} MB`, '', null);
  const after = rssMb(joined);
  row(
    `redis mode: the joined replica's RSS after the load`,
    `${after.toFixed(0)} MB`,
    '≤ 150 MB',
    after <= 150,
  );

  console.log('\n| figure | value | target | result |\n| --- | --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.figure} | ${r.value} | ${r.target === '' ? '—' : r.target} | ${r.pass} |`);
  console.log(`\n(${os.cpus().length} CPUs; sidecars pinned to CPU 0, wrk to CPU 1)`);
} finally {
  await cleanup();
}
