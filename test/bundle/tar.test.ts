/**
 * The bundle archive: what the reader accepts (regular files under the bundle root, once each)
 * and refuses (anything else), and what the writer writes (names from the root with one leading
 * "/", as opa build writes them; the same files always give the same bytes).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compilePolicyDir } from '../../src/bundle/opa-cli.js';
import { parseBundle } from '../../src/bundle/policy-bundle.js';
import { BundleFormatError, readTarGz } from '../../src/bundle/tar-read.js';
import { writeTarGz } from '../../src/bundle/tar-write.js';
import { TEST_BUNDLE } from '../support/paths.js';

const scratch = () => mkdtempSync(path.join(os.tmpdir(), 'orgwarden-tar-'));

describe('bundle archive', () => {
  it('reads the files of a real OPA bundle and hashes what is evaluated', async () => {
    const bundle = await parseBundle(readFileSync(TEST_BUNDLE), 'test');
    expect([...bundle.files.keys()]).toEqual(expect.arrayContaining(['policy.wasm', 'data.json']));
    expect(bundle.wasm.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    expect(bundle.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await parseBundle(readFileSync(TEST_BUNDLE), 'again')).revision).toBe(bundle.revision);
  });

  it('reads archives written by GNU tar, with long names in PAX records, skipping directory entries', async () => {
    const dir = scratch();
    const long = `${'d'.repeat(120)}.json`;
    mkdirSync(path.join(dir, 'nested'));
    writeFileSync(path.join(dir, 'policy.wasm'), 'wasm');
    writeFileSync(path.join(dir, 'nested', 'x.rego'), 'p');
    writeFileSync(path.join(dir, long), '{}');
    const out = path.join(dir, 'b.tar.gz');
    execFileSync('tar', ['--format=pax', '-czf', out, '-C', dir, 'policy.wasm', 'nested', long]);
    const files = await readTarGz(readFileSync(out));
    expect(files.get('policy.wasm')?.toString()).toBe('wasm');
    expect(files.get(long)?.toString()).toBe('{}');
    expect([...files.keys()].sort()).toEqual([long, 'nested/x.rego', 'policy.wasm'].sort());
  });

  it('rejects what is not a bundle, with a message naming the source', async () => {
    await expect(readTarGz(Buffer.from('not gzip'))).rejects.toThrow(BundleFormatError);
    await expect(readTarGz(gzipSync(Buffer.alloc(512, 'x')))).rejects.toThrow(
      'bundle archive has a corrupt header',
    );
    await expect(
      parseBundle(gzipSync(Buffer.alloc(1024)), 'policy.bundle b.tar.gz'),
    ).rejects.toThrow(
      'policy.bundle b.tar.gz: bundle has no policy.wasm (build it with opa build -t wasm)',
    );
    const truncated = readFileSync(TEST_BUNDLE);
    await expect(readTarGz(truncated.subarray(0, truncated.length - 40))).rejects.toThrow(
      BundleFormatError,
    );
    const cut = gzipSync(
      gunzipSync(await writeTarGz([['policy.wasm', Buffer.alloc(2000, 1)]])).subarray(0, 1024),
    );
    await expect(readTarGz(cut)).rejects.toThrow(
      new BundleFormatError('bundle archive is truncated'),
    );
  });

  it('stops unpacking at the size cap, so a gzip bomb never reaches memory whole', async () => {
    const bomb = gzipSync(
      Buffer.concat([rawEntry('/policy.wasm', ''), Buffer.alloc(8 * 1024 * 1024)]),
    );
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expect(readTarGz(bomb, 1024 * 1024)).rejects.toThrow(
      /^bundle is not a readable gzip archive \(.*(larger|buffer)/i,
    );
  });
});

describe('archive entries', () => {
  it('are written from the root with one leading slash, as opa build writes them, and read back without it', async () => {
    const dir = scratch();
    const long = `${'d'.repeat(120)}/data.json`;
    const out = path.join(dir, 'b.tar.gz');
    writeFileSync(
      out,
      await writeTarGz([
        ['policy.wasm', Buffer.from('wasm')],
        ['/a/b.rego', Buffer.from('p')],
        ['./.manifest', Buffer.from('{}')],
        [long, Buffer.from('{}')],
      ]),
    );
    expect(
      execFileSync('tar', ['-tzf', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n'),
    ).toEqual(['/policy.wasm', '/a/b.rego', '/.manifest', `/${long}`]);
    expect([...(await readTarGz(readFileSync(out))).keys()]).toEqual([
      'policy.wasm',
      'a/b.rego',
      '.manifest',
      long,
    ]);
  });

  it('are written the same way every time: the same files give the same bytes', async () => {
    const files: [string, Buffer][] = [
      ['policy.wasm', Buffer.from('wasm')],
      [`${'é'.repeat(80)}.rego`, Buffer.from('p')],
      ['data.json', Buffer.from('{}')],
    ];
    const first = await writeTarGz(files);
    expect((await writeTarGz(files)).equals(first)).toBe(true);
    // fixed mode, owner and time, whoever writes it and when
    const header = gunzipSync(first).subarray(0, 512);
    const octal = (from: number, length: number) =>
      parseInt(
        header
          .subarray(from, from + length)
          .toString('latin1')
          .replace(/[\0 ]/g, '') || '0',
        8,
      );
    expect({
      mode: octal(100, 8),
      uid: octal(108, 8),
      gid: octal(116, 8),
      mtime: octal(136, 12),
    }).toEqual({ mode: 0o644, uid: 0, gid: 0, mtime: 0 });
    expect(header.subarray(265, 329).every((byte) => byte === 0)).toBe(true); // no user or group name
  });

  it('refuse a file that appears twice (with or without the leading slash) and a name with a control character', async () => {
    const twice = gzipSync(
      Buffer.concat([
        rawEntry('/policy.wasm', 'a'),
        rawEntry('policy.wasm', 'b'),
        Buffer.alloc(1024),
      ]),
    );
    await expect(readTarGz(twice)).rejects.toThrow(
      new BundleFormatError('bundle archive holds "policy.wasm" twice'),
    );
    const newline = gzipSync(Buffer.concat([rawEntry('/x\n.rego', 'p'), Buffer.alloc(1024)]));
    await expect(readTarGz(newline)).rejects.toThrow(
      new BundleFormatError('bundle archive has a file name with a control character: "x\\n.rego"'),
    );
    await expect(
      readTarGz(gzipSync(Buffer.concat([rawEntry('/', 'p'), Buffer.alloc(1024)]))),
    ).rejects.toThrow(new BundleFormatError('bundle archive has a file without a name'));
  });

  it("refuse a name that climbs out of the bundle root or could name another entry's file", async () => {
    for (const name of [
      '../policy.wasm',
      '/x/../policy.wasm',
      'a/./b.rego',
      'a//b.rego',
      'a/b.rego/',
    ]) {
      const archive = gzipSync(Buffer.concat([rawEntry(name, 'p'), Buffer.alloc(1024)]));
      await expect(readTarGz(archive), name).rejects.toThrow(
        'bundle archive has a file name with an empty, "." or ".." segment',
      );
    }
  });

  it('refuse symlinks and hard links, whatever they point to', async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'policy.wasm'), 'wasm');
    symlinkSync('/etc/passwd', path.join(dir, 'data.json'));
    const out = path.join(dir, 'b.tar.gz');
    execFileSync('tar', ['-czf', out, '-C', dir, 'policy.wasm', 'data.json']);
    await expect(readTarGz(readFileSync(out))).rejects.toThrow(
      new BundleFormatError('bundle archive has a symlink entry (regular files only): "data.json"'),
    );
    const hard = gzipSync(
      Buffer.concat([
        rawEntry('policy.wasm', 'wasm'),
        rawEntry('data.json', '', '1'),
        Buffer.alloc(1024),
      ]),
    );
    await expect(readTarGz(hard)).rejects.toThrow(
      new BundleFormatError('bundle archive has a link entry (regular files only): "data.json"'),
    );
  });
});

/** One ustar entry (header and padded body) with any name and type, bypassing the writer's normalisation. */
function rawEntry(name: string, body: string, type = '0'): Buffer {
  const size = Buffer.byteLength(body);
  const entry = Buffer.alloc(512 + Math.ceil(size / 512) * 512);
  entry.write(name, 0, 100, 'utf8');
  entry.write('0000644\0', 100, 'ascii');
  entry.write('0000000\0', 108, 'ascii');
  entry.write('0000000\0', 116, 'ascii');
  entry.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  entry.write('00000000000\0', 136, 'ascii');
  entry.fill(0x20, 148, 156);
  entry.write(type, 156, 'ascii');
  entry.write('ustar\0', 257, 'ascii');
  entry.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of entry.subarray(0, 512)) sum += byte;
  entry.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  entry.write(body, 512, 'utf8');
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
    await expect(parseBundle(readFileSync(out), 'policy.bundle b.tar.gz')).rejects.toThrow(
      'policy.bundle b.tar.gz: bundle has data files other than /data.json (nested/data.json); build it with opa build',
    );

    const policies = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-bad-rego-'));
    writeFileSync(
      path.join(policies, 'p.rego'),
      'package orgwarden.authz\n\ndecision := x if { x := undefined_thing }\n',
    );
    await expect(compilePolicyDir(policies)).rejects.toThrow(
      /opa build of .* failed: .*undefined_thing/s,
    );
  });
});
