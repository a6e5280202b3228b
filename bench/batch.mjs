#!/usr/bin/env node
// Benchmark: decisions per second through POST /v1/authorize/batch (real policy, real JWTs, a
// generated file directory, decision log on stdout as shipped, metrics on), for two batches of
// 1000 items: one over 50 distinct principals (each item repeated 20 times), and one where every
// item is distinct (its own principal and resource). The baseline, measured in the same run, is
// one decision per request on POST /v1/authorize (the same 50 principals, round robin). Each row
// also gives the CPU per decision of the sidecar's processes (a cluster's primary included) and of
// this script draining their decision log, so what the cores' budget goes to is on record.
//
//   npm run build && node bench/batch.mjs [--duration 10] [--connections 4] [--workers N]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBenchBundle } from './bench-bundle.mjs';
import {
  BENCH_AUTH,
  BENCH_SECRET,
  corePinning,
  cpuProfileArgs,
  positiveOption,
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
const HELP = `Usage: node bench/batch.mjs [options]          (needs wrk; run "npm run build" first)

  --duration SECONDS   each wrk measurement (default 10)
  --connections N      wrk connections (default 4)
  --items N            items per batch (default 1000, the contract's maximum)
  --principals N       distinct principals of the repeated batch (default 50)
  --workers N          write server.workers: N into the config (only when N > 1; not pinned then)
  --cpu-prof DIR       run orgwarden under node --cpu-prof, profile written to DIR on exit
  --help               this text

Prints decisions/s for each batch and the ratio to one decision per request, same run.`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '4' },
    items: { type: 'string', default: '1000' },
    principals: { type: 'string', default: '50' },
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
const items = positiveOption(values, 'items');
const principals = positiveOption(values, 'principals');
const workers = positiveOption(values, 'workers');
requireWrk();
requireBuild(root);

const { work, bundle } = buildBenchBundle(root, 'batch');
const users = Array.from({ length: Math.max(items, principals) }, (_, i) => `user-${i}`);
const directory = path.join(work, 'directory.yaml');
writeFileSync(
  directory,
  `orgs:\n  - id: default\n    status: active\n    members: []\n  - id: acme\n    status: active\n    members:\n${users.map((u) => `      - { user: ${u}, role: editor }`).join('\n')}\n`,
);
const config = path.join(work, 'orgwarden.yaml');
writeFileSync(
  config,
  `${serverSection(workers)}
tenancy: {multi_tenant: true}
${BENCH_AUTH}
directory: {file: ${JSON.stringify(directory)}}
policy: {bundle: ${JSON.stringify(bundle)}}
`,
);
console.log(`bench: signing ${users.length} tokens...`);
const tokens = await Promise.all(users.map((u) => signBenchToken(u)));
const item = (t, id) => ({
  token: tokens[t],
  org: 'acme',
  action: 'resource.read',
  resource: { type: 'node', id, org: 'acme' },
});
const repeated = Array.from({ length: items }, (_, i) => item(i % principals, 'n1'));
const distinct = Array.from({ length: items }, (_, i) => item(i, `n-${i}`));
const pin = corePinning(os.availableParallelism(), workers);

const nodeArgs = cpuProfileArgs(values['cpu-prof']);
const [command, args] = pinned(pin?.server, 'node', [
  ...nodeArgs,
  path.join(root, 'dist', 'cli', 'main.js'),
  'serve',
  '--config',
  config,
]);
const server = await startServer(command, args, { env: { BENCH_SECRET } });
const base = `http://127.0.0.1:${server.port}`;
try {
  for (const { name, batch } of [
    { name: 'repeated', batch: repeated },
    { name: 'distinct', batch: distinct },
  ]) {
    const res = await fetch(`${base}/v1/authorize/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: batch }),
    });
    const answer = await res.json();
    const denied = (answer.results ?? []).filter((r) => !r.allow);
    if (res.status !== 200 || answer.results.length !== items || denied.length > 0)
      throw new Error(
        `${name} batch: not every item is allowed: ${JSON.stringify(denied[0] ?? answer)}`,
      );
  }
  const scenarios = [
    {
      name: `one decision per request (/v1/authorize, ${principals} principals)`,
      key: 'single',
      decisions: 1,
      path: '/v1/authorize',
      // wrk sends one body: the baseline asks for the first principal's decision each time
      body: JSON.stringify(repeated[0]),
    },
    {
      name: `batch of ${items} over ${principals} principals`,
      key: 'repeated',
      decisions: items,
      path: '/v1/authorize/batch',
      body: JSON.stringify({ items: repeated }),
    },
    {
      name: `batch of ${items}, every item distinct`,
      key: 'distinct',
      decisions: items,
      path: '/v1/authorize/batch',
      body: JSON.stringify({ items: distinct }),
    },
  ];
  const measure = async (s, label, duration) => {
    const script = wrkScript(path.join(work, `${label}.lua`), s.body);
    const conns = s.key === 'single' ? 16 : connections;
    const readerBefore = process.cpuUsage();
    const r = await runWrk({
      url: `${base}${s.path}`,
      script,
      seconds: duration,
      connections: conns,
      load: pin?.load,
      label,
      pid: server.child.pid,
    });
    if (r.non2xx > 0) throw new Error(`${label}: ${r.non2xx} non-2xx responses`);
    const reader = process.cpuUsage(readerBefore);
    return {
      ...r,
      perSecond: r.rps * s.decisions,
      // µs of CPU per decision: the sidecar's processes, and this script reading their decision log
      serverUs: r.cpuUsPerRequest / s.decisions,
      readerUs: (reader.user + reader.system) / (r.requests * s.decisions),
    };
  };
  for (const s of scenarios) await measure(s, `${s.key}-warmup`, 2);
  const results = new Map();
  for (const s of scenarios) results.set(s.key, await measure(s, s.key, seconds));
  console.log(
    '\n| load | requests/s | decisions/s | p50 | p99 | sidecar CPU µs/decision | log reading CPU µs/decision |\n| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of scenarios) {
    const r = results.get(s.key);
    console.log(
      `| ${s.name} | ${r.rps.toFixed(1)} | ${r.perSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.serverUs.toFixed(1)} | ${r.readerUs.toFixed(1)} |`,
    );
  }
  const cores = os.availableParallelism();
  console.log(
    `(sidecar CPU: the server's processes, its cluster primary included; log reading: this script draining their stdout, the decision log, as a log shipper would. At the sidecar's own CPU per decision, ${cores} cores would decide ${((cores * 1e6) / results.get('repeated').serverUs).toFixed(0)}/s over ${principals} principals and ${((cores * 1e6) / results.get('distinct').serverUs).toFixed(0)}/s distinct, with nothing else running.)`,
  );
  const single = results.get('single').perSecond;
  console.log(
    `\nbatch over ${principals} principals: ${results.get('repeated').perSecond.toFixed(0)} decisions/s, ${(results.get('repeated').perSecond / single).toFixed(2)}x one per request (target >= 100 000/s on 2 cores)`,
  );
  console.log(
    `batch, every item distinct: ${results.get('distinct').perSecond.toFixed(0)} decisions/s, ${(results.get('distinct').perSecond / single).toFixed(2)}x one per request (target >= 40 000/s on 2 cores)`,
  );
  console.log(`(server processes: ${workers}${pin ? ', pinned to core 0' : ''})`);
} finally {
  await stopServer(server);
}
