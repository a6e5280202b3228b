/**
 * Running loaded cases: each case's decision compared with what it expects. A case passes when
 * every field it names is what the core decided, and the decision keeps the contract's invariants
 * (`status` is the status of its reason, `multi_tenant` is the case's mode, an allow is no spoof).
 * A case whose document the core refuses (400) fails with that message: it asked nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Decision } from '../../contract/decision.js';
import { REASON_STATUS } from '../../contract/reasons.js';
import type { CaseFile, LoadedCase } from './load.js';
import type { CaseWorld } from './world.js';

/** One field the decision got wrong. */
interface Mismatch {
  field: string;
  expected: unknown;
  got: unknown;
}

export interface CaseResult {
  case: LoadedCase;
  passed: boolean;
  mismatches: Mismatch[];
  decision: Decision | null;
  /** Milliseconds the case took. */
  ms: number;
}

export interface FileResult {
  file: string;
  results: CaseResult[];
}

/** The fields of the decision `c` gets wrong (empty: it passes). */
function mismatches(c: LoadedCase, decision: Decision): Mismatch[] {
  const found: Mismatch[] = [];
  const got = decision as unknown as Record<string, unknown>;
  for (const [field, expected] of Object.entries(c.case.expect)) {
    if (!isDeepStrictEqual(got[field], expected))
      found.push({ field, expected, got: got[field] ?? null });
  }
  const status = REASON_STATUS[decision.reason];
  if (decision.status !== status)
    found.push({ field: 'status', expected: status, got: decision.status });
  const multiTenant = c.mode !== 'single';
  if (decision.multi_tenant !== multiTenant)
    found.push({ field: 'multi_tenant', expected: multiTenant, got: decision.multi_tenant });
  if (decision.allow && decision.spoof)
    found.push({ field: 'spoof', expected: false, got: decision.spoof });
  return found;
}

async function runCase(world: CaseWorld, c: LoadedCase): Promise<CaseResult> {
  const started = performance.now();
  const answer = await world.decide(c);
  const ms = performance.now() - started;
  if (!answer.ok) {
    const refused = { field: 'request', expected: 'a decision', got: `400: ${answer.message}` };
    return { case: c, passed: false, mismatches: [refused], decision: null, ms };
  }
  const found = mismatches(c, answer.value);
  return { case: c, passed: found.length === 0, mismatches: found, decision: answer.value, ms };
}

/** Runs every case of every file in order; `onFile` hears each file as it finishes. */
export async function runCaseFiles(
  world: CaseWorld,
  files: readonly CaseFile[],
  onFile: (result: FileResult) => void = () => undefined,
): Promise<FileResult[]> {
  const out: FileResult[] = [];
  for (const file of files) {
    const results: CaseResult[] = [];
    for (const c of file.cases) results.push(await runCase(world, c));
    const result = { file: file.file, results };
    onFile(result);
    out.push(result);
  }
  return out;
}
