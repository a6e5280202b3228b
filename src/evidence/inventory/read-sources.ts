/**
 * Reading the inventory's test sources from disk: the policy dir's Rego tests and a folder of
 * decision tables. Everything here only reads; the builders get plain text.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DecisionTableError, parseDecisionTables, type TableCase } from './decision-tables.js';
import { scanRegoTests, type RegoTestCase } from './rego-tests.js';

/** Files under `dir` (recursively) whose name passes `keep`, as paths relative to `dir`, sorted. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** The Rego test cases of every `*_test.rego` under `dir`. */
export function readRegoTests(dir: string): RegoTestCase[] {
  const files = filesUnder(dir, (n) => n.endsWith('_test.rego')).map((file) => ({
    file: file.split(path.sep).join('/'),
    text: readFileSync(path.join(dir, file), 'utf8'),
  }));
  return scanRegoTests(files);
}

/** The cases of every `*.yaml` / `*.yml` directly in `dir`; an unreadable folder names itself. */
export function readDecisionTables(dir: string): TableCase[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DecisionTableError(dir, [
      { path: '', message: `cannot read the decision-table folder (${code})` },
    ]);
  }
  return parseDecisionTables(
    names.map((file) => ({
      file,
      path: path.join(dir, file),
      text: readFileSync(path.join(dir, file), 'utf8'),
    })),
  );
}

/**
 * `test/decision-tables` of the project the config belongs to: the nearest folder at or above the
 * config file's folder that holds a `package.json`. Null when there is none, or it has no tables.
 */
export function findDecisionTables(configFile: string): string | null {
  let dir = path.dirname(path.resolve(configFile));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) {
      const tables = path.join(dir, 'test', 'decision-tables');
      return existsSync(tables) && statSync(tables).isDirectory() ? tables : null;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
