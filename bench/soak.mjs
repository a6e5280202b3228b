#!/usr/bin/env node
// Soak: orgwarden under half its measured maximum load for a long time, to show that memory stays
// flat. First 10 s of wrk at full speed measure the maximum; then wrk holds half of it (a per-request
// `delay()` in its Lua script) for --minutes while this script samples, every --sample-s seconds,
// the RSS of each worker process (/proc/<pid>/status) and the event-loop delay p99 (from /metrics:
// orgwarden_nodejs_eventloop_lag_p99_seconds, the slowest worker, over the last interval).
//
// Pass: every worker's RSS ≤ 150 MB throughout, its peak RSS in the last minute at most 10 % above
// its peak in minute 2 (runs shorter than 3 minutes: the first and last fifth of the run), no
// worker replaced and no non-2xx answer.
//
//   npm run build && node bench/soak.mjs [--minutes 10] [--workers 2] [--connections 16]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { buildBenchBundle } from './bench-bundle.mjs';

const RSS_LIMIT_MB = 150;
const GROWTH_LIMIT = 0.1;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    'sample-s': { type: 'string', default: '10' },
    rate: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(`Usage: node bench/soak.mjs [--minutes 10] [--workers N|auto] [--connections 16] [--sample-s 10] [--rate R]

Measures the maximum throughput of POST /v1/authorize for 10 s, then holds half of it (or
--rate R requests/s, the rate a deployment expects, when given) for --minutes, sampling each worker's RSS and the event-loop delay p99 every --sample-s seconds.
Prints a table and PASS/FAIL against: RSS per worker <= ${RSS_LIMIT_MB} MB, growth <= ${GROWTH_LIMIT * 100} %
from minute 2 to the end. Needs wrk (apt-get install wrk), Linux /proc and a built dist/.`);
  process.exit(0);
}
const minutes = Number(values.minutes);
const sampleS = Number(values['sample-s']);
const connections = Number(values.connections);
const rate = values.rate === undefined ? undefined : Number(values.rate);
if (!(minutes > 0) || !(sampleS > 0) || !(connections > 0) || (rate !== undefined && !(rate > 0))) {
  console.error('soak: --minutes, --sample-s, --connections and --rate must be positive numbers');
  process.exit(2);
}
if (
  values.workers !== 'auto' &&
  !(Number.isInteger(Number(values.workers)) && Number(values.workers) >= 1)
) {
  console.error('soak: --workers must be a positive integer or "auto"');
  process.exit(2);
}
try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (err) {
  if (err.code === 'ENOENT') {
    console.error('soak: wrk is not installed (apt-get install wrk)');
    process.exit(2);
  }
}
if (!existsSync('/proc/self/status')) {
  console.error('soak: needs Linux /proc to read the RSS of each worker');
  process.exit(2);
}
if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.error('soak: run "npm run build" first');
  process.exit(2);
}

const SECRET = 'orgwarden-bench-secret-0123456789abcdef';
const { work, bundle } = buildBenchBundle(root, 'soak');
const config = path.join(work, 'orgwarden.yaml');
// As shipped: the decision log on stdout (to /dev/null here) and metrics on.
writeFileSync(
  config,
  `server: {host: 127.0.0.1, port: 0, workers: ${values.workers === 'auto' ? 'auto' : Number(values.workers)}}
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
  .setExpirationTime(`${Math.ceil(minutes / 60) + 2}h`)
  .sign(new TextEncoder().encode(SECRET));
const body = JSON.stringify({
  token,
  org: 'acme',
  action: 'resource.read',
  resource: { type: 'node', id: 'n1', org: 'acme' },
});

/** Starts `serve`; resolves with the port and the pids of the processes that serve requests. */
function startOrgwarden() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'node',
      [path.join(root, 'dist', 'cli', 'main.js'), 'serve', '--config', config],
      { env: { ...process.env, BENCH_SECRET: SECRET }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let logs = '';
    child.stderr.on('data', (d) => {
      logs += String(d);
      for (const line of logs.split('\n')) {
        if (!line.includes('"msg":"listening"')) continue;
        const fields = JSON.parse(line);
        // several workers: the primary's line names them; one process: it is the worker
        if (fields.pids) resolve({ child, port: fields.port, pids: fields.pids, logs: () => logs });
        else if (fields.worker === undefined)
          resolve({ child, port: fields.port, pids: [child.pid], logs: () => logs });
      }
    });
    child.on('exit', (code) => reject(new Error(`orgwarden exited with ${String(code)}: ${logs}`)));
  });
}

function luaScript(name, delayMs) {
  const file = path.join(work, `${name}.lua`);
  writeFileSync(
    file,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n` +
      (delayMs > 0 ? `function delay()\n  return ${delayMs.toFixed(3)}\nend\n` : ''),
  );
  return file;
}

function wrkArgs(port, seconds, script) {
  return [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    script,
    `http://127.0.0.1:${port}/v1/authorize`,
  ];
}

function parseWrk(out) {
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?',
    p99: /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?',
    non2xx,
  };
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
  } catch {
    return null; // the process is gone
  }
}

async function loopP99Ms(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('orgwarden_nodejs_eventloop_lag_p99_seconds '));
  return line ? Number(line.split(' ')[1]) * 1000 : NaN;
}

async function requestsServed(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const l of text.split('\n'))
    if (l.startsWith('orgwarden_decisions_total{')) sum += Number(l.slice(l.lastIndexOf(' ') + 1));
  return sum;
}

