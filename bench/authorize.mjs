#!/usr/bin/env node
// Benchmark: wrk against orgwarden's POST /v1/authorize (real policy, real JWT, file directory,
// decision log on stdout as shipped, metrics on) and a bare node:http JSON endpoint, in the same
// run, alternating round by round, each server in its own process pinned to core 0 and wrk to
// core 1. Prints requests/s, latency, the ratio orgwarden / bare, and orgwarden's p99 at about half
// of its measured maximum rate (wrk holding each connection below it with a per-request delay),
// with the bare endpoint's p99 at the same rate as its baseline.
//
// --vs-opa adds the pinned OPA (`opa run --server`) with the same policy pack, no decision log,
// asked with the policy input orgwarden's engine receives for the bench request, precomputed (its
// best case: no JWT, no directory read); both must answer the same decision first.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBenchBundle } from './bench-bundle.mjs';
import {
  BENCH_AUTH,
  BENCH_SECRET,
  corePinning,
  cpuProfileArgs,
  positiveOption,
  median,
  pinned,
  requireBuild,
  requireWrk,
  runWrk,
  serverSection,
  signBenchToken,
  startServer,
  stopServer,
  wrkScript,
} from './bench-http.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HELP = `Usage: npm run bench -- [options]          (needs wrk; --vs-opa needs the pinned OPA)

  --duration SECONDS   each wrk measurement (default 10)
  --connections N      wrk connections (default 16)
  --rounds N           alternating rounds of bare / orgwarden [/ OPA] (default 2)
  --vs-opa             also measure 'opa run --server' on the same policy and input
  --workers N          write server.workers: N into the config (only when N > 1; not pinned then)
  --cpu-prof DIR       run orgwarden under node --cpu-prof, profile written to DIR on exit
  --help               this text

Servers run pinned to core 0 and wrk to core 1 (taskset) when the machine has two cores.`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
    'vs-opa': { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const seconds = positiveOption(values, 'duration');
const connections = positiveOption(values, 'connections');
const rounds = positiveOption(values, 'rounds');
const workers = positiveOption(values, 'workers');
requireWrk();
requireBuild(root);
const opa = values['vs-opa'] ? requireOpa() : null;

const { work, bundle } = buildBenchBundle(root, 'bench');
const config = path.join(work, 'orgwarden.yaml');
writeFileSync(
  config,
  `${serverSection(workers)}
