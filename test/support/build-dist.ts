/**
 * Integration-tier global setup: builds `dist/`, which the tests that run the `orgwarden` command
 * as a real process use (support/command.ts). Type errors do not stop that build (tsc still emits;
 * `npm test` type-checks in its own step), so one unfinished file does not block every test.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const build = spawnSync(
    process.execPath,
    [path.resolve('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { encoding: 'utf8' },
  );
  if (build.error) throw build.error;
}
