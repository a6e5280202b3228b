// The pinned policy toolchain: which OPA, how the policy pack is compiled, and where OPA is found.
// Shared by scripts/opa.mjs (policy tooling), scripts/start.mjs and the prebuilt-bundle check.
// Plain Node ESM, no dependencies.

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The one OPA version the policies are written, tested and compiled with.
export const OPA_VERSION = '1.22.3';
// Entrypoints compiled into the WASM module; the engine evaluates these paths.
export const ENTRYPOINTS = ['orgwarden/authz/decision', 'orgwarden/authz/explain'];

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const POLICY_DIR = 'policies'; // relative to REPO
export const TOOLS_BIN = path.join(REPO, '.tools', 'bin');
const EXE = process.platform === 'win32' ? '.exe' : '';
export const LOCAL_OPA = path.join(TOOLS_BIN, 'opa' + EXE);
// policies/ is loaded in bundle mode: only files named data.json / data.yaml are data, so other
// files there (the forward-auth route manifest, routes.yaml) never leak into the policy's data.
export const BUNDLE_MODE = '--bundle';
// Files that are never compiled into a bundle.
const NOT_IN_BUNDLE = ['*_test.rego'];

/**
 * The `opa build` arguments, run from inside the policy folder: opa names each file by the path it
 * was given, in the archive and inside the WASM, so building "." keeps the repository's location out
 * of the bundle. The product compiles `policy.dir` the same way (src/bundle/opa-cli.ts).
 */
export function opaBuildArgs(outPath) {
  return [
    'build',
    '--target=wasm',
    ...ENTRYPOINTS.flatMap((entrypoint) => ['--entrypoint', entrypoint]),
    BUNDLE_MODE,
    ...NOT_IN_BUNDLE.flatMap((pattern) => ['--ignore', pattern]),
    '--output',
    outPath,
    '.',
  ];
}

/** The version an opa binary reports, or null when it does not run. */
export function opaVersion(bin) {
  const result = spawnSync(bin, ['version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  const match = /^Version:\s*v?(\S+)/m.exec(result.stdout);
  return match ? match[1] : null;
}

function isFile(file) {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @param {string} name the command name without the platform's executable suffix */
function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name + EXE);
    if (isFile(candidate)) return candidate;
  }
  return null;
}

/**
 * The pinned OPA where it is already installed, or null; never installs anything. First match wins:
 * ORGWARDEN_OPA (used as given, whatever its version), .tools/bin/opa, opa on PATH.
 */
export function findInstalledOpa() {
  const fromEnv = process.env.ORGWARDEN_OPA;
  if (fromEnv) {
    const version = opaVersion(fromEnv);
    return version === null ? null : { bin: fromEnv, version };
  }
  if (existsSync(LOCAL_OPA) && opaVersion(LOCAL_OPA) === OPA_VERSION)
    return { bin: LOCAL_OPA, version: OPA_VERSION };
  const onPath = findOnPath('opa');
  if (onPath && opaVersion(onPath) === OPA_VERSION) return { bin: onPath, version: OPA_VERSION };
  return null;
}
