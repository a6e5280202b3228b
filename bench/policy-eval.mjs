#!/usr/bin/env node
// Benchmark: one evaluation of the compiled policy, in process, per kind of decision.
//
// 1. The policy: the working tree's pack against a baseline revision's pack (--baseline), both
//    evaluated through this tree's engine, rounds alternating between them; prints µs per
//    evaluation and the ratio current / baseline.
// 2. The engine: for the working tree's pack, the engine's evaluate (what the decision core calls)
//    against opa-wasm's own evaluate of the same module and the module's opa_eval alone (the input
//    already in memory, the result left there): the wrapper's cost is the difference.
//
// Figures are CPU time of this process per evaluation (process.cpuUsage), the minimum over the
// rounds: on a shared machine wall time counts the time other processes held the core.
//
//   npm run build && node bench/policy-eval.mjs [--baseline REV] [--rounds 9] [--iterations 3000]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { buildBenchBundle } from './bench-bundle.mjs';
import { findInstalledOpa } from '../scripts/lib/opa-pin.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `Usage: npm run build && node bench/policy-eval.mjs [options]

  --baseline REV     also build the policy pack of git revision REV (needs the pinned OPA) and
                     compare the working tree's pack with it, in the same run
  --rounds N         rounds per measurement, alternating between what is compared (default 9)
  --iterations N     evaluations per round (default 3000)
  --help             this text

