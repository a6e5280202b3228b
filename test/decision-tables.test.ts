/**
 * The repository's decision tables (test/decision-tables/*.yaml, case files: docs/reviewing.md)
 * run through `orgwarden test`'s library entry, so a failing table fails `npm test`: the default
 * policy (the prebuilt bundle global setup checked), tokens the run signs, each file's directory
 * fixture. The cases that evaluate a broken policy (`policy:`) need OPA to compile it and run in
 * decision-tables-broken-policies.test.ts. A final group keeps the tables honest: every reason
 * code twice, every catalogue action, both modes, unique names.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASON_STATUS } from '../src/contract/reasons.js';
import { loadCaseFiles, runCaseFilesAt } from '../src/evidence/case-files/index.js';
import { TEST_BUNDLE } from './support/paths.js';

const TABLES = path.join('test', 'decision-tables');
const run = await runCaseFilesAt([TABLES], {
  policy: { bundle: TEST_BUNDLE },
  only: (c) => c.policy === undefined,
});

describe('every decision table passes through orgwarden test', () => {
  it('runs every table file with the default policy', () => {
    expect(run.files.length).toBeGreaterThanOrEqual(7);
    expect(run.passed).toBe(true);
  });

  for (const { file, results } of run.files) {
    describe(file, () => {
      it.each(results.map((r) => [r.case.case.name, r] as const))('%s', (_name, r) => {
        expect(r.mismatches).toEqual([]);
      });
    });
  }
});

describe('the tables themselves', () => {
  const all = loadCaseFiles([TABLES]).flatMap((t) => t.cases);
  it('cover every reason code at least twice', () => {
    const counts = new Map<string, number>();
    for (const { case: c } of all)
      counts.set(c.expect.reason, (counts.get(c.expect.reason) ?? 0) + 1);
    const thin = Object.keys(REASON_STATUS).filter((r) => (counts.get(r) ?? 0) < 2);
    expect(thin).toEqual([]);
  });

  it('cover every action in the catalogue, and both modes', () => {
    const catalogue = JSON.parse(
      readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8'),
    ) as { actions: Record<string, unknown> };
    const used = new Set(all.map((c) => c.case.request.action));
    expect(Object.keys(catalogue.actions).filter((a) => !used.has(a))).toEqual([]);
    expect(new Set(all.map((c) => c.mode))).toEqual(new Set(['multi', 'single']));
  });

  it('use unique names', () => {
    const names = all.map((c) => c.case.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
