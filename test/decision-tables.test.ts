/**
 * Decision tables (test/decision-tables/*.yaml, schema in support/decision-table-schema.ts)
 * replayed through the decision core with the default policy (the prebuilt bundle global setup
 * checked), real HS256 tokens and the file directory fixture. The cases that evaluate a broken
 * policy (`policy:`) need OPA to compile it and run in decision-tables-broken-policies.test.ts.
 * A final group keeps the tables honest: every reason code twice, every catalogue action, both modes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REASON_STATUS } from '../src/contract/reasons.js';
import { loadPolicyBundle } from '../src/bundle/policy-bundle.js';
import { createPolicyEngine } from '../src/engine/wasm-engine.js';
import { createCaseRunner } from './support/decision-table-runner.js';
import { loadDecisionTables, type Case } from './support/decision-table-schema.js';
import { TEST_BUNDLE } from './support/paths.js';

const tables = loadDecisionTables(path.resolve('test', 'decision-tables'));
let run: (c: Case) => Promise<void>;

beforeAll(async () => {
  run = await createCaseRunner({
    default: await createPolicyEngine(await loadPolicyBundle({ bundle: TEST_BUNDLE })),
  });
});

for (const { file, cases } of tables) {
  const here = cases.filter((c) => c.policy === undefined);
  if (here.length === 0) continue;
  describe(file, () => {
    it.each(here.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });
}

describe('the tables themselves', () => {
  const all = tables.flatMap((t) => t.cases);
  it('cover every reason code at least twice', () => {
    const counts = new Map<string, number>();
    for (const c of all) counts.set(c.expect.reason, (counts.get(c.expect.reason) ?? 0) + 1);
    const thin = Object.keys(REASON_STATUS).filter((r) => (counts.get(r) ?? 0) < 2);
    expect(thin).toEqual([]);
  });

  it('cover every action in the catalogue, and both modes', () => {
    const catalogue = JSON.parse(
      readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8'),
    ) as { actions: Record<string, unknown> };
    const used = new Set(all.map((c) => c.request.action));
    expect(Object.keys(catalogue.actions).filter((a) => !used.has(a))).toEqual([]);
    expect(new Set(all.map((c) => c.mode ?? 'multi'))).toEqual(new Set(['multi', 'single']));
  });

  it('use unique names', () => {
    const names = all.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
