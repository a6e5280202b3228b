#!/usr/bin/env node
// Policy toolchain: finds (or installs) the pinned OPA and runs it over policies/.
// Plain Node ESM, no dependencies. `node scripts/opa.mjs --help` for usage.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  BUNDLE_MODE,
  ENTRYPOINTS,
  findInstalledOpa,
  LOCAL_OPA,
  OPA_VERSION,
  opaBuildArgs,
  opaVersion,
  POLICY_DIR,
  REPO,
  TOOLS_BIN,
} from './lib/opa-pin.mjs';
import {
  PREBUILT_BUNDLE,
  PREBUILT_RECORD,
  policySourceDigest,
  writePrebuiltRecord,
} from './lib/prebuilt-policy.mjs';

// Minimum line coverage of the policy files (test files excluded), in percent.
const COVERAGE_THRESHOLD = 90;

const EXE = process.platform === 'win32' ? '.exe' : '';
const DEFAULT_OUT = path.join('.build', 'bundle.tar.gz');
const OPA_MODULE = `github.com/open-policy-agent/opa@v${OPA_VERSION}`;
const CLI = path.join(REPO, 'dist', 'cli', 'main.js');

const USAGE = `Usage: node scripts/opa.mjs <command> [options]

Runs the pinned OPA (v${OPA_VERSION}) over ${POLICY_DIR}/.

Commands:
  ensure              find or install OPA v${OPA_VERSION}; print its path and version
  fmt [--write]       fail when a policy file is not formatted (opa fmt); --write fixes them
  check               compile the policies strictly (opa check --strict)
  test                run the policy tests with coverage; fail on a failing test or
                      under ${COVERAGE_THRESHOLD}% coverage of the policy files
  build [--out FILE]  compile a WASM bundle (entrypoints: ${ENTRYPOINTS.join(', ')})
                      to FILE (default ${DEFAULT_OUT}); test files are left out
  prebuild            compile the committed prebuilt bundle (${path.relative(REPO, PREBUILT_BUNDLE)}) that
                      npm start and the unit tests use without OPA, check it loads and passes
                      its smoke cases (needs dist/: npm run build), and record its sources and
                      revision in ${path.relative(REPO, PREBUILT_RECORD)}

Where OPA comes from, first match wins:
  1. ORGWARDEN_OPA (path to an opa binary)
  2. .tools/bin/opa, when it is v${OPA_VERSION}
  3. opa on PATH, when it is v${OPA_VERSION}
  4. GOBIN=.tools/bin go install ${OPA_MODULE}
`;

class ToolError extends Error {}

/** @returns {never} */
function fail(message) {
  throw new ToolError(message);
}

function installHint() {
  return (
    `OPA v${OPA_VERSION} is required and was not found. Install Go (https://go.dev/dl/) and run ` +
    `"npm run opa:ensure", or put the v${OPA_VERSION} binary from ` +
    `https://github.com/open-policy-agent/opa/releases/tag/v${OPA_VERSION} at .tools/bin/opa${EXE}, ` +
    `or set ORGWARDEN_OPA to its path.`
  );
}

/** Finds the pinned OPA, installing it with `go install` as a last resort. */
function ensureOpa() {
  const fromEnv = process.env.ORGWARDEN_OPA;
  if (fromEnv) {
    // An explicit choice is used as given, never silently replaced.
    const version = opaVersion(fromEnv);
    if (version === null) fail(`ORGWARDEN_OPA=${fromEnv} is not a runnable opa binary.`);
    if (version !== OPA_VERSION) {
      console.error(
        `warning: ORGWARDEN_OPA is OPA ${version}; the policies are pinned to ${OPA_VERSION}.`,
      );
    }
    return { bin: fromEnv, version };
  }
  const installed = findInstalledOpa();
  if (installed) return installed;

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) fail(installHint());
  console.error(`installing OPA v${OPA_VERSION} with go install (about 2 minutes)...`);
  mkdirSync(TOOLS_BIN, { recursive: true });
  const install = spawnSync('go', ['install', OPA_MODULE], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: TOOLS_BIN },
  });
  if (install.error || install.status !== 0 || opaVersion(LOCAL_OPA) !== OPA_VERSION) {
    fail(`go install ${OPA_MODULE} failed. ${installHint()}`);
  }
  return { bin: LOCAL_OPA, version: OPA_VERSION };
}

/** Runs opa from the repository root (or `cwd`); output is captured unless `inherit`. */
function runOpa(opa, args, { inherit = false, cwd = REPO } = {}) {
  const result = spawnSync(opa.bin, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: inherit ? 'inherit' : 'pipe',
  });
  if (result.error) fail(`could not run ${opa.bin}: ${result.error.message}`);
  return result;
}

function printCaptured(result) {
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
}

function cmdEnsure(opa) {
  console.log(`opa ${opa.version} at ${opa.bin}`);
}

