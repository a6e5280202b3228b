/**
 * examples/library.mjs, run as a real process against the built library (global setup builds
 * dist/): it imports `orgwarden` by its package name, as an embedding service does, and prints one
 * line per decision. docs/library.md shows this output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const EXPECTED = [
  'carol writes a node in acme: allow (allowed) 200',
  'carol writes it again: allow (allowed) 200',
  'frank writes a node in acme: deny (access_denied, not_member) 403',
  'a caller without a token writes in acme: deny (unauthenticated, token_missing) 401',
  'carol names no action: refused (400) action: must be a string',
  'carol reads node n1 in acme (decide): allow (allowed) 200',
  'carol writes after her removal: deny (access_denied, not_member) 403',
];

it('prints the decisions docs/library.md shows, and leaves examples/directory.yaml as it was', () => {
  const directory = readFileSync(path.resolve('examples', 'directory.yaml'), 'utf8');
  const run = spawnSync(process.execPath, [path.resolve('examples', 'library.mjs')], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout.trim().split('\n')).toEqual(EXPECTED);
  expect(readFileSync(path.resolve('examples', 'directory.yaml'), 'utf8')).toBe(directory);
  const doc = readFileSync(path.resolve('docs', 'library.md'), 'utf8');
  for (const line of EXPECTED) expect(doc).toContain(line);
});
