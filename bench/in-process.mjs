#!/usr/bin/env node
// Benchmark: the decision core in process (library mode), as a Node service embeds it: the
// library's `createApp(config, deps).authorizer.authorize(body)` with no HTTP server started. Each
// decision includes authentication (HS256 JWT, served from the verified-token cache after the
// first), the directory slice (file directory, in memory), the policy (compiled WASM), the
// decision id, the metrics observer and, unless --decision-log off, the decision log observer
// (its JSON lines go to a stream that discards them). Two authorizers run side by side in the same
// process, the decision memo on (the defaults) and off (`policy.memo_entries: 0`, the baseline),
// alternating round by round. Prints median and p99 µs per decision and the ratio off / on.
//
//   npm run build && node bench/in-process.mjs [--rounds 5] [--decisions 20000] [--decision-log on|off]
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildBenchBundle } from './bench-bundle.mjs';
import { signBenchToken } from './bench-http.mjs';
import { libraryApp } from './library-app.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    decisions: { type: 'string', default: '10000' },
    'decision-log': { type: 'string', default: 'on' },
    baseline: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(`Usage: npm run build && node bench/in-process.mjs [options]

Times authorizer.authorize(body) and authorizer.decide(request) in process (library mode),
the decision memo on and off, alternating in one process.
  --rounds N          rounds per scenario and setting (default 5)
  --decisions N       decisions per round (default 10000)
  --decision-log X    on (default: the log observer runs, its lines are discarded) or off
  --baseline DIR      instead of memo off, compare with the build of another checkout (DIR/dist,
                      memo at its defaults): this build against DIR's, alternating in one process
Needs a build (npm run build); needs OPA only when policies/ changed since the prebuilt bundle.`);
  process.exit(0);
}
const rounds = Number(values.rounds);
const perRound = Number(values.decisions);
const decisionLog = values['decision-log'];
if (!(rounds >= 1) || !(perRound >= 100) || !['on', 'off'].includes(decisionLog)) {
  console.error('bench: --rounds >= 1, --decisions >= 100, --decision-log on|off');
  process.exit(2);
}
if (!existsSync(path.join(root, 'dist', 'index.js'))) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}
const baselineDist = values.baseline ? path.resolve(values.baseline, 'dist', 'index.js') : null;
if (baselineDist && !existsSync(baselineDist)) {
  console.error(`bench: --baseline: ${baselineDist} does not exist (build that checkout first)`);
  process.exit(2);
}
const library = await import(path.join(root, 'dist', 'index.js'));
/** The two settings compared: on/off are the memo, or this build and the baseline's. */
const LABELS = baselineDist
  ? { on: 'this build', off: 'baseline' }
  : { on: 'memo on', off: 'memo off' };

const PRINCIPALS = 50;
const users = Array.from({ length: PRINCIPALS }, (_, i) => `user-${String(i).padStart(2, '0')}`);
const { work, bundle } = buildBenchBundle(root, 'in-process');
const directoryFile = path.join(work, 'directory.yaml');
writeFileSync(
  directoryFile,
  `orgs:
  - id: default
    status: active
    members: []
  - id: acme
    status: active
    members:
${users.map((u, i) => `      - { user: ${u}, role: ${i % 2 ? 'viewer' : 'editor'} }`).join('\n')}
`,
);

const authorizerWith = (memoEntries, build = library) =>
  libraryApp(build, {
    bundle,
    directory: directoryFile,
    policy: { memo_entries: memoEntries },
    decisionLog: decisionLog === 'on' ? 'stdout' : 'none',
  });

const tokens = await Promise.all(users.map((user) => signBenchToken(user)));
let distinct = 0;
const SCENARIOS = [
  {
    name: 'repeated request (one principal, the same request)',
    question: () => questionFor(tokens[0], 'n1'),
  },
  {
    name: 'distinct requests (every input new: a new resource id each time)',
    question: () => questionFor(tokens[0], `d${distinct++}`),
  },
  {
    name: '50 principals, round robin (each repeats its request)',
    question: (i) => questionFor(tokens[i % PRINCIPALS], 'n1'),
  },
  {
    name: '50 principals, every input new',
    question: (i) => questionFor(tokens[i % PRINCIPALS], `d${distinct++}`),
  },
];

/**
 * The two library entries: `authorize(body)` parses the `POST /v1/authorize` document first (as
 * the HTTP route does); `decide(request)` takes the normalised request (contract/decision-request.ts).
 */
const ENTRIES = {
  'authorize(body)': (app, q) => app.authorizer.authorize(q.body),
  'decide(request)': (app, q) => app.authorizer.decide(q.request),
};
function questionFor(token, resourceId) {
  return {
    body: {
      token,
      org: 'acme',
      action: 'resource.read',
      resource: { type: 'node', id: resourceId, org: 'acme' },
    },
    request: {
      kind: 'request',
      token,
      named_org: { id: 'acme', source: 'field' },
      action: 'resource.read',
      resource: { type: 'node', id: resourceId, org: 'acme' },
      context: {},
    },
  };
}

