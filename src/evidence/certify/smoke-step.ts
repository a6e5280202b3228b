/**
 * Step 2, the smoke cases: the policy's own cases (`data.orgwarden.smoke`) and the built-in ones,
 * on the loaded engine — the same check every policy load runs before a swap.
 */
import type { PolicyEngine } from '../../engine/wasm-engine.js';
import { runSmokeCases } from '../../policy-rollout/smoke-cases.js';
import { stepResult, type StepResult } from './types.js';

export function smokeStep(
  engine: PolicyEngine,
  data: Readonly<Record<string, unknown>>,
  command: string,
): StepResult {
  try {
    const report = runSmokeCases(engine, data);
    const total = report.cases + report.builtin;
    return stepResult('smoke', 'pass', {
      commands: [{ command, exit: 0, status: 'pass' }],
      figures: {
        smoke_cases: `${total} passed (${report.cases} of the policy, ${report.builtin} built-in)`,
      },
      ...(report.cases === 0
        ? { emptyOutput: 'the policy carries no smoke cases of its own' }
        : {}),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return stepResult('smoke', 'fail', {
      reason,
      commands: [{ command, exit: 1, status: 'fail', reason }],
      failures: [reason],
    });
  }
}