function cmdFmt(opa, args) {
  const write = args.includes('--write');
  if (write) {
    // opa fmt --list does not write, so list first, then write.
    const listed = runOpa(opa, ['fmt', '--list', POLICY_DIR]);
    const result = runOpa(opa, ['fmt', '--write', POLICY_DIR]);
    if (listed.status !== 0 || result.status !== 0) {
      printCaptured(listed);
      printCaptured(result);
      fail('opa fmt --write failed.');
    }
    const changed = listed.stdout.split('\n').filter(Boolean);
    console.log(
      changed.length ? `formatted:\n  ${changed.join('\n  ')}` : 'policy files already formatted',
    );
    return;
  }
  const result = runOpa(opa, ['fmt', '--list', '--fail', POLICY_DIR]);
  const files = result.stdout.split('\n').filter(Boolean);
  if (result.status !== 0 || files.length) {
    if (!files.length && result.stderr) process.stderr.write(result.stderr);
    fail(
      files.length
        ? `not formatted (run "npm run policy:fmt -- --write"):\n  ${files.join('\n  ')}`
        : 'opa fmt failed.',
    );
  }
  console.log('policy files formatted');
}

function cmdCheck(opa) {
  const result = runOpa(opa, ['check', '--strict', BUNDLE_MODE, POLICY_DIR]);
  printCaptured(result);
  if (result.status !== 0) fail('opa check --strict failed.');
  console.log('policy check passed (strict)');
}

/**
 * The parts of `opa test --format=json` and `opa test --coverage` reports read here.
 * @typedef {{ package: string, name: string, fail?: boolean, skip?: boolean, error?: { message?: string },
 *   location?: { file: string, row: number }, sub_results?: Record<string, OpaTestResult> }} OpaTestResult
 * @typedef {{ start: { row: number }, end: { row: number } }} OpaRange
 * @typedef {{ covered_lines?: number, not_covered_lines?: number, not_covered?: OpaRange[] }} OpaCoverageFile
 */

/**
 * Flattens one test result and its sub-results (parameterised cases) into leaf cases.
 * @param {OpaTestResult} result
 * @param {string} prefix
 * @returns {{ name: string, fail: boolean, skip: boolean }[]}
 */
function leafCases(result, prefix) {
  const name = prefix ? `${prefix} / ${result.name}` : `${result.package}.${result.name}`;
  const subs = Object.values(result.sub_results ?? {});
  if (!subs.length)
    return [
      {
        name,
        fail: result.fail === true || result.error !== undefined,
        skip: Boolean(result.skip),
      },
    ];
  return subs.flatMap((sub) => leafCases({ ...sub, package: result.package }, name));
}

/** @param {OpaTestResult[]} results */
function reportTests(results) {
  const cases = results.flatMap((result) => leafCases(result, ''));
  const failed = cases.filter((c) => c.fail);
  const skipped = cases.filter((c) => c.skip);
  const passed = cases.length - failed.length - skipped.length;

  for (const result of results.filter((r) => r.fail === true || r.error !== undefined)) {
    const where = result.location ? ` (${result.location.file}:${result.location.row})` : '';
    console.log(`FAIL ${result.package}.${result.name}${where}`);
    for (const leaf of leafCases(result, '').filter((c) => c.fail && c.name.includes(' / '))) {
      console.log(`  - ${leaf.name.slice(leaf.name.indexOf(' / ') + 3)}`);
    }
    if (result.error)
      console.log(`  error: ${result.error.message ?? JSON.stringify(result.error)}`);
    if (result.output) {
      const output = Buffer.from(result.output, 'base64').toString('utf8').trimEnd();
      if (output) console.log(output.replace(/^/gm, '    '));
    }
  }
  const skippedText = skipped.length ? `, ${skipped.length} skipped` : '';
  console.log(
    `tests: ${passed} passed, ${failed.length} failed${skippedText} ` +
      `(${cases.length} cases in ${results.length} test rules)`,
  );
  return failed.length === 0;
}

/** "3-5, 9" from the not-covered ranges of one file. */
/** @param {OpaRange[] | undefined} ranges */
function lineList(ranges) {
  const lines = new Set();
  for (const range of ranges ?? []) {
    for (let row = range.start.row; row <= range.end.row; row++) lines.add(row);
  }
  const sorted = [...lines].sort((a, b) => a - b);
  /** @type {[number, number][]} */
  const spans = [];
  for (const row of sorted) {
    const last = spans[spans.length - 1];
    if (last && row === last[1] + 1) last[1] = row;
    else spans.push([row, row]);
  }
  return spans.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(', ');
}

/** In bundle mode opa names covered files with the bundle path twice ("policies/policies/..."). */
function displayName(file) {
  const doubled = `${POLICY_DIR}/${POLICY_DIR}/`;
  return file.startsWith(doubled) ? file.slice(POLICY_DIR.length + 1) : file;
}

