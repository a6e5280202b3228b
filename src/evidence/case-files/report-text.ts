/**
 * The readable report of `orgwarden test`: a line per file as it finishes, then each failing case
 * with where it is (`file:line`, the case number and name) and what it expected against what the
 * decision said, then the totals.
 */
import type { CaseResult, FileResult } from './run.js';

/** A value as JSON (mismatches never hold undefined: a missing field is null). */
export const show = (value: unknown): string => JSON.stringify(value);

/** `PASS file (N cases)` or `FAIL file (N cases, M failed)`. */
export function fileLine({ file, results }: FileResult): string {
  const failed = results.filter((r) => !r.passed).length;
  const cases = `${results.length} ${results.length === 1 ? 'case' : 'cases'}`;
  return failed === 0 ? `PASS ${file} (${cases})` : `FAIL ${file} (${cases}, ${failed} failed)`;
}

/** Where a case is: `file:line (case N)`. */
export function caseLocation(r: CaseResult): string {
  return `${r.case.file}:${r.case.line} (case ${r.case.index + 1})`;
}

/** The decision's fields a case may expect, for the context of a failure. */
function decisionFields({ decision: d }: CaseResult): Record<string, unknown> {
  if (!d) return {};
  const { allow, reason, detail, effective_org, role, spoof } = d;
  return { allow, reason, detail, effective_org, role, spoof };
}

/** A failing case: its name and place, then one `field: expected X, got Y` line per mismatch. */
function failureBlock(r: CaseResult): string[] {
  return [
    `✗ ${r.case.case.name}`,
    `    at ${caseLocation(r)}`,
    ...r.mismatches.map((m) => `    ${m.field}: expected ${show(m.expected)}, got ${show(m.got)}`),
    ...(r.decision ? [`    decision: ${show(decisionFields(r))}`] : []),
  ];
}

/** Every failure, then `N cases in F files: P passed, M failed`. */
export function summaryLines(files: readonly FileResult[]): string[] {
  const all = files.flatMap((f) => f.results);
  const failed = all.filter((r) => !r.passed);
  const lines = failed.length > 0 ? ['', 'Failures:', ...failed.flatMap(failureBlock)] : [];
  const fileCount = `${files.length} ${files.length === 1 ? 'file' : 'files'}`;
  lines.push(
    '',
    `${all.length} cases in ${fileCount}: ${all.length - failed.length} passed, ${failed.length} failed`,
  );
  return lines;
}