Prints CPU µs per evaluation (minimum over the rounds) for each input, the ratio to the baseline,
and the engine's cost against opa-wasm's evaluate and the module alone.`;

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '9' },
    iterations: { type: 'string', default: '3000' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
if (!(Number.isInteger(rounds) && rounds > 0 && Number.isInteger(iterations) && iterations > 0)) {
  console.error('bench: --rounds and --iterations take positive integers');
  process.exit(2);
}
if (!existsSync(path.join(root, 'dist', 'engine', 'wasm-engine.js'))) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}
const { loadPolicyBundle } = await import(path.join(root, 'dist', 'bundle', 'policy-bundle.js'));
const { createPolicyEngine } = await import(path.join(root, 'dist', 'engine', 'wasm-engine.js'));
const { DECISION_ENTRYPOINT } = await import(path.join(root, 'dist', 'bundle', 'entrypoints.js'));
const { isWellFormedDeep } = await import(path.join(root, 'dist', 'contract', 'ids.js'));
const { checkResultSet } = await import(path.join(root, 'dist', 'engine', 'decision-schema.js'));

const now = 1_700_000_000;
const base = {
  kind: 'request',
  now,
  tenancy: { multi_tenant: true, default_org: 'default' },
  authn: { ok: true },
  principal: { id: 'carol', kind: 'session', scopes: [], bound_orgs: null, auth_time: now - 60 },
  action: 'resource.read',
  requested_org: { id: 'acme', source: 'header' },
  resource: { type: 'node', id: 'n1', org: 'acme' },
  context: {},
  directory: {
    available: true,
    org: { exists: true, status: 'active' },
    member_role: 'editor',
    target_role: null,
    resource_org: null,
    resource_shares: [],
  },
};
const CASES = {
  'allow: editor reads a node': base,
  'allow: admin removes a member': {
    ...base,
    action: 'org.members.remove',
    resource: null,
    context: { target_user: 'dave' },
    directory: { ...base.directory, member_role: 'admin', target_role: 'viewer' },
  },
  'allow: owner transfers ownership': {
    ...base,
    action: 'org.ownership.transfer',
    resource: null,
    context: { target_user: 'bob' },
    directory: { ...base.directory, member_role: 'owner', target_role: 'admin' },
  },
  'allow: token lists orgs': {
    ...base,
    action: 'orgs.list',
    resource: null,
    principal: {
      id: 'tok',
      kind: 'api_token',
      scopes: ['*'],
      bound_orgs: ['acme', 'globex'],
      auth_time: null,
    },
    requested_org: { id: 'acme', source: 'token' },
  },
  'deny: unauthenticated': {
    ...base,
    authn: { ok: false, code: 'token_expired' },
    principal: null,
  },
  'deny: spoof (not a member)': {
    ...base,
    directory: { ...base.directory, member_role: null },
  },
  'deny: org id Default': { ...base, requested_org: { id: 'Default', source: 'header' } },
};

/** The baseline's policy pack, compiled by its own build script with the pinned OPA. */
function baselineBundle(rev) {
  const opa = findInstalledOpa();
  if (!opa) {
    console.error('bench: --baseline needs the pinned OPA (npm run opa:ensure)');
    process.exit(2);
  }
  const dir = path.join(root, '.build', `bench-baseline-${rev.replace(/[^A-Za-z0-9]/g, '_')}`);
  mkdirSync(dir, { recursive: true });
  console.log(`bench: building the policy pack of ${rev}...`);
  execFileSync(
    'sh',
    ['-c', `git -C "${root}" archive "${rev}" policies scripts | tar -x -C "${dir}"`],
    { stdio: 'inherit' },
  );
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'orgwarden-policy-eval-')), 'b.tar.gz');
  execFileSync(process.execPath, [path.join(dir, 'scripts', 'opa.mjs'), 'build', '--out', out], {
    stdio: 'inherit',
    env: { ...process.env, ORGWARDEN_OPA: opa.bin },
  });
  return out;
}

/** CPU µs per call of `run(n)` (which makes n evaluations): minimum over the rounds. */
function cpuPerEval(run) {
  const start = process.cpuUsage();
  run(iterations);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

function compare(label, contenders) {
  /** @type {number[][]} */
  const samples = contenders.map(() => []);
  for (const c of contenders) c.run(500); // warm up
  for (let r = 0; r < rounds; r += 1)
    contenders.forEach((c, i) => samples[i].push(cpuPerEval(c.run)));
  const best = samples.map((xs) => Math.min(...xs));
  const cells = contenders.map((c, i) => `${c.name} ${best[i].toFixed(1).padStart(5)} µs`);
  const ratio = best.length > 1 ? `   ratio ${(best[0] / best[best.length - 1]).toFixed(2)}` : '';
  console.log(`${label.padEnd(34)} ${cells.join('   ')}${ratio}`);
  return best;
}

const engineOf = async (bundle) => createPolicyEngine(await loadPolicyBundle({ bundle }));
const current = await loadPolicyBundle({ bundle: buildBenchBundle(root, 'policy-eval').bundle });
const engines = { current: await createPolicyEngine(current) };
if (values.baseline) engines.baseline = await engineOf(baselineBundle(values.baseline));

const reasonOf = (engine, input) => {
  const result = engine.evaluate(input);
  return result.ok ? result.decision.reason : `error: ${result.error}`;
};
const evaluations = (engine, input) => (n) => {
  for (let i = 0; i < n; i += 1) engine.evaluate(input);
};

console.log(
  `CPU µs per evaluation, minimum of ${rounds} rounds of ${iterations} (rounds alternate)\n`,
);
if (values.baseline) {
  console.log(`1. the policy: working tree against ${values.baseline} (through this engine)`);
  for (const [label, input] of Object.entries(CASES)) {
    const reasons = [reasonOf(engines.current, input), reasonOf(engines.baseline, input)];
    if (reasons[0] !== reasons[1]) {
      console.error(`bench: the packs disagree on "${label}": ${reasons.join(' vs ')}`);
      process.exit(1);
    }
    compare(`${label} (${reasons[0]})`, [
      { name: 'current', run: evaluations(engines.current, input) },
      { name: 'baseline', run: evaluations(engines.baseline, input) },
    ]);
  }
  console.log('   (ratio = current / baseline)\n');
}

// The same module four ways: the engine; the engine as it was before its direct path (the walk
// over the input, opa-wasm's evaluate, the checks on the parsed result); opa-wasm's evaluate
// alone; and opa_eval alone.
const library = await loadPolicy(current.wasm, { initial: 5, maximum: 1024 });
library.setData(current.data);
const moduleAlone = (input) => {
  const bytes = new TextEncoder().encode(JSON.stringify(input));
  const opaEval = library.wasmInstance.exports.opa_eval;
  const id = library.entrypoints[DECISION_ENTRYPOINT];
  return (n) => {
    for (let i = 0; i < n; i += 1) {
      const at = Number(library.dataHeapPtr);
      new Uint8Array(library.mem.buffer).set(bytes, at);
      opaEval(0, id, library.dataAddr, at, bytes.length, at + bytes.length, 0);
    }
  };
};
console.log(`${values.baseline ? '2' : '1'}. the engine against opa-wasm, the working tree's pack`);
/** @type {number[]} */
const totals = [0, 0, 0, 0];
for (const [label, input] of Object.entries(CASES)) {
  const best = compare(label, [
    { name: 'engine', run: evaluations(engines.current, input) },
    {
      name: 'engine before',
      run: (n) => {
        for (let i = 0; i < n; i += 1)
          if (isWellFormedDeep(input)) checkResultSet(library.evaluate(input, DECISION_ENTRYPOINT));
      },
    },
    {
      name: 'opa-wasm evaluate',
      run: (n) => {
        for (let i = 0; i < n; i += 1) library.evaluate(input, DECISION_ENTRYPOINT);
      },
    },
    { name: 'opa_eval alone', run: moduleAlone(input) },
  ]);
  best.forEach((b, i) => (totals[i] = Number(totals[i]) + b));
}
const n = Object.keys(CASES).length;
console.log(
  `   mean over the inputs: engine ${(totals[0] / n).toFixed(1)} µs, engine before ` +
    `${(totals[1] / n).toFixed(1)} µs, opa-wasm evaluate ${(totals[2] / n).toFixed(1)} µs, ` +
    `opa_eval alone ${(totals[3] / n).toFixed(1)} µs (ratio = engine / opa_eval alone)`,
);
