/**
 * Every test file is in exactly one tier (test/tiers.ts): the integration list names only test
 * files that exist, once each, and no file that looks like a test sits where vitest does not look.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_FILES, TEST_FILES } from './tiers.js';

/** Every file under `dir` (repository-relative, "/"-separated), skipping dependencies and outputs. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const name = path.posix.join(dir, entry.name);
    if (entry.isDirectory())
      return ['node_modules', 'dist', '.build', '.tools', '.git'].includes(entry.name)
        ? []
        : filesUnder(name);
    return entry.isFile() ? [name] : [];
  });
}

const ALL_FILES = ['test', 'src', 'bench', 'scripts'].flatMap(filesUnder);
// The globs of TEST_FILES as a test: "**" followed by a slash is any run of folders, "*" any part
// of one name.
function globTest(globs: readonly string[]): (file: string) => boolean {
  const part = (text: string) =>
    text === '**/'
      ? '(?:[^/]+/)*'
      : text === '*'
        ? '[^/]*'
        : text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const patterns = globs.map(
    (glob) =>
      new RegExp(
        `^${glob
          .split(/(\*\*\/|\*)/)
          .map(part)
          .join('')}$`,
      ),
  );
  return (file) => patterns.some((pattern) => pattern.test(file));
}
const isTestFile = globTest(TEST_FILES);
const TESTS = ALL_FILES.filter((file) => isTestFile(file));

describe('test tiers', () => {
  it('every integration entry is a test file, listed once', () => {
    expect(INTEGRATION_FILES.filter((file) => !TESTS.includes(file))).toEqual([]);
    expect(INTEGRATION_FILES.filter((file, at) => INTEGRATION_FILES.indexOf(file) !== at)).toEqual(
      [],
    );
  });

  it('both tiers together are every test file, and neither is empty', () => {
    const unit = TESTS.filter((file) => !INTEGRATION_FILES.includes(file));
    expect(unit.length).toBeGreaterThan(INTEGRATION_FILES.length);
    expect([...unit, ...INTEGRATION_FILES].sort()).toEqual([...TESTS].sort());
  });

  it('no test-looking file sits where vitest does not look for tests', () => {
    const lookLikeTests = ALL_FILES.filter((file) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(file));
    expect(lookLikeTests.filter((file) => !isTestFile(file))).toEqual([]);
  });
});
