/**
 * The policies cases evaluate: the run's (the prebuilt default pack, `--policy DIR|BUNDLE`, or the
 * config's `policy`), and any a case names with `policy:`. A folder is compiled with the pinned OPA
 * (as `policy.dir` is at start); a file is read as a bundle. Each is loaded once per run.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicyBundle } from '../../bundle/policy-bundle.js';
import type { PolicySource } from '../../bundle/policy-source.js';
import { createPolicyEngine, type PolicyEngine } from '../../engine/wasm-engine.js';
import type { CaseFile, LoadedCase } from './load.js';

/**
 * The committed prebuilt bundle of the default pack, at the package root (this file is three
 * folders below it, in src/ and in dist/ alike). It is the pack as last prebuilt: after editing
 * policies/, pass `--policy policies` to test the edit.
 */
export const PREBUILT_POLICY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'prebuilt',
  'default-policy.tar.gz',
);

/** A folder is a policy dir, anything else a bundle. */
export function policySourceOf(ref: string): PolicySource {
  let folder = false;
  try {
    folder = statSync(ref).isDirectory();
  } catch {
    // missing: loadPolicyBundle names the file it cannot read
  }
  return folder ? { dir: ref } : { bundle: ref };
}

export async function loadEngine(
  source: PolicySource,
  env: Record<string, string | undefined> = process.env,
): Promise<PolicyEngine> {
  return createPolicyEngine(await loadPolicyBundle(source, env));
}

/** `engineFor` over the run's engine and the policies the cases of `files` name (each once). */
export async function caseEngines(
  files: readonly CaseFile[],
  run: PolicyEngine,
  env: Record<string, string | undefined> = process.env,
): Promise<(c: LoadedCase) => PolicyEngine> {
  const named = new Map<string, PolicyEngine>();
  for (const ref of new Set(files.flatMap((f) => f.cases.map((c) => c.policy)))) {
    if (ref !== undefined) named.set(ref, await loadEngine(policySourceOf(ref), env));
  }
  return (c) => (c.policy === undefined ? run : (named.get(c.policy) ?? run));
}
