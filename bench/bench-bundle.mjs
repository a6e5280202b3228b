// Shared by the benchmark scripts: a scratch folder and the default policy pack as a WASM bundle:
// the committed prebuilt bundle (no OPA needed) when it matches policies/, else a fresh build by
// the pinned OPA (scripts/opa.mjs), as `npm run policy:build` makes it.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { PREBUILT_BUNDLE, prebuiltFreshness } from '../scripts/lib/prebuilt-policy.mjs';

export function buildBenchBundle(root, name) {
  const work = mkdtempSync(path.join(os.tmpdir(), `orgwarden-${name}-`));
  const bundle = path.join(work, 'bundle.tar.gz');
  if (prebuiltFreshness().fresh) {
    copyFileSync(PREBUILT_BUNDLE, bundle);
    return { work, bundle };
  }
  console.log('bench: policies/ changed since the prebuilt bundle; building the policy bundle...');
  execFileSync(
    process.execPath,
    [path.join(root, 'scripts', 'opa.mjs'), 'build', '--out', bundle],
    { stdio: 'inherit' },
  );
  return { work, bundle };
}
