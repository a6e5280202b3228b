/**
 * `orgwarden check --explain`: the policy's explanation as a table a reviewer reads in a
 * terminal, one row per check: whether it passed, the reason and detail of the one that failed,
 * and the facts it read. Values are printed as JSON (quoted strings), so an odd org id or role
 * cannot pass for another value or break the layout with a control character.
 */
import type { Decision } from '../contract/decision.js';
import type { ExplainFact, Explanation } from '../contract/explain.js';

const PASSED = { true: 'pass', false: 'FAIL', skipped: '-' } as const;

export function explainTable(decision: Decision, explain: Explanation | undefined): string {
  const verdict = decision.allow ? 'ALLOW' : 'DENY';
  const head = `${verdict} ${decision.reason}${decision.detail === null ? '' : ` (${decision.detail})`}`;
  if (!explain) return `${head}\n  (the policy gave no explanation)`;
  const rows = explain.map((step) => [
    step.check,
    PASSED[String(step.passed) as keyof typeof PASSED],
    step.passed === false
      ? `${step.reason ?? ''}${step.detail == null ? '' : ` / ${step.detail}`}`
      : '',
    Object.entries(step.facts)
      .map(([key, value]) => `${key}=${factText(value)}`)
      .join(' '),
  ]);
  const header = ['check', 'passed', 'reason / detail', 'facts'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [head, line(header), ...rows.map(line)]
    .map((l) => `  ${l}`)
    .join('\n')
    .slice(2);
}

function factText(value: ExplainFact): string {
  // JSON escapes controls and quotes; the few characters it leaves (line separators) are escaped too
  return JSON.stringify(value).replace(
    /[\u2028\u2029\u0085]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
