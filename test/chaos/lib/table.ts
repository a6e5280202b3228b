/** The chaos table, as text for the terminal and as Markdown for docs/reliability.md. */
import { rowPasses, type FaultRow } from './fault.js';

const HEADERS = [
  'fault',
  'decisions',
  'wrong allows',
  'wrong denies outside window',
  'failed requests',
  'p99 during (ms)',
  'p99 after (ms)',
  'recovery (ms)',
  'result',
];

function cells(row: FaultRow): string[] {
  const f = row.figures;
  const ms = (v: number | null) => (v === null ? '–' : String(v));
  return [
    row.scenario,
    String(f.decisions),
    String(f.wrongAllows),
    String(f.wrongDeniesOutside),
    `${f.failed}${f.notSent > 0 ? ` (+${f.notSent} refused, not sent)` : ''}`,
    ms(f.p99DuringMs),
    ms(f.p99AfterMs),
    ms(f.recoveryMs),
    `${rowPasses(row) ? 'pass' : 'FAIL'}${row.control === true ? ' (control)' : ''}`,
  ];
}

export function renderMarkdown(rows: readonly FaultRow[]): string {
  const lines = [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${cells(row).join(' | ')} |`),
  ];
  const notes = rows.flatMap((row) =>
    [...row.notes, ...row.failures.map((f) => `FAILED: ${f}`), ...row.figures.examples].map(
      (n) => `- ${row.scenario}: ${n}`,
    ),
  );
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

export function renderText(rows: readonly FaultRow[]): string {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [
    line(HEADERS),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.slice(1).map(line),
  ].join('\n');
}
