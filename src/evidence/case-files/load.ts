/**
 * Loading case files: the paths a reviewer gives (files, or folders searched recursively for
 * `*.yaml` / `*.yml`), each parsed and checked against the schema. Every problem of every file is
 * collected before anything runs, one line each: `file, case N "name": key.path: message` (or
 * `file: key: message` for the file's own keys). What a case refers to — a principal name, a
 * directory fixture, a policy — is resolved here, so the runner needs no file context.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isNode, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { OrgwardenError } from '../../contract/errors.js';
import { parseDirectoryYaml } from '../../directory/load-file.js';
import { parseDirectoryDocument } from '../../directory/validate.js';
import { caseSchema, fileSchema, type Case, type Claims, type DirectoryFixture } from './schema.js';

/** Where a case's directory comes from. `run`: the run's default (`--config`'s directory file). */
export type DirectorySource =
  | { kind: 'run' }
  | { kind: 'unavailable' }
  | { kind: 'file'; path: string }
  | { kind: 'inline'; doc: { orgs: unknown[] } };

export interface LoadedCase {
  /** The case file as the reviewer named it (relative to the working directory when inside it). */
  file: string;
  /** 0-based position in the file's `cases`. */
  index: number;
  /** 1-based line the case starts on. */
  line: number;
  case: Case;
  mode: 'multi' | 'single';
  /** The token's claims (a named principal resolved); undefined: the anonymous default. */
  claims: Claims | undefined;
  directory: DirectorySource;
  /** Absolute path of the policy folder or bundle the case names; undefined: the run's policy. */
  policy: string | undefined;
}

export interface CaseFile {
  file: string;
  cases: LoadedCase[];
}

/** Case files that do not validate; `problems` lists every one, a line each. */
export class CaseFileError extends OrgwardenError {
  constructor(readonly problems: readonly string[]) {
    super('invalid_config', problems.join('\n'));
  }
}

export interface LoadOptions {
  /** The org that always exists (inline directories are validated with it). Default `default`. */
  defaultOrg?: string;
}

const YAML_FILE = /\.ya?ml$/;

/** The case files under `paths`, in the order given (a folder's files sorted by path). */
function findCaseFiles(paths: readonly string[]): string[] {
  const problems: string[] = [];
  const files = paths.flatMap((p) => {
    if (!existsSync(p)) {
      problems.push(`${p}: no such file or folder`);
      return [];
    }
    if (!statSync(p).isDirectory()) return [p];
    const found = readdirSync(p, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && YAML_FILE.test(e.name))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
    if (found.length === 0) problems.push(`${p}: no *.yaml case files in this folder`);
    return found;
  });
  if (problems.length > 0) throw new CaseFileError(problems);
  return files;
}