/** @param {{ files?: Record<string, OpaCoverageFile> }} report */
function reportCoverage(report) {
  const files = Object.entries(report.files ?? {}).filter(([file]) => !file.endsWith('_test.rego'));
  let covered = 0;
  let notCovered = 0;
  for (const [, file] of files) {
    covered += file.covered_lines ?? 0;
    notCovered += file.not_covered_lines ?? 0;
  }
  const total = covered + notCovered;
  const percent = total ? (covered / total) * 100 : 0;
  const ok = total > 0 && percent >= COVERAGE_THRESHOLD;
  console.log(
    `coverage: ${percent.toFixed(1)}% of policy lines (${covered}/${total}, test files excluded; ` +
      `threshold ${COVERAGE_THRESHOLD}%)`,
  );
  const uncovered = files.filter(([, file]) => (file.not_covered_lines ?? 0) > 0);
  if (uncovered.length) {
    console.log(ok ? 'lines not covered:' : 'coverage below threshold; lines not covered:');
    for (const [name, file] of uncovered)
      console.log(`  ${displayName(name)}: ${lineList(file.not_covered)}`);
  }
  return ok;
}

function parseJson(result, what) {
  try {
    return JSON.parse(result.stdout);
  } catch {
    printCaptured(result);
    fail(`${what} did not produce a report (see the output above).`);
  }
}

function cmdTest(opa) {
  const common = ['test', '--format=json', '--timeout=120s', BUNDLE_MODE];
  const results = parseJson(runOpa(opa, [...common, POLICY_DIR]), 'opa test');
  if (!Array.isArray(results)) fail('opa test did not produce a list of results.');
  if (!reportTests(results)) fail('policy tests failed.');
  // opa prints a coverage report only when every test passes, so coverage is a second run.
  const coverage = parseJson(
    runOpa(opa, [...common, '--coverage', POLICY_DIR]),
    'opa test --coverage',
  );
  if (!reportCoverage(coverage)) fail(`policy coverage is below ${COVERAGE_THRESHOLD}%.`);
}

/** @param {string[]} args */
function cmdBuild(opa, args) {
  // The default lands in the repository; --out is relative to where the command runs.
  let outPath = path.join(REPO, DEFAULT_OUT);
  const at = args.indexOf('--out');
  if (at !== -1) {
    const out = args[at + 1];
    if (!out || out.startsWith('--')) fail('--out needs a file name.');
    outPath = path.resolve(process.cwd(), out);
  }
  mkdirSync(path.dirname(outPath), { recursive: true });
  // opa names each file by the path it was given, in the archive and inside the WASM. Building
  // "." from inside the policy folder keeps the repository's location out of the bundle, so the
  // bundle (and the policy revision) is the one the sidecar compiles from policy.dir.
  const result = runOpa(opa, opaBuildArgs(outPath), { cwd: path.join(REPO, POLICY_DIR) });
  printCaptured(result);
  if (result.status !== 0) fail('opa build failed.');
  const size = statSync(outPath).size;
  console.log(
    `built ${path.relative(process.cwd(), outPath) || outPath} (wasm, ${size} bytes; entrypoints: ${ENTRYPOINTS.join(', ')})`,
  );
}

/**
 * Compiles the committed prebuilt bundle with the product's own build (`orgwarden policy build`,
 * which compiles as the sidecar compiles policy.dir, then loads the bundle and runs its smoke
 * cases) and records the source digest and revision it was built from.
 */
function cmdPrebuild(opa) {
  if (!existsSync(CLI)) fail(`${path.relative(REPO, CLI)} is missing; run "npm run build" first.`);
  const sources = policySourceDigest();
  const partial = `${PREBUILT_BUNDLE}.partial`;
  mkdirSync(path.dirname(PREBUILT_BUNDLE), { recursive: true });
  const result = spawnSync(
    process.execPath,
    [CLI, 'policy', 'build', '--dir', path.join(REPO, POLICY_DIR), '--out', partial],
    {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, ORGWARDEN_OPA: opa.bin },
    },
  );
  // stdout is null when the process could not be started at all (result.error says why)
  const revision = result.error
    ? undefined
    : /\(revision (sha256:[0-9a-f]{64})\b/.exec(result.stdout)?.[1];
  if (result.error || result.status !== 0 || !revision) {
    rmSync(partial, { force: true });
    printCaptured(result);
    fail('orgwarden policy build failed; the prebuilt bundle is unchanged.');
  }
  renameSync(partial, PREBUILT_BUNDLE);
  writePrebuiltRecord({ sources, revision });
  console.log(
    `prebuilt ${path.relative(REPO, PREBUILT_BUNDLE)} (revision ${revision}); recorded in ${path.relative(REPO, PREBUILT_RECORD)}`,
  );
}

const COMMANDS = {
  ensure: cmdEnsure,
  fmt: cmdFmt,
  check: cmdCheck,
  test: cmdTest,
  build: cmdBuild,
  prebuild: cmdPrebuild,
};

function main(argv) {
  const [command, ...args] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  try {
    run(ensureOpa(), args);
    return 0;
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
