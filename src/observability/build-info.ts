/**
 * What `orgwarden_build_info` reports about the build: the package version (read once, from the
 * package.json two folders up — the package root both from `src/observability/` and from
 * `dist/observability/`) and the Node.js version running it.
 */
import { readFileSync } from 'node:fs';
import type { BuildFacts } from './metrics.js';

export function buildFacts(): BuildFacts {
  return { version: packageVersion(), nodeVersion: process.version };
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    // A bundler that moved this file: the build is still served, its version is not known.
    return 'unknown';
  }
}
