/**
 * Case files as a library: what `orgwarden test` runs, and what the repository's own decision
 * tables run through in `npm test`. Load every file (all problems at once), load the policies,
 * run each case through the decision core, hand back the results; reporting is the caller's.
 */
import { existsSync } from 'node:fs';
import type { PolicySource } from '../../bundle/policy-source.js';
import { CaseFileError, loadCaseFiles, type LoadedCase } from './load.js';
import { caseEngines, loadEngine, PREBUILT_POLICY } from './policies.js';
import { runCaseFiles, type FileResult } from './run.js';
import { createCaseWorld, type TenancyNames } from './world.js';

export { CaseFileError, loadCaseFiles, parseCaseFile } from './load.js';
export type { LoadedCase } from './load.js';
export { junitReport } from './report-junit.js';
export { fileLine, summaryLines } from './report-text.js';
export { createCaseWorld, type CaseWorld } from './world.js';

export interface TestRunOptions {
  /** The run's policy (default: the prebuilt default pack). */
  policy?: PolicySource;
  /** The run's directory file, for case files that name none. */
  directoryFile?: string;
  tenancy?: TenancyNames;
  /** Run only the cases this keeps (default: all). The rest are loaded and checked, not run. */
  only?: (c: LoadedCase) => boolean;
  /** Hears which policy the run evaluates, once it is loaded and before any case runs. */
  onPolicy?: (policy: TestRun['policy']) => void;
  /** Hears each file as it finishes (progress). */
  onFile?: (result: FileResult) => void;
  env?: Record<string, string | undefined>;
}

export interface TestRun {
  /** Where the run's policy came from, and its revision. */
  policy: { source: string; revision: string };
  files: FileResult[];
  passed: boolean;
}

/** Loads and runs the case files under `paths`; throws CaseFileError when any does not validate. */
export async function runCaseFilesAt(
  paths: readonly string[],
  options: TestRunOptions = {},
): Promise<TestRun> {
  const loaded = loadCaseFiles(paths, { defaultOrg: options.tenancy?.default_org });
  const only = options.only ?? (() => true);
  const files = loaded
    .map((f) => ({ ...f, cases: f.cases.filter(only) }))
    .filter((f) => f.cases.length > 0);
  if (options.directoryFile === undefined) {
    const without = files.filter((f) => f.cases.some((c) => c.directory.kind === 'run'));
    if (without.length > 0)
      throw new CaseFileError(
        without.map((f) => `${f.file}: directory: none given (add "directory:" or pass --config)`),
      );
  }
  if (!options.policy && !existsSync(PREBUILT_POLICY))
    throw new Error(
      'the prebuilt default policy is not part of this install: pass --policy DIR|BUNDLE or --config FILE',
    );
  const source = options.policy ?? { bundle: PREBUILT_POLICY };
  const engine = await loadEngine(source, options.env);
  const label = source.bundle === PREBUILT_POLICY ? 'the prebuilt default policy' : undefined;
  const policy = {
    source: label ?? source.dir ?? source.bundle ?? '',
    revision: engine.revision,
  };
  options.onPolicy?.(policy);
  const world = await createCaseWorld({
    engineFor: await caseEngines(files, engine, options.env),
    ...(options.tenancy ? { tenancy: options.tenancy } : {}),
    ...(options.directoryFile !== undefined ? { directoryFile: options.directoryFile } : {}),
  });
  try {
    const results = await runCaseFiles(world, files, options.onFile);
    return {
      policy,
      files: results,
      passed: results.every((f) => f.results.every((r) => r.passed)),
    };
  } finally {
    await world.close();
  }
}