const apps = {
  on: await authorizerWith(10_000),
  off: baselineDist
    ? await authorizerWith(10_000, await import(baselineDist))
    : await authorizerWith(0),
};

const YIELD_EVERY = 64;
async function round(app, entry, scenario, samples, cpu = []) {
  let allowed = 0;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < perRound; i++) {
    const question = scenario.question(i);
    const started = performance.now();
    const answer = await entry(app, question);
    samples.push(performance.now() - started);
    const decision = answer.ok === undefined ? answer : answer.ok ? answer.value : null;
    if (decision?.allow) allowed++;
    // A turn of the event loop now and then, outside the timed call, as a server's traffic gives
    // it: the decision log's drain runs there, so its lines are written, not dropped when its
    // buffer fills.
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
  }
  // CPU per decision over the round: the timed calls and what runs between them (the drain).
  const used = process.cpuUsage(cpuBefore);
  cpu.push((used.user + used.system) / perRound);
  if (allowed !== perRound)
    throw new Error(`bench: ${perRound - allowed} decisions were not allowed`);
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const us = (ms) => (ms * 1000).toFixed(1).padStart(6);
async function memoLookups(app) {
  const metric = app.metrics.registry.getSingleMetric('orgwarden_decision_memo_lookups_total');
  const values = (await metric.get()).values;
  return Object.fromEntries(values.map((v) => [v.labels.outcome, v.value]));
}
async function counterTotal(app, name) {
  const values = (await app.metrics.registry.getSingleMetric(name).get()).values;
  let total = 0;
  for (const v of values) total += Number(v.value);
  return total;
}
const progress = (text) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
};

console.log(
  `in-process decisions, library mode: authn (HS256 JWT, verified-token cache) + directory slice (file directory, in memory) + policy (compiled WASM) + decision id + metrics observer + decision log observer ${decisionLog === 'on' ? 'ON (JSON lines written to a stream that discards them)' : 'OFF'}`,
);
console.log(
  baselineDist
    ? `${rounds} rounds × ${perRound} decisions per scenario, entry and setting; this build and the baseline (${String(values.baseline)}), memo at the defaults, alternating in one process\n`
    : `${rounds} rounds × ${perRound} decisions per scenario, entry and setting; memo on (defaults) and off (policy.memo_entries: 0, the baseline) alternating in one process\n`,
);
progress('warming up...');
for (const setting of ['on', 'off'])
  for (const entry of Object.values(ENTRIES))
    for (const scenario of SCENARIOS) await round(apps[setting], entry, scenario, []);

const rows = [];
for (const scenario of SCENARIOS) {
  console.log(scenario.name);
  for (const [entryName, entry] of Object.entries(ENTRIES)) {
    const samples = { on: [], off: [] };
    const cpu = { on: [], off: [] };
    for (let r = 0; r < rounds; r++) {
      progress(`  ${entryName}: round ${r + 1}/${rounds}`);
      const order = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const setting of order)
        await round(apps[setting], entry, scenario, samples[setting], cpu[setting]);
    }
    progress('');
    const f = {};
    for (const setting of ['on', 'off']) {
      const sorted = samples[setting].sort((a, b) => a - b);
      f[setting] = {
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        cpu: quantile(
          [...cpu[setting]].sort((a, b) => a - b),
          0.5,
        ),
      };
    }
    rows.push({ scenario: scenario.name, entry: entryName, f });
    const { on, off } = LABELS;
    console.log(
      `  ${entryName.padEnd(16)} ${on}: median ${us(f.on.p50)} µs  p99 ${us(f.on.p99)} µs  CPU ${f.on.cpu.toFixed(1)} µs | ${off}: median ${us(f.off.p50)} µs  p99 ${us(f.off.p99)} µs  CPU ${f.off.cpu.toFixed(1)} µs | ${off}/${on} ${(f.off.p50 / f.on.p50).toFixed(2)}× median, ${(f.off.p99 / f.on.p99).toFixed(2)}× p99, ${(f.off.cpu / f.on.cpu).toFixed(2)}× CPU`,
    );
  }
}
const lookups = await memoLookups(apps.on);
console.log(`\nmemo lookups (${LABELS.on}, whole run): hit ${lookups.hit}, miss ${lookups.miss}`);
if (decisionLog === 'on') {
  for (let t = 0; t < 3; t++) await nextTurn(); // the last drain writes and is confirmed
  for (const setting of ['on', 'off']) {
    const dropped = await counterTotal(apps[setting], 'orgwarden_decision_log_dropped_total');
    const written = await counterTotal(apps[setting], 'orgwarden_decision_log_written_total');
    console.log(`decision log (${LABELS[setting]}): ${written} lines written, ${dropped} dropped`);
  }
}
console.log(
  'targets (issue 11): repeated request median ≤ 10 µs (memo on); a request not seen before median ≤ 25 µs (distinct requests)',
);
for (const setting of ['on', 'off']) await apps[setting].stop();