const ow = await startOrgwarden();
console.log(
  `soak: orgwarden on port ${ow.port}, ${ow.pids.length} worker(s): pids ${ow.pids.join(', ')}`,
);
try {
  const check = await fetch(`http://127.0.0.1:${ow.port}/v1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (!(await check.json()).allow) throw new Error('the soak request is not allowed');

  console.log(`soak: measuring the maximum (wrk, 10 s, ${connections} connections)...`);
  const full = parseWrk(
    execFileSync('wrk', wrkArgs(ow.port, 10, luaScript('full', 0)), { encoding: 'utf8' }),
  );
  if (full.non2xx > 0) throw new Error(`${full.non2xx} non-2xx answers at full load`);
  const half = rate ?? full.rps / 2;
  if (half > full.rps)
    console.log(
      `soak: --rate ${half} is above the measured maximum ${full.rps.toFixed(0)} req/s: wrk sends what the sidecar can take`,
    );
  // each connection waits this long before each request: connections / rate, less nothing (the
  // answer's own time only lowers the rate a little below the one asked)
  const delayMs = (connections / half) * 1000;
  console.log(
    `soak: maximum ${full.rps.toFixed(0)} req/s (p99 ${full.p99}); holding ~${half.toFixed(0)} req/s${rate === undefined ? ' (half)' : ' (--rate)'} for ${minutes} min (delay ${delayMs.toFixed(2)} ms per request per connection)`,
  );

  const seconds = Math.round(minutes * 60);
  const load = spawn('wrk', wrkArgs(ow.port, seconds, luaScript('half', delayMs)), {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let wrkOut = '';
  load.stdout.on('data', (d) => (wrkOut += String(d)));
  const loadDone = new Promise((resolve) => load.on('exit', resolve));

  const samples = [];
  const started = Date.now();
  let served = await requestsServed(ow.port);
  await loopP99Ms(ow.port); // resets the interval the first sample reads
  const header = `| t (s) | req/s | ${ow.pids.map((p) => `RSS ${p} (MB)`).join(' | ')} | loop p99 (ms) |`;
  const columns = Number(ow.pids.length) + 3;
  console.log(`\n${header}\n|${' --- |'.repeat(columns)}`);
  for (let next = sampleS; next <= seconds; next += sampleS) {
    const wait = started + next * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const rss = ow.pids.map(rssMb);
    const p99 = await loopP99Ms(ow.port);
    const now = await requestsServed(ow.port);
    const rate = (now - served) / sampleS;
    served = now;
    samples.push({ t: next, rss, p99, rate });
    console.log(
      `| ${next} | ${rate.toFixed(0)} | ${rss.map((r) => (r === null ? 'gone' : r.toFixed(1))).join(' | ')} | ${p99.toFixed(2)} |`,
    );
  }
  await loadDone;
  const held = parseWrk(wrkOut);

  // verdict. RSS is a sawtooth (the heap grows until V8 collects), so single samples compare
  // phases of it, not memory: each window is judged by its peak, which a leak raises.
  const windowS =
    minutes >= 3 ? 60 : Math.max(sampleS, Math.round((seconds * 0.2) / sampleS) * sampleS);
  const firstFrom = minutes >= 3 ? 60 : 0;
  const first = samples.filter((x) => x.t > firstFrom && x.t <= firstFrom + windowS);
  const lastWindow = samples.filter((x) => x.t > seconds - windowS);
  const problems = [];
  const peak = (window, i) => Math.max(...window.map((x) => x.rss[i] ?? NaN));
  const rows = ow.pids.map((pid, i) => {
    const series = samples.map((x) => x.rss[i]);
    if (series.some((r) => r === null)) problems.push(`worker ${pid} disappeared (replaced?)`);
    const max = Math.max(...series.filter((r) => r !== null));
    const early = peak(first, i);
    const late = peak(lastWindow, i);
    const growth = late / early - 1;
    if (max > RSS_LIMIT_MB)
      problems.push(`worker ${pid}: RSS ${max.toFixed(1)} MB > ${RSS_LIMIT_MB} MB`);
    if (!(growth <= GROWTH_LIMIT))
      problems.push(
        `worker ${pid}: peak RSS grew ${(growth * 100).toFixed(1)} % from the first window to the last`,
      );
    return { pid, max, early, late, growth };
  });
  const firstLabel = `t in (${firstFrom}, ${firstFrom + windowS}] s`;
  const lastLabel = `t in (${seconds - windowS}, ${seconds}] s`;
  const p99s = samples.map((s) => s.p99).filter((v) => Number.isFinite(v));
  console.log(
    `\n| worker | peak RSS ${firstLabel} (MB) | peak RSS ${lastLabel} (MB) | growth | max RSS (MB) |\n| --- | --- | --- | --- | --- |`,
  );
  for (const r of rows)
    console.log(
      `| ${r.pid} | ${r.early.toFixed(1)} | ${r.late.toFixed(1)} | ${(r.growth * 100).toFixed(1)} % | ${r.max.toFixed(1)} |`,
    );
  console.log(
    `\nload held: ${held.rps.toFixed(0)} req/s (${((held.rps / full.rps) * 100).toFixed(0)} % of the maximum ${full.rps.toFixed(0)}), wrk p50 ${held.p50}, p99 ${held.p99}, non-2xx ${held.non2xx}`,
  );
  console.log(
    `event-loop delay p99 (slowest worker, per ${sampleS} s interval): median ${median(p99s).toFixed(2)} ms, max ${Math.max(...p99s).toFixed(2)} ms`,
  );
  if (held.non2xx > 0) problems.push(`${held.non2xx} non-2xx answers under load`);
  console.log(
    problems.length === 0
      ? `\nsoak: PASS (RSS ≤ ${RSS_LIMIT_MB} MB per worker, growth ≤ ${GROWTH_LIMIT * 100} %)`
      : `\nsoak: FAIL\n  ${problems.join('\n  ')}`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  ow.child.kill('SIGTERM');
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}
