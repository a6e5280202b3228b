/**
 * Org-boundary coverage: the share of applicable (action × boundary case) cells that the runs
 * exercised with every case passing. Cells that cannot apply are listed with why, never counted.
 */
import type { BoundarySuite } from './generate.js';
import type { BoundaryCoverage, BoundaryRun } from './types.js';

export function boundaryCoverage(
  suite: BoundarySuite,
  runs: readonly BoundaryRun[],
): BoundaryCoverage {
  const key = (action: string, boundary: string) => `${action}\u0000${boundary}`;
  const ran = new Set<string>();
  const failing = new Map<string, { action: string; boundary: string; cases: string[] }>();
  for (const run of runs)
    for (const r of run.results) {
      const k = key(r.action, r.boundary);
      ran.add(k);
      if (r.passed) continue;
      const cell = failing.get(k) ?? { action: r.action, boundary: r.boundary, cases: [] };
      cell.cases.push(`${run.target}: ${r.name}: ${r.message ?? 'failed'}`);
      failing.set(k, cell);
    }
  const applicable = suite.cells.filter((c) => c.applicable);
  const exercised = applicable.filter((c) => ran.has(key(c.action, c.boundary)));
  const passing = exercised.filter((c) => !failing.has(key(c.action, c.boundary)));
  return {
    cells: suite.cells.length,
    applicable: applicable.length,
    exercised: exercised.length,
    passing: passing.length,
    percent:
      applicable.length === 0 ? 0 : Math.floor((passing.length / applicable.length) * 1000) / 10,
    notApplicable: suite.cells.filter((c) => !c.applicable),
    failing: [...failing.values()],
    unexercised: applicable
      .filter((c) => !ran.has(key(c.action, c.boundary)))
      .map(({ action, boundary }) => ({ action, boundary })),
  };
}