/** Every case of every file under `paths`; throws CaseFileError listing the problems of all. */
export function loadCaseFiles(paths: readonly string[], options: LoadOptions = {}): CaseFile[] {
  const problems: string[] = [];
  const loaded: CaseFile[] = [];
  for (const file of findCaseFiles(paths)) {
    const shown = displayPath(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${shown}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    const result = parseCaseFile(shown, text, path.dirname(path.resolve(file)), options);
    if (result.ok) loaded.push(result.value);
    else problems.push(...result.problems);
  }
  if (problems.length > 0) throw new CaseFileError(problems);
  return loaded;
}

export type Parsed = { ok: true; value: CaseFile } | { ok: false; problems: string[] };

/** Parses one case file's text; `baseDir` is where its relative paths start. */
export function parseCaseFile(
  file: string,
  text: string,
  baseDir: string,
  options: LoadOptions = {},
): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML';
    return { ok: false, problems: [`${file}: not valid YAML: ${first}`] };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 0 });
  } catch {
    return { ok: false, problems: [`${file}: YAML aliases are not allowed in a case file`] };
  }
  const header = fileSchema.safeParse(Array.isArray(raw) ? { cases: raw } : raw);
  if (!header.success) {
    const shape =
      typeof raw === 'object' && raw !== null
        ? header.error.issues.map((i) => `${file}: ${keyOf(i.path, '(file)')}: ${i.message}`)
        : [`${file}: a case file is a mapping with "cases" (or a YAML list of cases)`];
    return { ok: false, problems: shape };
  }
  const { directory, mode, principals = {}, cases: rawCases } = header.data;
  const problems: string[] = [];
  const fileDirectory = directory === undefined ? null : fixture(directory, baseDir, options);
  if (fileDirectory?.problem) problems.push(`${file}: directory: ${fileDirectory.problem}`);

  const seq = isMap(doc.contents) ? doc.contents.get('cases', true) : doc.contents;
  const lines = isSeq(seq)
    ? seq.items.map((item) => {
        const offset = isNode(item) ? item.range[0] : undefined;
        return offset === undefined ? 0 : lineCounter.linePos(offset).line;
      })
    : [];

  const cases: LoadedCase[] = [];
  rawCases.forEach((entry, index) => {
    const at = caseLabel(file, index, entry);
    const parsed = caseSchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((i) => `${at}: ${keyOf(i.path)}: ${i.message}`));
      return;
    }
    const c = parsed.data;
    let claims: Claims | undefined;
    if (typeof c.as === 'string') {
      claims = principals[c.as];
      if (!claims) {
        const known = Object.keys(principals).join(', ') || 'none';
        problems.push(`${at}: as: no principal named "${c.as}" in this file (known: ${known})`);
      }
    } else claims = c.as;
    let source: DirectorySource = fileDirectory?.source ?? { kind: 'run' };
    if (c.directory === 'unavailable') source = { kind: 'unavailable' };
    else if (c.directory !== undefined) {
      const own = fixture(c.directory, baseDir, options);
      if (own.problem) problems.push(`${at}: directory: ${own.problem}`);
      source = own.source;
    }
    if (c.org_in !== undefined && c.request.org === undefined)
      problems.push(`${at}: org_in: says where request.org is named, but the request names no org`);
    const policy = c.policy === undefined ? undefined : path.resolve(baseDir, c.policy);
    if (policy !== undefined && !existsSync(policy))
      problems.push(`${at}: policy: ${c.policy ?? ''} does not exist (relative to the case file)`);
    cases.push({
      file,
      index,
      line: lines[index] ?? 0,
      case: c,
      mode: c.mode ?? mode ?? 'multi',
      claims,
      directory: source,
      policy,
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { file, cases } };
}

/** A directory fixture resolved: a file that exists, or an inline document that validates. */
function fixture(
  value: DirectoryFixture,
  baseDir: string,
  options: LoadOptions,
): { source: DirectorySource; problem?: string } {
  const defaultOrg = options.defaultOrg ?? 'default';
  if (typeof value === 'string') {
    const file = path.resolve(baseDir, value);
    const source: DirectorySource = { kind: 'file', path: file };
    if (!existsSync(file))
      return { source, problem: `${value} does not exist (relative to the case file)` };
    try {
      parseDirectoryYaml(readFileSync(file, 'utf8'), defaultOrg, `directory file ${value}`);
      return { source };
    } catch (err) {
      return { source, problem: err instanceof Error ? err.message : String(err) };
    }
  }
  const source: DirectorySource = { kind: 'inline', doc: value };
  try {
    parseDirectoryDocument(value, { defaultOrg }, 'directory');
    return { source };
  } catch (err) {
    return { source, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** `file, case N "name"` (1-based N; the name when the entry has one). */
function caseLabel(file: string, index: number, entry: unknown): string {
  const name =
    typeof entry === 'object' && entry !== null && 'name' in entry && typeof entry.name === 'string'
      ? ` ${JSON.stringify(entry.name)}`
      : '';
  return `${file}, case ${index + 1}${name}`;
}

function keyOf(issuePath: z.core.$ZodIssue['path'], whole = '(case)'): string {
  return issuePath.map(String).join('.') || whole;
}

/** Relative to the working directory when the file is inside it, else as given. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
