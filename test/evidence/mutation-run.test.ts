/**
 * The mutation runner end to end (scripts/policy-mutants.mjs, from the dist/ this tier builds):
 * a small reproducible sample compiled with the pinned OPA and run against the suites, and one
 * hand-picked harmful mutant every suite run must catch.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts', 'policy-mutants.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-mutation-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

interface SuiteResult {
  name: string;
  killed: boolean;
  detail: string;
}
interface Report {
  generated: number;
  suites: string[];
  skipped: { name: string; why: string }[];
  summary: {
    run: number;
    stillborn: number;
    killed: number;
    survived: number;
    killedBySuite: Record<string, number>;
    score: number | null;
  };
  mutants: {
    id: string;
    stillborn: string | null;
    killedBy: string[];
    suites: SuiteResult[];
  }[];
}

/** The line of shares.rego where an accepted share grants access. */
function acceptedShareMutant(): string {
  const source = readFileSync(path.resolve('policies/orgwarden/authz/shares.rego'), 'utf8');
  const line = source.split('\n').findIndex((l) => l.includes('share.state == "accepted"')) + 1;
  expect(line).toBeGreaterThan(0);
  return `authz/shares.rego:${line}:swap-literal:1`;
}

describe('npm run mutation', () => {
  it('runs a reproducible sample and reports figures that add up', async () => {
    const json = path.join(work, 'sample.json');
    const [listed, run] = await Promise.all([
      runScript(['--limit', '6', '--seed', '1', '--list']),
      runScript(['--limit', '6', '--seed', '1', '--json', json]),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const { summary, mutants } = report;

    // the sample is the one --list names for the same seed
    const ids = listed.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    expect(mutants.map((m) => m.id)).toEqual(ids);
    expect(summary.run).toBe(6);
    expect(report.generated).toBeGreaterThan(100);

    // every suite either ran or was skipped with a reason; rego and smoke always run
    expect([...report.suites, ...report.skipped.map((s) => s.name)].sort()).toEqual([
      'boundary',
      'rego',
      'smoke',
    ]);
    expect(report.suites).toEqual(expect.arrayContaining(['rego', 'smoke']));

    // counts add up, and agree with each mutant's own results
    expect(summary.stillborn + summary.killed + summary.survived).toBe(summary.run);
    const ran = mutants.filter((m) => m.stillborn === null);
    expect(ran.filter((m) => m.killedBy.length > 0)).toHaveLength(summary.killed);
    for (const m of ran) {
      expect(m.suites.map((s) => s.name)).toEqual(report.suites);
      expect(m.killedBy).toEqual(m.suites.filter((s) => s.killed).map((s) => s.name));
    }
    for (const suite of report.suites) {
      expect(summary.killedBySuite[suite]).toBe(
        ran.filter((m) => m.killedBy.includes(suite)).length,
      );
    }
    const expectedScore =
      ran.length === 0 ? null : Math.round((summary.killed / ran.length) * 1000) / 10;
    expect(summary.score).toBe(expectedScore);

    // what it prints is what it wrote; progress goes to stderr, one line per mutant
    expect(run.stdout).toContain(`killed (by any suite): ${summary.killed}`);
    expect(run.stdout).toContain(`stillborn (do not compile or load): ${summary.stillborn}`);
    expect(run.stderr.match(/^\[\d+\/6\] authz\/\S+\.rego:\d+ [a-z-]+ … /gm)).toHaveLength(6);
  }, 900_000);

  it('kills the mutant that lets a pending share grant access, with the Rego tests', async () => {
    const id = acceptedShareMutant();
    const json = path.join(work, 'accepted.json');
    const run = await runScript(['--only', id, '--suites', 'rego', '--jobs', '1', '--json', json]);
    expect(run.code, run.stderr).toBe(0);
    const [mutant] = (JSON.parse(readFileSync(json, 'utf8')) as Report).mutants;
    expect(mutant).toMatchObject({ id, stillborn: null, killedBy: ['rego'] });
    expect(mutant?.suites[0]?.detail).toMatch(/test_/);
  }, 900_000);

  it('refuses bad options with exit 2, naming the option', async () => {
    const [limit, operators, only, bogus] = await Promise.all([
      runScript(['--limit', '0']),
      runScript(['--operators', 'flip-eq,nope']),
      runScript(['--only', 'authz/none.rego:1:flip-eq:1']),
      runScript(['--bogus']),
    ]);
    expect([limit.code, operators.code, only.code, bogus.code]).toEqual([2, 2, 2, 2]);
    expect(limit.stderr).toContain('--limit must be an integer of at least 1');
    expect(operators.stderr).toContain('--operators: unknown nope');
    expect(only.stderr).toContain('--only: no mutant authz/none.rego:1:flip-eq:1');
    expect(bogus.stderr).toContain("Unknown option '--bogus'");
  });
});
