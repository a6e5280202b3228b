/**
 * Compiles the default policy pack once per test run with the pinned OPA CLI; tests load the
 * resulting bundle (`policy.bundle`) instead of compiling again. Also builds `dist/`, which the
 * CLI tests run as a real process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compilePolicyDir } from '../../src/engine/opa-cli.js';
import { TEST_BUNDLE } from './paths.js';

export default async function setup(): Promise<void> {
  mkdirSync(path.dirname(TEST_BUNDLE), { recursive: true });
  writeFileSync(TEST_BUNDLE, await compilePolicyDir(path.resolve('policies')));
  execFileSync(process.execPath, [path.resolve('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
