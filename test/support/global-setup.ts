/**
 * Compiles the default policy pack once per test run with the pinned OPA CLI; tests load the
 * resulting bundle (`policy.bundle`) instead of compiling again. It also builds `dist/`, which the
 * tests that run the `orgwarden` command as a real process use. Type errors do not stop that
 * build (tsc still emits; `npm test` type-checks in its own step), so one unfinished file does
 * not block every test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compilePolicyDir } from '../../src/bundle/opa-cli.js';
import { TEST_BUNDLE } from './paths.js';

export default async function setup(): Promise<void> {
  mkdirSync(path.dirname(TEST_BUNDLE), { recursive: true });
  writeFileSync(TEST_BUNDLE, await compilePolicyDir(path.resolve('policies')));
  const build = spawnSync(process.execPath, [path.resolve('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (build.error) throw build.error;
}
