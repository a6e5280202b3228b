/**
 * The policy revision is a content hash of the policy (docs/policies.md, "Policy revision"): one
 * pack compiled in two folders, by the sidecar (policy.dir), by `npm run policy:build` or
 * `orgwarden policy build`, gives the same archive, the same WASM and the same revision; signing,
 * re-signing or repacking a bundle keeps its revision; a one-byte change of a rule or of the data
 * changes it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyRevision, revisionListing } from '../../src/bundle/policy-revision.js';
import { PolicyCompileError, compilePolicyDir, findOpa } from '../../src/bundle/opa-cli.js';
import { parseBundle, type PolicyBundle } from '../../src/bundle/policy-bundle.js';
import { readTarGz } from '../../src/bundle/tar-read.js';
import { createCommandRunner } from '../support/command.js';
import {
  POLICIES,
  STRICTER_ROLES,
  candidatePolicies,
  keyPair,
  rewrite,
  scratch,
  signArchive,
  type Scratch,
} from './helpers.js';

const run = promisify(execFile);
let tmp: Scratch;
let archive: Buffer;
let reference: PolicyBundle;

beforeAll(async () => {
  tmp = scratch();
  archive = await compilePolicyDir(POLICIES);
  reference = await parseBundle(archive, 'policies');
});
afterAll(() => tmp.remove());

/** A copy of the default pack at `relative` (folders created as needed) under the scratch folder. */
function copyAt(...relative: string[]): string {
  const dir = path.join(tmp.dir, ...relative);
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(POLICIES, dir, { recursive: true });
  return dir;
}

describe('the same policy files, built anywhere', () => {
  it('compile to the same archive bytes, WASM and revision from two folders of different names and depths; no folder path in the bundle', async () => {
    const shallow = copyAt('p');
    const deep = copyAt('ci runner 7', 'builds', 'a1b2c3', 'checkout', 'policies');
    const [a, b] = await Promise.all([compilePolicyDir(shallow), compilePolicyDir(deep)]);
    const [bundleA, bundleB] = [await parseBundle(a, shallow), await parseBundle(b, deep)];
    expect(bundleA.revision).toBe(bundleB.revision);
    expect(bundleA.revision).toBe(reference.revision);
    expect(bundleA.wasm.equals(bundleB.wasm)).toBe(true);
    expect(a.equals(b)).toBe(true);
    for (const bundle of [bundleA, bundleB]) {
      expect(bundle.wasm.includes(Buffer.from(tmp.dir))).toBe(false);
      expect([...bundle.files.keys()].sort()).toEqual([...reference.files.keys()].sort());
      expect(
        [...bundle.files.keys()]
          .filter((name) => name.endsWith('.rego'))
          .every((name) => name.startsWith('orgwarden/authz/')),
      ).toBe(true);
    }
  });

  it('npm run policy:build writes the very bundle the sidecar compiles from policy.dir', async () => {
    const out = tmp.path('policy-build.tar.gz');
    await run(process.execPath, [path.resolve('scripts', 'opa.mjs'), 'build', '--out', out], {
      env: { ...process.env, ORGWARDEN_OPA: await findOpa() },
    });
    expect(readFileSync(out).equals(archive)).toBe(true);
  });

  it('orgwarden policy build reports the same revision, from a relative or an absolute --dir', async () => {
    const runner = createCommandRunner({ env: { ORGWARDEN_OPA: await findOpa() } });
    for (const dir of ['policies', copyAt('elsewhere', 'policies')]) {
      const built = await runner.run([
        'policy',
        'build',
        '--dir',
        dir,
        '--out',
        tmp.path('cli.tar.gz'),
      ]);
      expect(built.stderr).toBe('');
      expect(built.stdout).toContain(`(revision ${reference.revision}, `);
      expect((await parseBundle(readFileSync(tmp.path('cli.tar.gz')), 'cli')).revision).toBe(
        reference.revision,
      );
    }
  });

  it('a missing policy.dir, or one that is a file, is refused naming it', async () => {
    await expect(compilePolicyDir(tmp.path('absent'))).rejects.toThrow(
      new PolicyCompileError(`policy.dir ${tmp.path('absent')} does not exist`),
    );
    const file = tmp.write('not-a-dir', 'x');
    await expect(compilePolicyDir(file)).rejects.toThrow(
      new PolicyCompileError(`policy.dir ${file} is not a directory`),
    );
  });
});

