import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compilePolicyDir } from '../../src/engine/opa-cli.js';
import { parseBundle } from '../../src/engine/policy-bundle.js';
import { BundleFormatError, readTarGz } from '../../src/engine/tar-gz.js';
import { writeTarGz } from '../../src/policy-rollout/tar-write.js';
import { TEST_BUNDLE } from '../support/paths.js';

describe('bundle archive', () => {
  it('reads the files of a real OPA bundle and hashes what is evaluated', () => {
    const bundle = parseBundle(readFileSync(TEST_BUNDLE), 'test');
    expect([...bundle.files.keys()]).toEqual(expect.arrayContaining(['policy.wasm', 'data.json']));
    expect(bundle.wasm.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    expect(bundle.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(parseBundle(readFileSync(TEST_BUNDLE), 'again').revision).toBe(bundle.revision);
  });

  it('reads archives written by GNU tar, with long names in PAX records', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-tar-'));
    const long = `${'d'.repeat(120)}.json`;
    writeFileSync(path.join(dir, 'policy.wasm'), 'wasm');
    writeFileSync(path.join(dir, long), '{}');
    const out = path.join(dir, 'b.tar.gz');
    execFileSync('tar', ['--format=pax', '-czf', out, '-C', dir, 'policy.wasm', long]);
    const files = readTarGz(readFileSync(out));
    expect(files.get('policy.wasm')?.toString()).toBe('wasm');
    expect(files.get(long)?.toString()).toBe('{}');
  });

  it('rejects what is not a bundle, with a message naming the source', () => {
    expect(() => readTarGz(Buffer.from('not gzip'))).toThrow(BundleFormatError);
    expect(() => readTarGz(gzipSync(Buffer.alloc(512, 'x')))).toThrow('bundle archive has a corrupt header');
    expect(() => parseBundle(gzipSync(Buffer.alloc(1024)), 'policy.bundle b.tar.gz')).toThrow(
      'policy.bundle b.tar.gz: bundle has no policy.wasm (build it with opa build -t wasm)',
    );
    const truncated = readFileSync(TEST_BUNDLE);
    expect(() => readTarGz(truncated.subarray(0, truncated.length - 40))).toThrow(BundleFormatError);
  });
});

describe('archive entry names', () => {
  it('are written from the root with one leading slash, as opa build writes them, and read back without it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-tar-'));
    const long = `${'d'.repeat(120)}/data.json`;
    const out = path.join(dir, 'b.tar.gz');
    writeFileSync(out, writeTarGz([['policy.wasm', Buffer.from('wasm')], ['/a/b.rego', Buffer.from('p')], ['./.manifest', Buffer.from('{}')], [long, Buffer.from('{}')]]));
    expect(execFileSync('tar', ['-tzf', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')).toEqual(['/policy.wasm', '/a/b.rego', '/.manifest', `/${long}`]);
    expect([...readTarGz(readFileSync(out)).keys()]).toEqual(['policy.wasm', 'a/b.rego', '.manifest', long]);
  });

  it('refuse a file that appears twice (with or without the leading slash) and a name with a control character', () => {
    const twice = gzipSync(Buffer.concat([rawEntry('/policy.wasm', 'a'), rawEntry('policy.wasm', 'b'), Buffer.alloc(1024)]));
    expect(() => readTarGz(twice)).toThrow(new BundleFormatError('bundle archive holds "policy.wasm" twice'));
    const newline = gzipSync(Buffer.concat([rawEntry('/x\n.rego', 'p'), Buffer.alloc(1024)]));
    expect(() => readTarGz(newline)).toThrow(new BundleFormatError('bundle archive has a file name with a control character: "x\\n.rego"'));
    expect(() => readTarGz(gzipSync(Buffer.concat([rawEntry('/', 'p'), Buffer.alloc(1024)])))).toThrow(new BundleFormatError('bundle archive has a file without a name'));
  });
});

/** One ustar entry (header and padded body) with any name, bypassing the writer's normalisation. */
function rawEntry(name: string, body: string): Buffer {
  const archive = gunzipSync(writeTarGz([['placeholder', Buffer.from(body)]]));
  const entry = Buffer.from(archive.subarray(0, 1024));
  entry.fill(0, 0, 100);
  entry.write(name, 0, 100, 'utf8');
  entry.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of entry.subarray(0, 512)) sum += byte;
  entry.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return entry;
}

describe('bundle data', () => {
  it('refuses data files other than the root data.json, and a compile error names the rule', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-bundle-'));
    mkdirSync(path.join(dir, 'nested'));
    writeFileSync(path.join(dir, 'policy.wasm'), 'wasm');
    writeFileSync(path.join(dir, 'data.json'), '{}');
    writeFileSync(path.join(dir, 'nested', 'data.json'), '{"x":1}');
    const out = path.join(dir, 'b.tar.gz');
    execFileSync('tar', ['-czf', out, '-C', dir, 'policy.wasm', 'data.json', 'nested/data.json']);
    expect(() => parseBundle(readFileSync(out), 'policy.bundle b.tar.gz')).toThrow(
      'policy.bundle b.tar.gz: bundle has data files other than /data.json (nested/data.json); build it with opa build',
    );

    const policies = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-bad-rego-'));
    writeFileSync(path.join(policies, 'p.rego'), 'package orgwarden.authz\n\ndecision := x if { x := undefined_thing }\n');
    await expect(compilePolicyDir(policies)).rejects.toThrow(/opa build of .* failed: .*undefined_thing/s);
  });
});
