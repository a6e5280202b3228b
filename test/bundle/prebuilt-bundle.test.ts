/**
 * Integration tier (needs the pinned OPA): the committed prebuilt bundle, which `npm start` serves
 * without OPA and the tests load, is byte for byte what the pinned OPA compiles from policies/
 * today, the way the sidecar compiles `policy.dir`. When this fails, run `npm run policy:prebuild`
 * and commit prebuilt/.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicyDir } from '../../src/bundle/opa-cli.js';
import { parseBundle } from '../../src/bundle/policy-bundle.js';
import { checkedPrebuiltBundle } from '../support/prebuilt-policy.js';

describe('the prebuilt policy bundle', () => {
  it('is byte for byte what the pinned OPA compiles from policies/ (npm run policy:prebuild rebuilds it)', async () => {
    const { archive, bundle } = await checkedPrebuiltBundle();
    const compiled = await compilePolicyDir(path.resolve('policies'));
    expect((await parseBundle(compiled, 'policies/')).revision, 'revision of a fresh compile').toBe(
      bundle.revision,
    );
    expect(compiled.length, 'archive size').toBe(archive.length);
    expect(compiled.equals(archive), 'archive bytes').toBe(true);
  });
});
