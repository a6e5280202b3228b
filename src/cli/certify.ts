/**
 * `orgwarden certify`: runs every check against the configured policy and a throw-away local
 * instance, and prints the review report with its gates and verdict (docs/certification.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findOpa } from '../bundle/opa-cli.js';
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import * as boundarySuite from '../evidence/boundary/index.js';
import { boundaryStepFrom } from '../evidence/certify/boundary-step.js';
import { filesChangedSince } from '../evidence/certify/files-changed.js';
import { renderMarkdown, reportJson } from '../evidence/certify/report.js';
import { runCertification } from '../evidence/certify/run-certification.js';
import { runCommand } from '../evidence/certify/run-command.js';
import { STEP_IDS, type StepId } from '../evidence/certify/types.js';
import { parseFlags, UsageError } from './args.js';
import { startCertifyInstance } from './certify-instance.js';

export const CERTIFY_HELP = `Usage: orgwarden certify --config FILE [--since GIT_REF] [--out report.md] [--json report.json] [--only STEP,...]

Certifies the configured policy for release: runs the policy checks (opa fmt, check --strict,
test --coverage), the smoke cases, the org-boundary suite, the single-tenant invisibility and
multi-tenant checklists and the kill-switch drill against a throw-away instance on a free loopback
port (its own fixture directory and token issuer; the deployment's secrets are not needed), and
the metric and alert inventory; then prints the review report with gates P0-P2 and a verdict.
  --config FILE     YAML config (see docs/config.md; the certify section sets the thresholds)
  --since GIT_REF   list the files changed since this ref (git diff in the config's folder)
  --out FILE        also write the report (markdown) to FILE
  --json FILE       also write the report as JSON (docs/certification.md)
  --only STEPS      run only these steps (comma-separated): ${STEP_IDS.join(', ')}
Progress goes to stderr, the report to stdout. Steps and gates: docs/certification.md.
Exit codes: 0 APPROVED, 1 CHANGES_REQUESTED, 2 BLOCKED (a step could not run) or bad usage/config.`;

export async function certify(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    config: 'string',
    since: 'string',
    out: 'string',
    json: 'string',
    only: 'string',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(CERTIFY_HELP);
    return 0;
  }
  if (typeof flags.config !== 'string') throw new UsageError('certify needs --config FILE');
  const steps = typeof flags.only === 'string' ? parseOnly(flags.only) : STEP_IDS;
  const configFile = flags.config;
  const config = loadDocument(configFile);
  const cwd = process.cwd();
  const shown = (file: string) => {
    const rel = path.relative(cwd, file);
    return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
  };
  const since = typeof flags.since === 'string' ? flags.since : undefined;
  const changed = await filesChangedSince(
    path.dirname(path.resolve(configFile)),
    since,
    {
      policyDirs: [config.policy.dir, config.policy.bundle, config.policy.routes].filter(
        (p): p is string => p !== undefined,
      ),
      configFiles: [path.resolve(configFile)],
    },
    config.certify.timeout_s * 1000,
  );
  if (!changed.ok) throw new UsageError(`--since: ${changed.reason}`);

  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const report = await runCertification({
    config,
    filesChanged: changed.changes,
    steps,
    commandFor: (step: StepId) => `orgwarden certify --config ${shown(configFile)} --only ${step}`,
    shown,
    env: process.env,
    fetch,
    now: Date.now,
    progress,
    findOpa: () => findOpa(process.env),
    findPromtool: async () =>
      (await runCommand('promtool', ['--version'], { timeoutMs: 10_000 })).exit === 0
        ? 'promtool'
        : null,
    startInstance: () => startCertifyInstance(config),
    boundary: boundaryStepFrom(boundarySuite),
  });
  const markdown = renderMarkdown(report);
  process.stdout.write(markdown);
  if (typeof flags.out === 'string') writeOut(flags.out, markdown);
  if (typeof flags.json === 'string')
    writeOut(flags.json, `${JSON.stringify(reportJson(report), null, 2)}\n`);
  progress(`verdict: ${report.assessment.verdict}`);
  return report.assessment.exitCode;
}

function parseOnly(value: string): StepId[] {
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(STEP_IDS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new UsageError(
      `--only: unknown step(s) ${unknown.join(', ')} (steps: ${STEP_IDS.join(', ')})`,
    );
  return STEP_IDS.filter((id) => names.includes(id));
}

/**
 * The config document, validated without the environment: the throw-away instance uses its own
 * fixture issuer, directory and admin token, so the deployment's secrets and key files are not
 * needed to certify its policy (and should not be on a release owner's machine).
 */
function loadDocument(file: string): Config {
  return loadConfigFile(file, { checkEnvironment: false });
}

function writeOut(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(
      `cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}
