/**
 * The decision-table cases (`test/decision-tables/*.yaml`): case files (docs/reviewing.md), a
 * mapping whose `cases` is a list of `{name, request: {action, ...}, ...}`, or that list alone.
 * The inventory reads only the name, the action and the strings of the request; the full schema
 * is `orgwarden test`'s business (evidence/case-files/). A file that is not such a
 * list is an error naming the file and the entry, never a silently smaller coverage.
 */
import { parse, YAMLParseError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../../contract/config-error.js';

export interface TableSourceFile {
  /** Shown in case names: the file's name within the tables folder. */
  readonly file: string;
  /** Named in errors (default: `file`): where the reader finds the file. */
  readonly path?: string;
  readonly text: string;
}

export interface TableCase {
  /** `<file> › <case name>`. */
  readonly name: string;
  readonly action: string;
  /** Every string in the case's `request`, at any depth (keys excluded). */
  readonly strings: ReadonlySet<string>;
}

export class DecisionTableError extends ConfigError {
  constructor(file: string, issues: ConfigIssue[]) {
    super(file, issues);
    this.name = 'DecisionTableError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses every file; throws DecisionTableError for the first file with problems, listing them all. */
export function parseDecisionTables(files: readonly TableSourceFile[]): TableCase[] {
  return files.flatMap((f) => parseTable(f));
}

function parseTable({ file, text, path }: TableSourceFile): TableCase[] {
  const where = path ?? file;
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true, maxAliasCount: 0 });
  } catch (err) {
    const message =
      err instanceof YAMLParseError
        ? (err.message.split('\n')[0] ?? 'invalid YAML')
        : 'invalid YAML';
    throw new DecisionTableError(where, [{ path: '', message }]);
  }
  if (doc === null || doc === undefined) return [];
  const list = isObject(doc) ? doc.cases : doc;
  if (!Array.isArray(list))
    throw new DecisionTableError(where, [
      { path: isObject(doc) ? 'cases' : '', message: 'must be a list of cases' },
    ]);
  const prefix = isObject(doc) ? 'cases' : '';
  const issues: ConfigIssue[] = [];
  const cases: TableCase[] = [];
  list.forEach((entry: unknown, i) => {
    const at = `${prefix}[${i}]`;
    if (!isObject(entry)) return issues.push({ path: at, message: 'must be a mapping' });
    const { name, request } = entry;
    if (typeof name !== 'string' || name === '')
      issues.push({ path: `${at}.name`, message: 'must be a non-empty string' });
    const action = isObject(request) ? request.action : undefined;
    if (typeof action !== 'string' || action === '')
      issues.push({ path: `${at}.request.action`, message: 'must be a non-empty string' });
    if (typeof name === 'string' && typeof action === 'string')
      cases.push({ name: `${file} › ${name}`, action, strings: stringsIn(request) });
  });
  if (issues.length > 0) throw new DecisionTableError(where, issues);
  return cases;
}

function stringsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}