tenancy: {multi_tenant: true}
${BENCH_AUTH}
directory: {file: ${JSON.stringify(path.join(root, 'test', 'support', 'fixtures', 'directory.yaml'))}}
policy: {bundle: ${JSON.stringify(bundle)}}
`,
);
const token = await signBenchToken('carol');
const document = {
  token,
  org: 'acme',
  action: 'resource.read',
  resource: { type: 'node', id: 'n1', org: 'acme' },
};
const body = JSON.stringify(document);
const pin = corePinning(os.availableParallelism(), workers);

const servers = [];
const nodeArgs = cpuProfileArgs(values['cpu-prof']);
try {
  const orgwarden = await start(
    'node',
    [...nodeArgs, path.join(root, 'dist', 'cli', 'main.js'), 'serve', '--config', config],
    { env: { BENCH_SECRET } },
  );
  const bare = await start('node', [path.join(root, 'bench', 'bare-server.mjs'), '0']);
  const targets = [
    {
      name: 'bare node:http JSON',
      key: 'bare',
      pid: bare.child.pid,
      port: bare.port,
      path: '/',
      body,
    },
    {
      name: 'orgwarden /v1/authorize',
      key: 'orgwarden',
      pid: orgwarden.child.pid,
      port: orgwarden.port,
      body,
    },
  ];
  const decision = await ask(orgwarden.port, '/v1/authorize', body);
  if (!decision.allow)
    throw new Error(`the benchmark request is not allowed: ${JSON.stringify(decision)}`);
  if (opa) {
    const input = await policyInputOf(document);
    const opaServer = await startOpa(opa);
    const opaBody = JSON.stringify({ input });
    const answer = await ask(opaServer.port, '/v1/data/orgwarden/authz/decision', opaBody);
    const result = answer.result ?? {};
    if (result.allow !== decision.allow || result.reason !== decision.reason)
      throw new Error(
        `OPA and orgwarden disagree: orgwarden ${decision.allow}/${decision.reason}, OPA ${JSON.stringify(answer)}`,
      );
    console.log(
      `bench: OPA and orgwarden agree: allow=${decision.allow} reason=${decision.reason}`,
    );
    targets.push({
      name: 'opa run --server (input precomputed)',
      key: 'opa',
      pid: opaServer.child.pid,
      port: opaServer.port,
      path: '/v1/data/orgwarden/authz/decision',
      body: opaBody,
    });
  }
  const measure = async (target, label, duration, extra = {}) => {
    const script = wrkScript(path.join(work, `${label}.lua`), target.body, extra);
    const url = `http://127.0.0.1:${target.port}${target.path ?? '/v1/authorize'}`;
    const r = await runWrk({
      url,
      script,
      seconds: duration,
      connections,
      load: pin?.load,
      label,
      pid: target.pid,
    });
    if (r.non2xx > 0) throw new Error(`${label}: ${r.non2xx} non-2xx responses`);
    return r;
  };
  for (const t of targets) await measure(t, `${t.key}-warmup`, 2);
  const results = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let round = 1; round <= rounds; round++)
    for (const t of targets) results[t.key].push(await measure(t, `${t.key}-${round}`, seconds));

  const rps = (key) => median(results[key].map((r) => r.rps));
  const ow = targets[1];
  const halfRate = rps('orgwarden') / 2;
  const half = await measure(ow, 'orgwarden-half-load', seconds, {
    delayMs: (connections * 1000) / halfRate,
  });
  // The same rate against the bare endpoint: what the machine and wrk alone add to the p99.
  const bareHalf = await measure(targets[0], 'bare-same-rate', seconds, {
    delayMs: (connections * 1000) / halfRate,
  });

  const cpu = (key) => median(results[key].map((r) => r.cpuUsPerRequest));
  console.log(
    '\n| endpoint | requests/s (median of rounds) | each round | p50 | p99 | server CPU µs/request |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const t of targets) {
    const rs = results[t.key];
    const last = rs[rs.length - 1];
    console.log(
      `| ${t.name} | ${rps(t.key).toFixed(0)} | ${rs.map((r) => r.rps.toFixed(0)).join(', ')} | ${last.p50} | ${last.p99} | ${cpu(t.key).toFixed(1)} |`,
    );
  }
  const ratio = rps('orgwarden') / rps('bare');
  console.log(`\nratio orgwarden / bare: ${ratio.toFixed(3)} (target >= 0.6)`);
  console.log(
    `server CPU per request, bare / orgwarden: ${(cpu('bare') / cpu('orgwarden')).toFixed(3)} (the same ratio by CPU time, steadier on a shared machine)`,
  );
  console.log(
    `orgwarden at half load: ${half.rps.toFixed(0)} req/s achieved (asked ${halfRate.toFixed(0)}), p50 ${half.p50}, p99 ${half.p99} (target p99 <= 1 ms)`,
  );
  console.log(
    `bare endpoint at the same rate: ${bareHalf.rps.toFixed(0)} req/s achieved, p50 ${bareHalf.p50}, p99 ${bareHalf.p99} (the baseline of the p99)`,
  );
  if (opa)
    console.log(
      `ratio orgwarden / opa run --server: ${(rps('orgwarden') / rps('opa')).toFixed(2)}x (target >= 5x)`,
    );
} finally {
  await Promise.all(servers.map((s) => stopServer(s)));
}

async function start(command, args, options) {
  const [cmd, argv] = pinned(pin?.server, command, args);
  const server = await startServer(cmd, argv, options);
  servers.push(server);
  return server;
}

async function ask(port, route, payload) {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
  });
  if (res.status !== 200) throw new Error(`${route} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

function requireOpa() {
  try {
    const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'opa.mjs'), 'ensure'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const found = / at (\S+)\s*$/.exec(out.trim());
    if (!found) throw new Error(out);
    return found[1];
  } catch {
    console.error(
      'bench: --vs-opa needs the pinned OPA; install it with "npm run opa:ensure" (see docs/policies.md)',
    );
    process.exit(2);
  }
}

/**
 * The policy input orgwarden's engine evaluates for `doc`: the library's app (same config, same
 * directory) decides it once, and its active engine is asked to hand over what it was given.
 */
/** A logger method that drops what it is told. */
function ignore() {
  return undefined;
}

async function policyInputOf(doc) {
  const lib = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
  const cfg = lib.loadConfigFile(config, { env: { BENCH_SECRET } });
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  const app = await lib.createApp(cfg, {
    env: { BENCH_SECRET },
    stdout: quiet,
    logger: { debug: ignore, info: ignore, warn: ignore, error: ignore },
  });
  /** @type {unknown} */
  let captured = undefined;
  const engine = app.policy.current();
  const evaluate = engine.evaluate.bind(engine);
  engine.evaluate = (input) => {
    captured = structuredClone(input);
    return evaluate(input);
  };
  try {
    const answer = await app.authorizer.authorize(doc);
    if (!answer.ok) throw new Error(`the library refused the bench document: ${answer.message}`);
  } finally {
    engine.evaluate = evaluate;
    await app.stop();
  }
  if (captured === undefined)
    throw new Error('the engine was not asked: cannot build the OPA input');
  return captured;
}

async function startOpa(opaPath) {
  const port = await freePort();
  const args = [
    'run',
    '--server',
    '--addr',
    `127.0.0.1:${port}`,
    '--log-level',
    'error',
    '--bundle',
    '--ignore',
    '*_test.rego',
    path.join(root, 'policies'),
  ];
  return start(opaPath, args, { readyOn: () => waitForHealth(port).then(() => port) });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(port) {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('opa run --server did not become healthy within 10 s');
}