describe('what the revision covers', () => {
  it('is sha256 of the sorted sha256sum-style listing of every file except .manifest and .signatures.json', () => {
    const listing = revisionListing(reference.files);
    const lines = listing.trimEnd().split('\n');
    expect(lines.map((line) => line.slice(66))).toEqual(
      [...reference.files.keys()]
        .filter((n) => !['.manifest', '.signatures.json'].includes(n))
        .sort(),
    );
    expect(lines.every((line) => /^[0-9a-f]{64} {2}\S/.test(line))).toBe(true);
    const wasmLine = lines.find((line) => line.endsWith('  policy.wasm'))!;
    expect(wasmLine.slice(0, 64)).toBe(createHashHex(reference.wasm));
    expect(reference.revision).toBe(`sha256:${createHashHex(Buffer.from(listing))}`);
  });

  it('changes with a one-byte change of a rule (>= to >) or of a value in data.json', async () => {
    const stricter = await parseBundle(
      await compilePolicyDir(candidatePolicies(tmp, 'stricter', STRICTER_ROLES)),
      'stricter',
    );
    expect(stricter.revision).not.toBe(reference.revision);
    const data = await parseBundle(
      await compilePolicyDir(
        candidatePolicies(tmp, 'data', {
          'orgwarden/catalogue/data.json': ['"viewer": 1,', '"viewer": 2,'],
        }),
      ),
      'data',
    );
    expect(data.revision).not.toBe(reference.revision);
    expect(data.wasm.equals(reference.wasm)).toBe(true); // the data is not compiled into the WASM: the revision covers it anyway
  });

  it('does not change with the layout or key order of a data.json in the policy folder', async () => {
    const dir = copyAt('relaid');
    const file = path.join(dir, 'orgwarden', 'catalogue', 'data.json');
    const reversed = (v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reversed(x)]),
          )
        : v;
    writeFileSync(
      file,
      JSON.stringify(reversed(JSON.parse(readFileSync(file, 'utf8'))), null, '\t'),
    );
    expect((await parseBundle(await compilePolicyDir(dir), dir)).revision).toBe(reference.revision);
  });

  it('does not change when the bundle is signed, re-signed by another key, repacked in another order, or its data.json re-formatted', async () => {
    const first = keyPair(tmp, 'first');
    const second = keyPair(tmp, 'second', 'rsa');
    const signed = await signArchive(archive, first.privateFile);
    const resigned = await signArchive(signed, second.privateFile);
    const repacked = await rewrite(signed, (files) => {
      const entries = [...files].reverse();
      files.clear();
      for (const [name, bytes] of entries) files.set(name, bytes);
      files.set(
        'data.json',
        Buffer.from(JSON.stringify(JSON.parse(files.get('data.json')!.toString()), null, 2)),
      );
    });
    for (const variant of [signed, resigned, repacked])
      expect((await parseBundle(variant, 'variant')).revision).toBe(reference.revision);
    expect(policyRevision(await readTarGz(repacked))).toBe(reference.revision);
  });
});

describe('docs/policies.md', () => {
  it('the shell recipe that recomputes a revision by hand gives the revision orgwarden reports', async () => {
    const doc = readFileSync(path.resolve('docs', 'policies.md'), 'utf8');
    const recipe = /recompute it by hand:\n\n```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(recipe).toBeDefined();
    const where = path.join(tmp.dir, 'by-hand');
    mkdirSync(where);
    for (const [name, bundle] of [
      ['bundle.tar.gz', archive],
      ['signed.tar.gz', await signArchive(archive, keyPair(tmp, 'by-hand').privateFile)],
    ] as const) {
      writeFileSync(path.join(where, 'bundle.tar.gz'), bundle);
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', `rm -rf b; ${recipe!}`], {
        cwd: where,
      });
      expect(`sha256:${String(stdout.trim().split(/\s/)[0])}`, name).toBe(reference.revision);
    }
  });
});

function createHashHex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
