/**
 * The review report: the product plan's template, verbatim (headings, bullets, `-> exit N`, the
 * verdict words), then the figures, the policy revision certified, the checklists and the failing
 * cells and checks by name. `reportJson` is the same content as one JSON object (docs/certification.md).
 */
import type { Assessment, Gate } from './gates.js';
import { stepLabel } from './gates.js';
import type { FileChange } from './files-changed.js';
import { STEP_IDS, STEP_TITLES, type CommandRun, type StepResult } from './types.js';

export interface CertificationReport {
  /** null: not in a git repository, or no --since. */
  readonly filesChanged: readonly FileChange[] | null;
  readonly steps: readonly StepResult[];
  readonly assessment: Assessment;
  /** The revision the throw-away instance served (`GET /v1/policy`), null when it did not start. */
  readonly policyRevision: string | null;
  readonly rollback: readonly string[];
}

export function renderMarkdown(report: CertificationReport): string {
  const { gates, verdict, residualRisk } = report.assessment;
  const lines: string[] = ['Files changed:'];
  if (report.filesChanged === null || report.filesChanged.length === 0) lines.push('- none');
  else for (const f of report.filesChanged) lines.push(`- ${f.path}: ${f.reason}`);
  lines.push('', 'Commands run + exit codes:');
  commandsOf(report.steps).forEach((c, i) =>
    lines.push(`${i + 1}. \`${c.command}\` ${outcome(c)}`),
  );
  lines.push(
    '',
    'Gate checklist:',
    `- P0: ${gateText(gates.P0)}`,
    `- P1: ${gateText(gates.P1)}`,
    `- P2: ${gateText(gates.P2)}`,
    '',
    `Verdict: ${verdict}`,
    '',
    'Residual risk:',
    ...(residualRisk.length > 0 ? residualRisk.map((r) => `- ${r}`) : ['- none']),
    '',
    'Rollback:',
    ...report.rollback.map((r) => `- ${r}`),
    '',
    'Figures:',
    ...figureLines(report.steps).map((f) => `- ${f}`),
    '',
    `Policy revision certified: ${report.policyRevision ?? 'unknown (the instance did not start)'}`,
    '',
    ...checklistLines(report.steps),
    'Failing cells and checks:',
    ...failingLines(report.steps),
  );
  return lines.join('\n') + '\n';
}

export function reportJson(report: CertificationReport): Record<string, unknown> {
  const { gates, verdict, exitCode, residualRisk } = report.assessment;
  return {
    verdict,
    exit_code: exitCode,
    files_changed: report.filesChanged,
    commands: commandsOf(report.steps).map((c) => ({
      command: c.command,
      exit: c.exit,
      status: c.status,
      reason: c.reason ?? null,
    })),
    gates,
    residual_risk: residualRisk,
    rollback: report.rollback,
    policy_revision: report.policyRevision,
    steps: report.steps.map((s) => ({
      step: STEP_IDS.indexOf(s.id) + 1,
      id: s.id,
      title: STEP_TITLES[s.id],
      status: s.status,
      reason: s.reason ?? null,
      timed_out: s.timedOut ?? false,
      figures: s.figures,
      checks: s.checks,
      failures: s.failures,
    })),
  };
}

const commandsOf = (steps: readonly StepResult[]): CommandRun[] => steps.flatMap((s) => s.commands);

/** `-> exit N`; a command that was not run says why instead of an exit code. */
function outcome(c: CommandRun): string {
  if (c.exit === null)
    return `-> not run (${c.status === 'na' ? 'N/A' : 'blocked'}: ${c.reason ?? 'no reason given'})`;
  return `-> exit ${c.exit}`;
}

function gateText(g: Gate): string {
  return g.status === 'PASS' ? 'PASS' : `${g.status} (${g.reasons.join('; ')})`;
}

function figureLines(steps: readonly StepResult[]): string[] {
  const lines = steps.flatMap((s) =>
    Object.entries(s.figures).map(
      ([name, value]) => `${stepLabel(s.id)} ${name}: ${String(value)}`,
    ),
  );
  return lines.length > 0 ? lines : ['none'];
}

function checklistLines(steps: readonly StepResult[]): string[] {
  return steps
    .filter((s) => s.checks.length > 0)
    .flatMap((s) => [
      `Checklist, ${stepLabel(s.id)}:`,
      ...s.checks.map(
        (c) => `- ${c.passed ? 'PASS' : 'FAIL'} ${c.name}${c.detail ? `: ${c.detail}` : ''}`,
      ),
      '',
    ]);
}

function failingLines(steps: readonly StepResult[]): string[] {
  const lines = steps.flatMap((s) => s.failures.map((f) => `- ${stepLabel(s.id)}: ${f}`));
  return lines.length > 0 ? lines : ['- none'];
}
