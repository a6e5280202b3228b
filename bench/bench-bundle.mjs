// Shared by the benchmark scripts: a scratch folder with the default policy pack built into a
// WASM bundle by the pinned OPA (scripts/opa.mjs), as `npm run policy:build` makes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function buildBenchBundle(root, name) {
  const work = mkdtempSync(path.join(os.tmpdir(), `orgwarden-${name}-`));
  const bundle = path.join(work, 'bundle.tar.gz');
  console.log('bench: building the policy bundle...');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'opa.mjs'), 'build', '--out', bundle], { stdio: 'inherit' });
  return { work, bundle };
}
