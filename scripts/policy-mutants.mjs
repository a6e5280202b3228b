#!/usr/bin/env node
// Mutation testing of the policy pack: makes small semantic changes ("mutants") to the Rego of
// policies/orgwarden/authz (never the tests), compiles each with the pinned OPA and runs the suites
// against it. A suite kills a mutant when it fails on it. Needs dist/ (npm run build) and OPA.
// `npm run mutation -- --help` for usage.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOptions, USAGE, UsageError } from './mutation/options.mjs';
import { loadToolkit, runPolicyVariant, setUpSuites } from './mutation/suites.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POLICY_PACK = path.join(ROOT, 'policies', 'orgwarden');
const MUTATION_MODULE = path.join(ROOT, 'dist', 'evidence', 'mutation', 'index.js');

/** Every file of the policy pack under policies/orgwarden, keyed by its path there. */
function readPolicyFiles() {
  const files = new Map();
  for (const entry of readdirSync(POLICY_PACK, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.rego')) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(
      path.relative(POLICY_PACK, full).split(path.sep).join('/'),
      readFileSync(full, 'utf8'),
    );
  }
  return files;
}

function chooseMutants(mutation, all, options) {
  if (options.only) {
    const byId = new Map(all.map((m) => [m.id, m]));
    const missing = options.only.filter((id) => !byId.has(id));
    if (missing.length) throw new UsageError(`--only: no mutant ${missing.join(', ')}`);
    return options.only.map((id) => byId.get(id));
  }
  const ofOperators = options.operators
    ? all.filter((m) => options.operators.includes(m.operator))
    : all;
  return mutation.sampleMutants(ofOperators, options.limit ?? ofOperators.length, options.seed);
}

/** Runs `work` over `items`, `jobs` at a time, in order of start. */
async function pool(items, jobs, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

function describeOutcome(outcome) {
  if (outcome.stillborn !== null) return `stillborn (${outcome.stillborn})`;
  return outcome.killedBy.length ? `killed by ${outcome.killedBy.join(', ')}` : 'survived';
}

function printSummary(mutation, summary, { generated, suites, skipped, outcomes }) {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`mutants: ${generated} generated, ${summary.run} run`);
  out(`stillborn (do not compile or load): ${summary.stillborn}`);
  for (const suite of suites) out(`killed by ${suite}: ${summary.killedBySuite[suite]}`);
  for (const { name, why } of skipped) out(`killed by ${name}: not run (${why})`);
  out(`killed (by any suite): ${summary.killed}`);
  out(`survived: ${summary.survived}`);
  out(
    `score: ${summary.score === null ? 'n/a' : `${summary.score}%`} (killed / (run - stillborn))`,
  );
  out('by operator (run / stillborn / killed / survived):');
  for (const [operator, c] of Object.entries(summary.byOperator)) {
    out(`  ${operator.padEnd(13)} ${c.run} / ${c.stillborn} / ${c.killed} / ${c.survived}`);
  }
  const survivors = outcomes.filter((o) => mutation.mutantStatus(o) === 'survived');
  if (survivors.length) out('survivors (equivalent, or a gap in the suites):');
  for (const s of survivors) {
    out(`  ${s.id}  ${s.description}`);
    out(mutation.mutantDiff(s).replace(/^/gm, '      '));
  }
}

async function main(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!existsSync(MUTATION_MODULE))
    throw new Error(
      `${path.relative(ROOT, MUTATION_MODULE)} is missing: run "npm run build" first`,
    );
  const mutation = await import(MUTATION_MODULE);
  const options = readOptions(argv, mutation.MUTATION_OPERATORS);
  const files = readPolicyFiles();
  const all = mutation.generatePolicyMutants(files);
  const chosen = chooseMutants(mutation, all, options);
  if (options.list) {
    for (const m of chosen) process.stdout.write(`${m.id}  ${m.description}\n`);
    return 0;
  }

  const toolkit = await loadToolkit(ROOT);
  const original = await toolkit.parseBundle(
    await toolkit.compilePolicyDir(path.dirname(POLICY_PACK)),
    'policies',
  );
  const { suites, skipped } = await setUpSuites(toolkit, options.suites, original.data);
  for (const { name, why } of skipped) console.error(`notice: suite ${name} skipped: ${why}`);
  const names = suites.map((s) => s.name);

  // A suite that fails on the policy as it is would "kill" every mutant and prove nothing.
  const baseline = await runPolicyVariant(toolkit, suites, new Map());
  const failing = (baseline.suites ?? []).filter((s) => s.killed);
  if (baseline.stillborn !== null || failing.length)
    throw new Error(
      `the suites must pass on the unmutated policy first: ${baseline.stillborn ?? failing.map((s) => `${s.name} (${s.detail})`).join('; ')}`,
    );
  console.error(
    `${chosen.length} of ${all.length} mutants; suites: ${names.join(', ')}; ${options.jobs} at a time`,
  );

  let done = 0;
  const started = Date.now();
  const outcomes = await pool(chosen, options.jobs, async (mutant) => {
    const changed = mutant.apply(files);
    const result = await runPolicyVariant(
      toolkit,
      suites,
      new Map([[mutant.file, changed.get(mutant.file)]]),
    );
    const { apply: _apply, ...data } = mutant;
    const outcome = {
      ...data,
      stillborn: result.stillborn,
      killedBy: (result.suites ?? []).filter((s) => s.killed).map((s) => s.name),
      suites: result.suites ?? [],
    };
    done += 1;
    console.error(
      `[${done}/${chosen.length}] ${mutant.file}:${mutant.line} ${mutant.operator} … ${describeOutcome(outcome)}`,
    );
    return outcome;
  });

  const summary = mutation.summariseMutationRun(outcomes, names);
  printSummary(mutation, summary, { generated: all.length, suites: names, skipped, outcomes });
  console.error(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  if (options.json) {
    const report = {
      generated: all.length,
      selection: options.only
        ? { only: options.only }
        : {
            limit: options.limit ?? null,
            seed: options.seed,
            operators: options.operators ?? null,
          },
      suites: names,
      skipped,
      summary,
      mutants: outcomes,
    };
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
