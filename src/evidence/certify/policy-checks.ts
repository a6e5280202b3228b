/**
 * Step 1, the policy checks, with the pinned OPA on the Rego sources of `policy.dir`:
 * `opa fmt --list` (nothing unformatted), `opa check --strict`, and `opa test --coverage`, which
 * fails on a failing test or a line coverage of the policy files (tests excluded) below
 * `certify.coverage_threshold`. A `policy.bundle` carries no Rego sources: the step is N/A.
 */
import path from 'node:path';
import { firstLines, runCommand, type CommandOutcome } from './run-command.js';
import { stepResult, type CommandRun, type StepResult } from './types.js';

export interface PolicyChecksInput {
  /** `policy.dir`, or undefined with `policy.bundle`. */
  readonly dir: string | undefined;
  readonly coverageThreshold: number;
  readonly timeoutMs: number;
  /** Finds the pinned OPA (rejects with an actionable message when it is not installed). */
  readonly findOpa: () => Promise<string>;
  /** Where the report's commands are shown relative to (the working directory). */
  readonly cwd: string;
}

const NOT_COVERED_LISTED = 10;

export async function policyChecks(input: PolicyChecksInput): Promise<StepResult> {
  const dir = input.dir;
  if (dir === undefined) {
    const reason = 'policy.bundle is configured: the Rego sources are not there to check';
    return stepResult('policy', 'na', {
      reason,
      commands: ['fmt', 'check', 'test'].map((c) => ({
        command: `opa ${c} …`,
        exit: null,
        status: 'na',
        reason,
      })),
    });
  }
  let opa: string;
  try {
    opa = await input.findOpa();
  } catch (err) {
    return stepResult('policy', 'blocked', { reason: (err as Error).message });
  }
  const shown = (p: string) => {
    const rel = path.relative(input.cwd, p);
    return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
  };
  const run = async (args: string[]): Promise<[CommandOutcome, string]> => [
    await runCommand(opa, [...args, dir], { timeoutMs: input.timeoutMs }),
    [shown(opa), ...args, shown(dir)].join(' '),
  ];

  const [fmt, fmtCommand] = await run(['fmt', '--list']);
  const unformatted = fmt.stdout.split('\n').filter((l) => l.trim() !== '');
  const fmtRun = judge(
    fmtCommand,
    fmt,
    unformatted.length === 0,
    () => `not formatted: ${unformatted.map(shown).join(', ')}`,
  );

  const [check, checkCommand] = await run(['check', '--strict', '--bundle']);
  const checkRun = judge(checkCommand, check, true, () => '');

  const [test, testCommand] = await run([
    'test',
    '--bundle',
    '--coverage',
    '--format=json',
    '--timeout=120s',
  ]);
  const coverage = test.exit === 0 ? readCoverage(test.stdout) : null;
  const testRun = judge(
    testCommand,
    test,
    coverage !== null && coverage.percent >= input.coverageThreshold,
    () =>
      coverage === null
        ? 'opa test --coverage printed no coverage report'
        : `coverage ${floor1(coverage.percent)}% is below the threshold ${input.coverageThreshold}%`,
  );

  const commands = [fmtRun, checkRun, testRun];
  const timedOut = [fmt, check, test].some((o) => o.timedOut);
  const status = commands.some((c) => c.status === 'blocked')
    ? 'blocked'
    : commands.some((c) => c.status === 'fail')
      ? 'fail'
      : 'pass';
  const failing = commands.filter((c) => c.status !== 'pass');
  return stepResult('policy', status, {
    ...(failing.length > 0 ? { reason: failing.map((c) => c.reason).join('; ') } : {}),
    ...(timedOut ? { timedOut } : {}),
    ...(test.exit === 0 && coverage === null
      ? { emptyOutput: 'opa test --coverage printed no coverage report' }
      : {}),
    ...([fmt, check, test].some((o) => o.truncated)
      ? { emptyOutput: 'an opa output passed the capture limit' }
      : {}),
    commands,
    figures: coverage
      ? {
          rego_coverage: `${floor1(coverage.percent)}% of policy lines (${coverage.covered}/${coverage.total}, tests excluded; threshold ${input.coverageThreshold}%)`,
        }
      : {},
    failures: [
      ...failing.map((c) => `${c.command}: ${c.reason ?? ''}`),
      ...(coverage && coverage.notCovered.length > 0
        ? [`lines not covered: ${coverage.notCovered.slice(0, NOT_COVERED_LISTED).join(', ')}`]
        : []),
    ],
  });
}

/** The command's outcome: blocked when it did not run to an exit, fail on a non-zero exit or a failed `ok`. */
function judge(
  command: string,
  outcome: CommandOutcome,
  ok: boolean,
  whyNot: () => string,
): CommandRun {
  if (outcome.exit === null) {
    const reason = outcome.timedOut
      ? 'timed out'
      : outcome.truncated
        ? 'output passed the capture limit'
        : (outcome.startError ?? 'did not run');
    return { command, exit: null, status: 'blocked', reason };
  }
  if (outcome.exit !== 0)
    return {
      command,
      exit: outcome.exit,
      status: 'fail',
      reason: firstLines(outcome.stdout + '\n' + outcome.stderr) || `exit ${outcome.exit}`,
    };
  if (!ok) return { command, exit: 1, status: 'fail', reason: whyNot() };
  return { command, exit: 0, status: 'pass' };
}

interface Coverage {
  covered: number;
  total: number;
  percent: number;
  notCovered: string[];
}

interface CoverageFile {
  covered_lines?: number;
  not_covered_lines?: number;
  not_covered?: { start: { row: number }; end: { row: number } }[];
}

/** Line coverage of the policy files from `opa test --coverage --format=json`; tests excluded. */
export function readCoverage(stdout: string): Coverage | null {
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    return null;
  }
  const found = (report as { files?: unknown } | null)?.files;
  if (typeof found !== 'object' || found === null) return null;
  const files = Object.entries(found as Record<string, CoverageFile>).filter(
    ([f]) => !f.endsWith('_test.rego'),
  );
  let covered = 0;
  let notCovered = 0;
  const where: string[] = [];
  for (const [name, file] of files) {
    covered += file.covered_lines ?? 0;
    notCovered += file.not_covered_lines ?? 0;
    for (const r of file.not_covered ?? [])
      where.push(
        `${name}:${r.start.row === r.end.row ? r.start.row : `${r.start.row}-${r.end.row}`}`,
      );
  }
  const total = covered + notCovered;
  if (total === 0) return null;
  return { covered, total, percent: (covered / total) * 100, notCovered: where };
}

/** One decimal, rounded down: 99.96% is shown as 99.9%, never as a passing-looking 100.0%. */
const floor1 = (percent: number): string => (Math.floor(percent * 10) / 10).toFixed(1);
