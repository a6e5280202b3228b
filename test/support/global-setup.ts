/**
 * Compiles the default policy pack once per test run with the pinned OPA CLI; tests load the
 * resulting bundle (`policy.bundle`) instead of compiling again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compilePolicyDir } from '../../src/engine/opa-cli.js';
import { TEST_BUNDLE } from './paths.js';

export default async function setup(): Promise<void> {
  mkdirSync(path.dirname(TEST_BUNDLE), { recursive: true });
  writeFileSync(TEST_BUNDLE, await compilePolicyDir(path.resolve('policies')));
}
