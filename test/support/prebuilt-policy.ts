/**
 * The committed prebuilt bundle of the default policy pack, checked before the tests load it:
 * its record must match today's policy sources (a digest computed in Node, no OPA), and the
 * bundle's policy revision must be the one recorded when it was compiled. So a stale or swapped
 * bundle fails the run with the command that rebuilds it, and no test needs OPA to evaluate the
 * default policy. That the bundle is byte for byte what the pinned OPA compiles is proven by
 * test/bundle/prebuilt-bundle.test.ts (integration tier).
 */
import { readFileSync } from 'node:fs';
import { parseBundle, type PolicyBundle } from '../../src/bundle/policy-bundle.js';
import {
  PREBUILD_COMMAND,
  PREBUILT_BUNDLE,
  prebuiltFreshness,
} from '../../scripts/lib/prebuilt-policy.mjs';

/** The prebuilt bundle's bytes and parsed bundle; throws, saying how to fix it, when it is stale. */
export async function checkedPrebuiltBundle(): Promise<{ archive: Buffer; bundle: PolicyBundle }> {
  const freshness = prebuiltFreshness();
  if (!freshness.fresh) throw new Error(freshness.reason);
  const archive = readFileSync(PREBUILT_BUNDLE);
  const bundle = await parseBundle(archive, `prebuilt bundle ${PREBUILT_BUNDLE}`);
  if (bundle.revision !== freshness.record.revision) {
    throw new Error(
      `the prebuilt bundle has revision ${bundle.revision}, but ${freshness.record.revision} was recorded when it was built; run "${PREBUILD_COMMAND}"`,
    );
  }
  return { archive, bundle };
}
