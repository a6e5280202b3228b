/**
 * Puts the default policy pack where the tests load it (`TEST_BUNDLE`, as `policy.bundle`): the
 * committed prebuilt bundle, after checking it against today's policy sources and its recorded
 * revision (prebuilt-policy.ts). No OPA is needed; a stale bundle stops the run and names the
 * command that rebuilds it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_BUNDLE } from './paths.js';
import { checkedPrebuiltBundle } from './prebuilt-policy.js';

export default async function setup(): Promise<void> {
  const { archive } = await checkedPrebuiltBundle();
  mkdirSync(path.dirname(TEST_BUNDLE), { recursive: true });
  writeFileSync(TEST_BUNDLE, archive);
}
