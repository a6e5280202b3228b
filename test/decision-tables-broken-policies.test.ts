/**
 * Integration tier (needs the pinned OPA): the decision-table cases that evaluate a broken policy
 * (`policy: malformed | undefined | conflict`), compiled from test/support/fixtures/broken-policies.
 * Every other case runs in decision-tables.test.ts against the prebuilt default policy.
 */
import path from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { compilePolicyDir } from '../src/bundle/opa-cli.js';
import { parseBundle } from '../src/bundle/policy-bundle.js';
import { createPolicyEngine, type PolicyEngine } from '../src/engine/wasm-engine.js';
import { createCaseRunner } from './support/decision-table-runner.js';
import { BROKEN_POLICIES, loadDecisionTables, type Case } from './support/decision-table-schema.js';

const tables = loadDecisionTables(path.resolve('test', 'decision-tables'));
let run: (c: Case) => Promise<void>;

beforeAll(async () => {
  const engines: Record<string, PolicyEngine> = {};
  for (const name of BROKEN_POLICIES) {
    const archive = await compilePolicyDir(
      path.resolve('test/support/fixtures/broken-policies', name),
    );
    engines[name] = await createPolicyEngine(await parseBundle(archive, name));
  }
  run = await createCaseRunner(engines);
});

for (const { file, cases } of tables) {
  const here = cases.filter((c) => c.policy !== undefined);
  if (here.length === 0) continue;
  describe(file, () => {
    it.each(here.map((c) => [c.name, c] as const))('%s', (_name, c) => run(c));
  });
}
