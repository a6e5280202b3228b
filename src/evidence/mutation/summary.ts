/**
 * The figures of a mutation run. A mutant is stillborn when the policy it makes does not compile or
 * does not load (no suite ran: it proves nothing about the suites), killed when at least one suite
 * failed on it, survived otherwise. The score leaves stillborn mutants out:
 * killed / (run - stillborn).
 */

export interface MutantOutcome {
  readonly id: string;
  readonly operator: string;
  /** Why the mutant never ran (the compile or load error, first line); null when it ran. */
  readonly stillborn: string | null;
  /** The suites that failed on the mutant, in the order they ran. */
  readonly killedBy: readonly string[];
}

export type MutantStatus = 'stillborn' | 'killed' | 'survived';

export const mutantStatus = (outcome: MutantOutcome): MutantStatus => {
  if (outcome.stillborn !== null) return 'stillborn';
  return outcome.killedBy.length > 0 ? 'killed' : 'survived';
};

interface MutationCounts {
  readonly run: number;
  readonly stillborn: number;
  readonly killed: number;
  readonly survived: number;
}

export interface MutationSummary extends MutationCounts {
  /** Mutants each suite killed (a mutant killed by two suites counts for both). */
  readonly killedBySuite: Readonly<Record<string, number>>;
  readonly byOperator: Readonly<Record<string, MutationCounts>>;
  /** killed / (run - stillborn), in percent with one decimal; null when no mutant ran. */
  readonly score: number | null;
}

const counts = (outcomes: readonly MutantOutcome[]): MutationCounts => {
  const statuses = outcomes.map(mutantStatus);
  const of = (status: MutantStatus) => statuses.filter((s) => s === status).length;
  return {
    run: outcomes.length,
    stillborn: of('stillborn'),
    killed: of('killed'),
    survived: of('survived'),
  };
};

/** `suites`: every suite that ran, so a suite that killed nothing still shows 0. */
export function summariseMutationRun(
  outcomes: readonly MutantOutcome[],
  suites: readonly string[],
): MutationSummary {
  const killedBySuite: Record<string, number> = {};
  for (const suite of suites) {
    killedBySuite[suite] = outcomes.filter(
      (o) => o.stillborn === null && o.killedBy.includes(suite),
    ).length;
  }
  const byOperator: Record<string, MutationCounts> = {};
  for (const operator of [...new Set(outcomes.map((o) => o.operator))].sort()) {
    byOperator[operator] = counts(outcomes.filter((o) => o.operator === operator));
  }
  const total = counts(outcomes);
  const ran = total.run - total.stillborn;
  return {
    ...total,
    killedBySuite,
    byOperator,
    score: ran === 0 ? null : Math.round((total.killed / ran) * 1000) / 10,
  };
}
