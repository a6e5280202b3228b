/**
 * The risk register (`docs/risk-register.md`): the residual risks known today, as one markdown
 * table with a fixed header row. The fixed format is what lets `orgwarden inventory` check that
 * the register is complete and well formed; every problem names the file and the line.
 *
 *   | id | severity | risk | mitigation | owner | source |
 *   | --- | --- | --- | --- | --- | --- |
 *   | R-01 | high | … | … | operator | docs/scaling.md |
 *
 * id: `R-` and two or more digits, unique; severity: low, medium, high or critical; every cell
 * non-empty. A `|` inside a cell is written `\|`. Text outside the table is free.
 */
import { ConfigError, type ConfigIssue } from '../contract/config-error.js';

const RISK_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
type RiskSeverity = (typeof RISK_SEVERITIES)[number];

const RISK_COLUMNS = ['id', 'severity', 'risk', 'mitigation', 'owner', 'source'] as const;

export interface RiskEntry {
  readonly id: string;
  readonly severity: RiskSeverity;
  readonly risk: string;
  readonly mitigation: string;
  /** The role that owns the risk (operator, security reviewer, release owner, …). */
  readonly owner: string;
  /** Where the risk is documented: a doc, a section, a test. */
  readonly source: string;
  /** 1-based line of the entry in the register. */
  readonly line: number;
}

export class RiskRegisterError extends ConfigError {
  constructor(file: string, issues: ConfigIssue[]) {
    super(file, issues);
    this.name = 'RiskRegisterError';
  }
}

const RISK_ID = /^R-\d{2,}$/;

/** Splits a table row into trimmed cells; `\|` stays inside its cell (as `|`). */
function cells(line: string): string[] {
  const inner = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
}

const isRow = (line: string) => line.trim().startsWith('|');
const isHeader = (line: string) =>
  isRow(line) && cells(line).join('|').toLowerCase() === RISK_COLUMNS.join('|');

/** Parses the register; throws RiskRegisterError listing every problem with its line. */
export function parseRiskRegister(text: string, file: string): RiskEntry[] {
  const lines = text.split(/\r?\n/);
  const headers = lines.flatMap((l, i) => (isHeader(l) ? [i] : []));
  if (headers.length !== 1) {
    const message =
      headers.length === 0
        ? `no risk table: expected the header row "| ${RISK_COLUMNS.join(' | ')} |"`
        : `more than one risk table (header rows on lines ${headers.map((i) => i + 1).join(', ')})`;
    throw new RiskRegisterError(file, [{ path: '', message }]);
  }
  const header = headers[0] as number;
  const issues: ConfigIssue[] = [];
  const separator = lines[header + 1] ?? '';
  const separatorCells = cells(separator);
  if (
    !isRow(separator) ||
    separatorCells.length !== RISK_COLUMNS.length ||
    !separatorCells.every((c) => /^:?-{3,}:?$/.test(c))
  )
    issues.push({
      path: `line ${header + 2}`,
      message: `expected the separator row "|${' --- |'.repeat(RISK_COLUMNS.length)}"`,
    });

  const entries: RiskEntry[] = [];
  const seen = new Map<string, number>();
  for (let i = header + 2; i < lines.length && isRow(lines[i] ?? ''); i++) {
    const line = i + 1;
    const row = cells(lines[i] ?? '');
    const at = `line ${line}`;
    if (row.length !== RISK_COLUMNS.length) {
      issues.push({
        path: at,
        message: `has ${row.length} cells, expected ${RISK_COLUMNS.length} (${RISK_COLUMNS.join(', ')}); write a | inside a cell as \\|`,
      });
      continue;
    }
    const [id, severity, risk, mitigation, owner, source] = row as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const problems = [
      ...(RISK_ID.test(id) ? [] : [`id "${id}" must be R- and two or more digits (R-07)`]),
      ...(RISK_SEVERITIES.includes(severity as RiskSeverity)
        ? []
        : [`severity "${severity}" must be one of ${RISK_SEVERITIES.join(', ')}`]),
      ...RISK_COLUMNS.filter((_, c) => row[c] === '').map((name) => `${name} is empty`),
    ];
    const first = seen.get(id);
    if (first !== undefined) problems.push(`id ${id} is already used on line ${first}`);
    else seen.set(id, line);
    for (const message of problems) issues.push({ path: at, message });
    if (problems.length === 0)
      entries.push({
        id,
        severity: severity as RiskSeverity,
        risk,
        mitigation,
        owner,
        source,
        line,
      });
  }
  if (entries.length === 0 && issues.length === 0)
    issues.push({ path: `line ${header + 1}`, message: 'the risk table has no entries' });
  if (issues.length > 0) throw new RiskRegisterError(file, issues);
  return entries;
}
