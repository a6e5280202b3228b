/**
 * Integration tier (needs the pinned OPA): the decision-table cases that evaluate a broken policy
 * (`policy: ../support/fixtures/broken-policies/<name>`), compiled from their folders by
 * `orgwarden test`'s library entry. Every other case runs in decision-tables.test.ts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaseFilesAt } from '../src/evidence/case-files/index.js';
import { TEST_BUNDLE } from './support/paths.js';

const run = await runCaseFilesAt([path.join('test', 'decision-tables')], {
  policy: { bundle: TEST_BUNDLE },
  only: (c) => c.policy !== undefined,
});

describe('the cases of broken policies', () => {
  it('are the three broken policies, each failing closed', () => {
    const policies = new Set(run.files.flatMap((f) => f.results.map((r) => r.case.policy)));
    expect([...policies].map((p) => path.basename(p ?? '')).sort()).toEqual([
      'conflict',
      'malformed',
      'undefined',
    ]);
  });

  for (const { file, results } of run.files) {
    describe(file, () => {
      it.each(results.map((r) => [r.case.case.name, r] as const))('%s', (_name, r) => {
        expect(r.mismatches).toEqual([]);
      });
    });
  }
});
