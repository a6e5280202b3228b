#!/usr/bin/env node
// Benchmark: the compiled policy alone (WASM, in process, through the engine), per kind of
// decision, for the working tree's policy pack and optionally a baseline revision's, in the same
// run. Prints the median µs per evaluation over several rounds.
//
//   npm run build && node bench/policy-eval.mjs [--baseline REV] [--rounds 7] [--iterations 20000]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBenchBundle } from './bench-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '7' },
    iterations: { type: 'string', default: '20000' },
  },
});
if (!existsSync(path.join(root, 'dist', 'engine', 'wasm-engine.js'))) {
  console.error('bench: run "npm run build" first');
  process.exit(2);
}
const { loadPolicyBundle } = await import(path.join(root, 'dist', 'bundle', 'policy-bundle.js'));
const { createPolicyEngine } = await import(path.join(root, 'dist', 'engine', 'wasm-engine.js'));

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
  'deny: org id Default': { ...base, requested_org: { id: 'Default', source: 'header' } },
};

/** The baseline's policies and build script, checked out into a scratch folder. */
function baselineRoot(rev) {
  const dir = path.join(root, '.build', `bench-baseline-${rev.replace(/[^A-Za-z0-9]/g, '_')}`);
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'sh',
    ['-c', `git -C "${root}" archive "${rev}" policies scripts | tar -x -C "${dir}"`],
    { stdio: 'inherit' },
  );
  return dir;
}

async function engineFrom(packRoot, name) {
  const { bundle } = buildBenchBundle(packRoot, name);
  return createPolicyEngine(await loadPolicyBundle({ bundle }));
}

function measure(engine, input, iterations) {
  for (let i = 0; i < 2000; i += 1) engine.evaluate(input);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) engine.evaluate(input);
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const engines = { current: await engineFrom(root, 'policy-eval') };
if (values.baseline)
  engines[`baseline ${values.baseline}`] = await engineFrom(
    baselineRoot(values.baseline),
    'policy-eval-baseline',
  );

const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
console.log(
  `median µs per evaluation, ${rounds} rounds of ${iterations} (rounds alternate between the policies)`,
);
for (const [label, input] of Object.entries(CASES)) {
  const samples = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
  for (let r = 0; r < rounds; r += 1)
    for (const [k, engine] of Object.entries(engines))
      samples[k].push(measure(engine, input, iterations));
  const cells = Object.entries(samples).map(([k, xs]) => {
    const result = engines[k].evaluate(input);
    return `${k}: ${median(xs).toFixed(1)} µs (${result.ok ? result.decision.reason : 'error'})`;
  });
  console.log(`${label.padEnd(36)} ${cells.join('   ')}`);
}
