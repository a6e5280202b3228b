// The suites a policy mutant is run against, and how one mutant is built and run. Each suite is
// `{ name, run(target) }`, where target is `{ policies, bundle, engine }` (the mutant's policy folder,
// its parsed bundle and a loaded engine) and run resolves to `{ killed, detail }`. Everything of
// orgwarden comes from the built dist/ (npm run build).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Suites in the order they run; `boundary` is left out (with a notice) when it is not built. */
export const SUITE_NAMES = ['rego', 'smoke', 'boundary'];

const firstLine = (text) => String(text).trim().split('\n')[0].slice(0, 300);

/** Loads the dist/ modules a run needs. */
export async function loadToolkit(root) {
  const dist = (file) => import(path.join(root, 'dist', file));
  const [opaCli, bundle, engine, smoke] = await Promise.all([
    dist('bundle/opa-cli.js'),
    dist('bundle/policy-bundle.js'),
    dist('engine/wasm-engine.js'),
    dist('policy-rollout/smoke-cases.js'),
  ]);
  return {
    root,
    opa: await opaCli.findOpa(),
    compilePolicyDir: opaCli.compilePolicyDir,
    parseBundle: bundle.parseBundle,
    createPolicyEngine: engine.createPolicyEngine,
    runSmokeCases: smoke.runSmokeCases,
  };
}

/** `opa test` over the mutant's folder: the hand-written Rego tests. */
function regoSuite(toolkit) {
  return {
    name: 'rego',
    async run({ policies }) {
      // One test at a time: mutants already run side by side, one per core.
      const args = ['test', '--bundle', '--format=json', '--timeout=120s', '--parallel=1', '.'];
      let stdout;
      try {
        ({ stdout } = await exec(toolkit.opa, args, { cwd: policies, maxBuffer: 64 << 20 }));
      } catch (error) {
        stdout = error.stdout ?? '';
        if (!stdout.trim().startsWith('[')) {
          // The policy compiled on its own, but the tests do not compile against it.
          return {
            killed: true,
            detail: `tests do not compile: ${firstLine(stdout.trim() ? stdout : error)}`,
          };
        }
      }
      const failed = JSON.parse(stdout).filter((r) => r.fail === true || r.error !== undefined);
      const names = failed.map((r) => r.name);
      const more = names.length > 3 ? ` and ${names.length - 3} more` : '';
      return { killed: failed.length > 0, detail: `${names.slice(0, 3).join(', ')}${more}` };
    },
  };
}

/** The smoke cases the policy carries in its data (the check every policy load runs). */
function smokeSuite(toolkit) {
  return {
    name: 'smoke',
    run({ engine, bundle }) {
      try {
        const report = toolkit.runSmokeCases(engine, bundle.data);
        return {
          killed: false,
          detail: `${Number(report.cases) + Number(report.builtin)} cases passed`,
        };
      } catch (error) {
        if (error?.code !== 'smoke_failed') throw error;
        return { killed: true, detail: firstLine(error.message) };
      }
    },
  };
}

/**
 * The generated org-boundary suite (dist/evidence/boundary/), when it is built: generated once from
 * the unmutated policy's data and the route manifest, run in process on each mutant's engine.
 * Returns `{ missing }` when the module is not there.
 */
async function boundarySuite(toolkit, policyData) {
  const dist = (file) => import(path.join(toolkit.root, 'dist', file));
  let boundary;
  let fixture;
  try {
    boundary = await dist('evidence/boundary/index.js');
    fixture = await dist('evidence/boundary/fixture.js');
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return { missing: 'dist/evidence/boundary/index.js is not built' };
  }
  const { parseRouteManifest } = await dist('surfaces/forward-auth/manifest.js');
  const { catalogueFromPolicyData } = await dist('contract/policy-catalogue.js');
  const manifest = path.join(toolkit.root, 'policies', 'routes.yaml');
  const routes = parseRouteManifest(
    readFileSync(manifest, 'utf8'),
    'policies/routes.yaml',
    catalogueFromPolicyData(policyData),
  ).routes;
  const suite = boundary.generateBoundarySuite({
    data: policyData,
    routes,
    tenancy: { default_org: 'default', org_header: 'X-Org-ID', org_cookie: 'org_id' },
  });
  const secret = fixture.fixtureSecret();
  return {
    name: 'boundary',
    async run({ engine }) {
      const { results } = await boundary.runBoundaryOnEngine(suite, engine, secret);
      const failed = results.filter((r) => !r.passed);
      const first = failed[0] ? `: ${failed[0].name}` : '';
      return { killed: failed.length > 0, detail: `${failed.length} of ${results.length}${first}` };
    },
  };
}

/**
 * The suites named in `names`, set up against the unmutated policy's data. A suite that cannot be
 * set up (the boundary suite before it is built) is reported in `skipped` with the reason.
 */
export async function setUpSuites(toolkit, names, policyData) {
  const suites = [];
  const skipped = [];
  for (const name of names) {
    if (name === 'rego') suites.push(regoSuite(toolkit));
    if (name === 'smoke') suites.push(smokeSuite(toolkit));
    if (name === 'boundary') {
      const suite = await boundarySuite(toolkit, policyData);
      if (suite.missing) skipped.push({ name, why: suite.missing });
      else suites.push(suite);
    }
  }
  return { suites, skipped };
}

/**
 * Builds the policy folder `files` describe (paths under policies/orgwarden, with the mutant's
 * change made) in a temporary directory, compiles and loads it, and runs every suite. Resolves
 * to `{ stillborn, suites: [{ name, killed, detail }] }`; stillborn (the compile or load error)
 * means no suite ran.
 */
export async function runPolicyVariant(toolkit, suites, changedFiles) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-mutant-'));
  const policies = path.join(work, 'policies');
  try {
    cpSync(path.join(toolkit.root, 'policies', 'orgwarden'), path.join(policies, 'orgwarden'), {
      recursive: true,
    });
    for (const [file, text] of changedFiles) {
      writeFileSync(path.join(policies, 'orgwarden', file), text);
    }
    let bundle;
    let engine;
    try {
      bundle = await toolkit.parseBundle(await toolkit.compilePolicyDir(policies), 'mutant');
    } catch (error) {
      return {
        stillborn: `compile: ${firstLine(error.message.replace(/^opa build of \S+ failed: (error: )?/, ''))}`,
      };
    }
    try {
      engine = await toolkit.createPolicyEngine(bundle);
    } catch (error) {
      return { stillborn: `load: ${firstLine(error.message)}` };
    }
    const results = [];
    for (const suite of suites) {
      results.push({ name: suite.name, ...(await suite.run({ policies, bundle, engine })) });
    }
    return { stillborn: null, suites: results };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
