// The committed prebuilt bundle of the default policy pack, and the record that says which sources
// it was compiled from. `npm start` serves it when OPA is not installed, and the test run loads it
// instead of compiling, so neither needs OPA. Plain Node ESM, no dependencies.
//
// Invariant: the record's `sources` is the source digest of policies/ (below) at the time the bundle
// was compiled by the pinned OPA, and its `revision` is that bundle's policy revision
// (src/bundle/policy-revision.ts). A bundle is fresh when the digest of today's sources equals the
// record's; that costs a few file reads and no OPA. The integration test
// test/bundle/prebuilt-bundle.test.ts (integration tier) proves the bundle is byte for byte what the
// pinned OPA compiles from those sources.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENTRYPOINTS, OPA_VERSION, POLICY_DIR, REPO } from './opa-pin.mjs';

const PREBUILT_DIR = path.join(REPO, 'prebuilt');
export const PREBUILT_BUNDLE = path.join(PREBUILT_DIR, 'default-policy.tar.gz');
export const PREBUILT_RECORD = path.join(PREBUILT_DIR, 'default-policy.json');
export const PREBUILD_COMMAND = 'npm run policy:prebuild';

// The files `opa build --bundle` reads from a policy folder: Rego modules and the bundle's data and
// manifest files. Test modules are ignored by the build (NOT_IN_BUNDLE); routes.yaml is not bundle
// input. Anything else in the folder cannot change the compiled bundle.
const BUNDLE_INPUT = /(^|\/)(data\.json|data\.ya?ml|\.manifest|policy\.wasm|plan\.json)$|\.rego$/;
const TEST_MODULE_SUFFIX = '_test.rego';

function walk(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return walk(path.join(dir, entry.name), name);
    return entry.isFile() ? [name] : [];
  });
}

/** The bundle-input files of a policy folder, relative to it, in byte order. */
export function policySourceFiles(dir = path.join(REPO, POLICY_DIR)) {
  return walk(dir)
    .filter((name) => BUNDLE_INPUT.test(name) && !name.endsWith(TEST_MODULE_SUFFIX))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * `sha256:<hex>` over the pin (OPA version, entrypoints) and a sha256sum-style listing of the
 * bundle-input files: any change to a rule, a comment, a data value or the pin changes it.
 */
export function policySourceDigest(dir = path.join(REPO, POLICY_DIR)) {
  const lines = [
    `opa ${OPA_VERSION}\n`,
    ...ENTRYPOINTS.map((entrypoint) => `entrypoint ${entrypoint}\n`),
  ];
  for (const name of policySourceFiles(dir)) {
    const digest = createHash('sha256')
      .update(readFileSync(path.join(dir, name)))
      .digest('hex');
    lines.push(`${digest}  ${name}\n`);
  }
  return `sha256:${createHash('sha256').update(lines.join(''), 'utf8').digest('hex')}`;
}

/** The committed record, or null when there is none (or it is not the expected shape). */
function readPrebuiltRecord() {
  let record;
  try {
    record = JSON.parse(readFileSync(PREBUILT_RECORD, 'utf8'));
  } catch {
    return null;
  }
  const ok =
    record !== null &&
    typeof record === 'object' &&
    typeof record.sources === 'string' &&
    typeof record.revision === 'string' &&
    typeof record.opa_version === 'string';
  return ok ? record : null;
}

export function writePrebuiltRecord({ sources, revision }) {
  const record = { opa_version: OPA_VERSION, entrypoints: ENTRYPOINTS, sources, revision };
  writeFileSync(PREBUILT_RECORD, `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/**
 * Whether the committed bundle was compiled from today's policy sources with today's pin:
 * `{ fresh: true, record }` or `{ fresh: false, reason }` (a sentence that says how to fix it).
 */
export function prebuiltFreshness(dir = path.join(REPO, POLICY_DIR)) {
  const record = readPrebuiltRecord();
  const fix = `run "${PREBUILD_COMMAND}" (needs the pinned OPA v${OPA_VERSION}) and commit ${path.relative(REPO, PREBUILT_DIR)}/`;
  if (!record)
    return {
      fresh: false,
      reason: `${path.relative(REPO, PREBUILT_RECORD)} is missing or unreadable; ${fix}`,
    };
  const sources = policySourceDigest(dir);
  if (record.sources !== sources)
    return {
      fresh: false,
      reason: `the prebuilt policy bundle was compiled from other policy sources or another OPA pin than ${POLICY_DIR}/ has now; ${fix}`,
    };
  return { fresh: true, record };
}
