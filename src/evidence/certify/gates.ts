/**
 * The gates and the verdict, as a pure function of the step results and the risk register.
 *
 *   P0  the evidence is whole: no step timed out or could not run, no output came back empty.
 *   P1  isolation and contract (steps 3–6): FAIL when any failed or could not run; N/A when the
 *       rest passed but one does not apply; PASS otherwise.
 *   P2  docs and inventory current: step 7 passed (or does not apply), the risk register was read,
 *       and every entry in it has a mitigation and an owner (an entry without is an unflagged gap).
 *
 * Verdict: BLOCKED (exit 2) when a step could not run; CHANGES_REQUESTED (exit 1) when a step ran
 * and failed or a gate failed; APPROVED (exit 0) otherwise. Residual risk lists the register's
 * entries and every step or command that did not apply, so nothing skipped goes unmentioned.
 */
import { STEP_IDS, STEP_TITLES, type RiskRegister, type StepId, type StepResult } from './types.js';

type GateStatus = 'PASS' | 'FAIL' | 'N/A';
export type Verdict = 'APPROVED' | 'CHANGES_REQUESTED' | 'BLOCKED';

export interface Gate {
  readonly status: GateStatus;
  /** Why it is not PASS (empty when it is). */
  readonly reasons: readonly string[];
}

export interface Assessment {
  readonly gates: { readonly P0: Gate; readonly P1: Gate; readonly P2: Gate };
  readonly verdict: Verdict;
  readonly exitCode: 0 | 1 | 2;
  readonly residualRisk: readonly string[];
}

const ISOLATION_STEPS: readonly StepId[] = [
  'boundary',
  'single-tenant',
  'multi-tenant',
  'kill-switch',
];

export function stepLabel(id: StepId): string {
  return `step ${STEP_IDS.indexOf(id) + 1} (${STEP_TITLES[id]})`;
}

const why = (step: StepResult) => (step.reason ? `: ${step.reason}` : '');

export function assess(
  steps: readonly StepResult[],
  risks: RiskRegister,
  expected: readonly StepId[] = STEP_IDS,
): Assessment {
  const p0 = gate(
    steps.flatMap((s) => [
      ...(s.timedOut ? [`${stepLabel(s.id)} timed out`] : []),
      ...(s.status === 'blocked' && !s.timedOut
        ? [`${stepLabel(s.id)} could not run${why(s)}`]
        : []),
      ...(s.emptyOutput ? [`${stepLabel(s.id)}: ${s.emptyOutput}`] : []),
    ]),
  );
  const missing = expected.filter((id) => !steps.some((s) => s.id === id));
  const p0WithMissing = missing.length
    ? gate([...p0.reasons, ...missing.map((id) => `${stepLabel(id)} did not run`)])
    : p0;

  const isolation = steps.filter((s) => ISOLATION_STEPS.includes(s.id));
  const p1Failures = isolation
    .filter((s) => s.status === 'fail' || s.status === 'blocked')
    .map((s) => `${stepLabel(s.id)} ${s.status === 'fail' ? 'failed' : 'could not run'}${why(s)}`);
  // A run that leaves out an isolation step (`--only`) has not shown isolation: never a PASS.
  const notSelected = ISOLATION_STEPS.filter((id) => !steps.some((s) => s.id === id)).map(
    (id) => `${stepLabel(id)} was not part of this run (--only)`,
  );
  const p1NotApplicable = [
    ...isolation.filter((s) => s.status === 'na').map((s) => `${stepLabel(s.id)}${why(s)}`),
    ...notSelected,
  ];
  const p1: Gate =
    p1Failures.length > 0
      ? { status: 'FAIL', reasons: p1Failures }
      : p1NotApplicable.length > 0
        ? { status: 'N/A', reasons: p1NotApplicable }
        : { status: 'PASS', reasons: [] };

  const alerts = steps.find((s) => s.id === 'alerts');
  const p2 = gate([
    ...(alerts && (alerts.status === 'fail' || alerts.status === 'blocked')
      ? [
          `${stepLabel('alerts')} ${alerts.status === 'fail' ? 'failed' : 'could not run'}${why(alerts)}`,
        ]
      : []),
    ...(risks.ok ? registerGaps(risks) : [`risk register: ${risks.reason}`]),
  ]);

  const blocked =
    steps.some((s) => s.status === 'blocked' && s.afterFailure !== true) || missing.length > 0;
  const failed =
    steps.some((s) => s.status === 'fail') ||
    [p0WithMissing, p1, p2].some((g) => g.status === 'FAIL');
  const verdict: Verdict = blocked ? 'BLOCKED' : failed ? 'CHANGES_REQUESTED' : 'APPROVED';
  return {
    gates: { P0: p0WithMissing, P1: p1, P2: p2 },
    verdict,
    exitCode: verdict === 'BLOCKED' ? 2 : verdict === 'CHANGES_REQUESTED' ? 1 : 0,
    residualRisk: [...residualRisk(steps, risks), ...notSelected.map((r) => `P1 N/A: ${r}`)],
  };
}

function gate(reasons: readonly string[]): Gate {
  return reasons.length > 0 ? { status: 'FAIL', reasons } : { status: 'PASS', reasons: [] };
}

function registerGaps(risks: Extract<RiskRegister, { ok: true }>): string[] {
  return risks.entries.flatMap((e) => [
    ...(e.mitigation.trim() === '' ? [`risk register ${e.id} has no mitigation`] : []),
    ...(e.owner.trim() === '' ? [`risk register ${e.id} has no owner`] : []),
  ]);
}

function residualRisk(steps: readonly StepResult[], risks: RiskRegister): string[] {
  const fromRegister = risks.ok
    ? risks.entries.map(
        (e) =>
          `${e.id} (${e.severity}): ${e.risk} — mitigation: ${e.mitigation || 'none'}; owner: ${e.owner || 'none'}`,
      )
    : [];
  const notApplicable = steps.flatMap((s) => [
    ...(s.status === 'na' ? [`${stepLabel(s.id)} not applicable${why(s)}`] : []),
    ...(s.status !== 'na'
      ? s.commands
          .filter((c) => c.status === 'na')
          .map(
            (c) => `${stepLabel(s.id)}: \`${c.command}\` not run: ${c.reason ?? 'not applicable'}`,
          )
      : []),
  ]);
  return [...fromRegister, ...notApplicable];
}
