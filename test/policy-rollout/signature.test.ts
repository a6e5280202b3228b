/**
 * Signed bundles: every way a bundle can fail verification is rejected with its own reason, a
 * signed bundle verifies whatever the JSON formatting of its data, and the format is OPA's own:
 * bundles signed by `opa build --signing-key` verify here, ours verify in `opa run`. Then the same
 * through the sidecar: an unsigned or tampered bundle never becomes active, at start or on reload.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { findOpa } from '../../src/bundle/opa-cli.js';
import { readTarGz } from '../../src/bundle/tar-read.js';
import {
  BundleSignatureError,
  SIGNATURES_FILE,
  fileDigest,
  signBundleFiles,
  verifyBundleSignature,
  type SignatureFailure,
} from '../../src/bundle/signature.js';
import { loadVerificationKey, type VerificationKey } from '../../src/bundle/signing-keys.js';
import { writeTarGz } from '../../src/bundle/tar-write.js';
import { createTestApp, session, startTestApp, testConfigDoc } from '../support/app.js';
import { TEST_BUNDLE } from '../support/paths.js';
import {
  ADMIN,
  keyPair,
  policyStatus,
  reload,
  rewrite,
  scratch,
  signArchive,
  signedPayload,
  type KeyPair,
  type Scratch,
} from './helpers.js';

const run = promisify(execFile);
let tmp: Scratch;
let keys: KeyPair;
let otherKeys: KeyPair;
let key: VerificationKey;
let unsigned: Buffer;
let signed: Buffer;

beforeAll(async () => {
  tmp = scratch();
  keys = keyPair(tmp, 'release');
  otherKeys = keyPair(tmp, 'other');
  key = await loadVerificationKey(keys.publicFile);
  unsigned = readFileSync(TEST_BUNDLE);
  signed = await signArchive(unsigned, keys.privateFile);
});
afterAll(() => tmp.remove());

async function rejection(
  archive: Buffer,
  with_: VerificationKey = key,
): Promise<{ reason: SignatureFailure; message: string }> {
  const err = await verifyBundleSignature(await readTarGz(archive), with_).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BundleSignatureError);
  const { reason, message } = err as BundleSignatureError;
  return { reason, message };
}

/** A .signatures.json whose JWS is signed by the right key over `payload` (to test payload checks). */
async function withPayload(payload: unknown): Promise<Buffer> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256' })
    .sign(createPrivateKey(keys.privatePem));
  return await rewrite(unsigned, (files) =>
    files.set(SIGNATURES_FILE, Buffer.from(JSON.stringify({ signatures: [jws] }))),
  );
}

const listing = async (archive: Buffer) =>
  [...(await readTarGz(archive))]
    .filter(([name]) => name !== SIGNATURES_FILE)
    .map(([name, bytes]) => ({ name, hash: fileDigest(name, bytes), algorithm: 'SHA-256' }));

describe('bundle signature verification', () => {
  it('a bundle signed by the configured key verifies, every file covered', async () => {
    const result = await verifyBundleSignature(await readTarGz(signed), key);
    expect(result.alg).toBe('ES256');
    expect(result.files).toBe((await readTarGz(unsigned)).size);
    expect((await signedPayload(signed)).files.map((f) => f.name).sort()).toEqual(
      [...(await readTarGz(unsigned)).keys()].sort(),
    );
  });

  it('unsigned: no .signatures.json', async () => {
    expect(await rejection(unsigned)).toMatchObject({ reason: 'signature_missing' });
  });

  it('signature removed: .signatures.json deleted from a signed bundle, or its list emptied', async () => {
    expect(await rejection(await rewrite(signed, (f) => f.delete(SIGNATURES_FILE)))).toMatchObject({
      reason: 'signature_missing',
    });
    const emptied = await rejection(
      await rewrite(signed, (f) => f.set(SIGNATURES_FILE, Buffer.from('{"signatures":[]}'))),
    );
    expect(emptied).toEqual({
      reason: 'signature_malformed',
      message: '.signatures.json holds 0 signatures (expected exactly one)',
    });
  });

  it('malformed .signatures.json: not JSON, wrong shape, two signatures, another plugin', async () => {
    const token = (
      JSON.parse((await readTarGz(signed)).get(SIGNATURES_FILE)!.toString()) as {
        signatures: string[];
      }
    ).signatures[0]!;
    const cases: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      ['{"signature":"x"}', /must be \{"signatures"/],
      [JSON.stringify({ signatures: [token, token] }), /holds 2 signatures/],
      [JSON.stringify({ signatures: [42] }), /must be a JWS string/],
      [JSON.stringify({ signatures: [token], plugin: 'vault' }), /plugin "vault" is not supported/],
    ];
    for (const [doc, message] of cases) {
      const result = await rejection(
        await rewrite(signed, (f) => f.set(SIGNATURES_FILE, Buffer.from(doc))),
      );
      expect(result.reason).toBe('signature_malformed');
      expect(result.message).toMatch(message);
    }
  });

  it('wrong key: signed by another key, or verified against another key', async () => {
    const byOther = await signArchive(unsigned, otherKeys.privateFile);
    expect(await rejection(byOther)).toMatchObject({
      reason: 'signature_invalid',
      message: expect.stringContaining(keys.publicFile) as unknown,
    });
    expect(await rejection(signed, await loadVerificationKey(otherKeys.publicFile))).toMatchObject({
      reason: 'signature_invalid',
    });
  });

  it('a tampered JWS (payload edited, signature kept), alg none, or HS256 with the public key as secret', async () => {
    const [header, payload, sig] = (
      JSON.parse((await readTarGz(signed)).get(SIGNATURES_FILE)!.toString()) as {
        signatures: string[];
      }
    ).signatures[0]!.split('.');
    const doc = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as {
      files: { hash: string }[];
    };
    doc.files[0]!.hash = '0'.repeat(64);
    const forged = [header, Buffer.from(JSON.stringify(doc)).toString('base64url'), sig].join('.');
    const none = [Buffer.from('{"alg":"none"}').toString('base64url'), payload, ''].join('.');
    const hs256 = await new CompactSign(Buffer.from(payload!, 'base64url'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(keys.publicPem));
    for (const token of [forged, none, hs256]) {
      const result = await rejection(
        await rewrite(signed, (f) =>
          f.set(SIGNATURES_FILE, Buffer.from(JSON.stringify({ signatures: [token] }))),
        ),
      );
      expect(result.reason).toBe('signature_invalid');
    }
  });

  it('a tampered file: policy.wasm, data.json (its smoke cases), a Rego source', async () => {
    const flipped = await rewrite(signed, (f) => {
      const wasm = Buffer.from(f.get('policy.wasm')!);
      wasm.writeUInt8(wasm.readUInt8(wasm.length - 1) ^ 1, wasm.length - 1);
      f.set('policy.wasm', wasm);
    });
    expect(await rejection(flipped)).toMatchObject({
      reason: 'digest_mismatch',
      message: expect.stringMatching(/^policy\.wasm: digest mismatch/) as unknown,
    });

    const weakened = await rewrite(signed, (f) => {
      const data = JSON.parse(f.get('data.json')!.toString()) as {
        orgwarden: { smoke: { cases: unknown[] } };
      };
      data.orgwarden.smoke.cases.pop();
      f.set('data.json', Buffer.from(JSON.stringify(data)));
    });
    expect(await rejection(weakened)).toMatchObject({
      reason: 'digest_mismatch',
      message: expect.stringMatching(/^data\.json: digest mismatch/) as unknown,
    });

    const rego = [...(await readTarGz(signed)).keys()].find((name) => name.endsWith('.rego'))!;
    const edited = await rewrite(signed, (f) =>
      f.set(rego, Buffer.concat([f.get(rego)!, Buffer.from('\n# edited\n')])),
    );
    expect(await rejection(edited)).toMatchObject({ reason: 'digest_mismatch' });
    const notJson = await rewrite(signed, (f) => f.set('data.json', Buffer.from('{"orgwarden":')));
    expect(await rejection(notJson)).toEqual({
      reason: 'digest_mismatch',
      message: 'data.json: not valid JSON, so it cannot match its signed digest',
    });
  });

  it('data.json re-formatted (whitespace, key order) still verifies: the digest covers values, not layout', async () => {
    const reformatted = await rewrite(signed, (f) => {
      const data = JSON.parse(f.get('data.json')!.toString()) as Record<string, unknown>;
      const reversed = (v: unknown): unknown =>
        v && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
      f.set('data.json', Buffer.from(JSON.stringify(reversed(data), null, 3)));
    });
    await expect(verifyBundleSignature(await readTarGz(reformatted), key)).resolves.toMatchObject({
      alg: 'ES256',
    });
  });

  it('an extra file not covered by the signature', async () => {
    const extra = await rewrite(signed, (f) =>
      f.set('orgwarden/authz/backdoor.rego', Buffer.from('package orgwarden.authz\n')),
    );
    expect(await rejection(extra)).toEqual({
      reason: 'file_not_signed',
      message: 'bundle file(s) not covered by the signature: orgwarden/authz/backdoor.rego',
    });
  });

  it('a signed file missing from the bundle', async () => {
    const rego = [...(await readTarGz(signed)).keys()].find((name) => name.endsWith('.rego'))!;
    const missing = await rewrite(signed, (f) => f.delete(rego));
    expect(await rejection(missing)).toEqual({
      reason: 'file_missing',
      message: `file(s) listed in the signature are not in the bundle: ${rego}`,
    });
  });

  it('payload problems, even when the JWS itself verifies: no files list, a weak or missing hash algorithm, a scope, a malformed entry', async () => {
    const files = await listing(unsigned);
    const cases: [unknown, RegExp][] = [
      [{ keyid: 'default' }, /no "files" list/],
      [
        { files: files.map((f) => ({ ...f, algorithm: 'MD5' })) },
        /hashing algorithm "MD5" is not accepted/,
      ],
      [
        { files: files.map(({ algorithm: _, ...f }) => f) },
        /hashing algorithm undefined is not accepted/,
      ],
      [{ files, scope: 'write' }, /signature is scoped/],
      [
        { files: [...files, { name: 'x', hash: 'not-hex', algorithm: 'SHA-256' }] },
        /malformed file entry/,
      ],
    ];
    for (const [payload, message] of cases) {
      const result = await rejection(await withPayload(payload));
      expect(result.reason).toBe('payload_invalid');
      expect(result.message).toMatch(message);
    }
  });

  it('data.yaml, which orgwarden would not load, is refused', async () => {
    const withYaml = await signArchive(
      await rewrite(unsigned, (f) => f.set('extra/data.yaml', Buffer.from('a: 1\n'))),
      keys.privateFile,
    ).catch((e: unknown) => e);
    expect(withYaml).toBeInstanceOf(BundleSignatureError);
    const smuggled = await rewrite(signed, (f) => f.set('extra/data.yaml', Buffer.from('a: 1\n')));
    expect(await rejection(smuggled)).toMatchObject({ reason: 'unsupported_file' });
  });

  it('RSA and Ed25519 keys sign and verify; a key only verifies the algorithms of its type', async () => {
    for (const type of ['rsa', 'ed25519'] as const) {
      const pair = keyPair(tmp, `k-${type}`, type);
      const archive = await signArchive(unsigned, pair.privateFile);
      await expect(
        verifyBundleSignature(await readTarGz(archive), await loadVerificationKey(pair.publicFile)),
      ).resolves.toMatchObject({ alg: type === 'rsa' ? 'RS256' : 'EdDSA' });
      expect(await rejection(archive)).toMatchObject({ reason: 'signature_invalid' }); // against the EC key
    }
  });

  it('the verification key file must hold a public key', async () => {
    await expect(loadVerificationKey(keys.privateFile)).rejects.toThrow(
      `policy.public_key_file: ${keys.privateFile} holds a private key; give the public key`,
    );
    await expect(loadVerificationKey(tmp.write('junk.pem', 'not a key'))).rejects.toThrow(
      'is not a PEM public key or certificate',
    );
    await expect(loadVerificationKey(tmp.path('absent.pem'))).rejects.toThrow('cannot read');
  });
});

describe("OPA's format, both ways", () => {
  let opa: string;
  beforeAll(async () => {
    opa = await findOpa();
  });

  it('bundles signed by opa build --signing-key verify here (ES256 and the default RS256); tampering is caught', async () => {
    const rsa = keyPair(tmp, 'opa-rsa', 'rsa');
    for (const [pair, alg] of [
      [keys, 'ES256'],
      [rsa, 'RS256'],
    ] as const) {
      const out = tmp.path(`opa-signed-${alg}.tar.gz`);
      await run(opa, [
        'build',
        '-b',
        '-t',
        'wasm',
        '-e',
        'orgwarden/authz/decision',
        '-e',
        'orgwarden/authz/explain',
        '--ignore',
        '*_test.rego',
        '--signing-key',
        pair.privateFile,
        '--signing-alg',
        alg,
        '-o',
        out,
        'policies',
      ]);
      const archive = readFileSync(out);
      await expect(
        verifyBundleSignature(await readTarGz(archive), await loadVerificationKey(pair.publicFile)),
      ).resolves.toMatchObject({ alg });
      const tampered = await rewrite(archive, (f) =>
        f.set(
          'data.json',
          Buffer.from(f.get('data.json')!.toString().replace('"viewer":1', '"viewer":4')),
        ),
      );
      expect(await rejection(tampered, await loadVerificationKey(pair.publicFile))).toMatchObject({
        reason: 'digest_mismatch',
      });
    }
  });

  it("opa's digest of JSON with escapes, HTML characters, U+2028, astral characters and number literals is ours too", async () => {
    const dir = tmp.path('tricky');
    mkdirSync(path.join(dir, 'x'), { recursive: true });
    writeFileSync(path.join(dir, 'y.rego'), 'package y\n\nanswer := data.x\n');
    writeFileSync(
      path.join(dir, 'x', 'data.json'),
      '{"z": 1, "s": "<a href=\\"x\\">&amp;</a> \\u2028\\u2029 \\b\\f\\n\\t\\u0001 é 😀 \\\\ /", "n": [1.0, 1e3, 1E-2, -0, 12345678901234567890, 0.1], "a": {"é": 1, "e": 2, "Z": 3}}\n',
    );
    const out = tmp.path('tricky.tar.gz');
    await run(opa, [
      'build',
      '-b',
      '--signing-key',
      keys.privateFile,
      '--signing-alg',
      'ES256',
      '-o',
      out,
      dir,
    ]);
    await expect(
      verifyBundleSignature(await readTarGz(readFileSync(out)), key),
    ).resolves.toMatchObject({ alg: 'ES256' });
  });

  it('bundles signed here verify in opa run --verification-key; a tampered one is refused by OPA too', async () => {
    const files = new Map<string, Buffer>([
      ['data.json', Buffer.from('{"x": {"msg": "hello <&> é \\u2028 😀", "n": 1.50}}')],
      ['x/x.rego', Buffer.from('package x\n\nanswer := data.x.msg\n')],
      ['.manifest', Buffer.from('{"revision": "t", "roots": [""]}')],
    ]);
    const signature = await signBundleFiles(files, {
      key: createPrivateKey(keys.privatePem),
      alg: 'ES256',
      keyId: 'default',
    });
    const good = tmp.write(
      'ours.tar.gz',
      await writeTarGz([...files, [SIGNATURES_FILE, signature]]),
    );
    files.set('data.json', Buffer.from('{"x": {"msg": "tampered"}}'));
    const bad = tmp.write(
      'ours-tampered.tar.gz',
      await writeTarGz([...files, [SIGNATURES_FILE, signature]]),
    );

    const opaRun = (bundle: string) =>
      new Promise<string>((resolve) => {
        const child = execFile(
          opa,
          ['run', '-b', bundle, '--verification-key', keys.publicFile, '--signing-alg', 'ES256'],
          { timeout: 20_000 },
          (_err, stdout, stderr) => resolve(`${stdout}${stderr}`),
        );
        child.stdin?.end('data.x.answer\n');
      });
    expect(await opaRun(good)).toContain('"hello \\u003c\\u0026\\u003e é \\u2028 😀"');
    expect(await opaRun(bad)).toMatch(/data\.json: digest mismatch/);
  });
});

describe('signed bundles in the sidecar (policy.public_key_file)', () => {
  const config = (bundle: string, extra: Record<string, unknown> = {}) => ({
    extra: { policy: { bundle, public_key_file: keys.publicFile, watch: false, ...extra } },
  });

  it('starts with a signed bundle; an unsigned or tampered one stops the start naming the step', async () => {
    const good = tmp.write('start-signed.tar.gz', signed);
    const app = await createTestApp(config(good));
    expect(app.rollout.signed).toBe(true);
    expect(app.rollout.lastReload()).toMatchObject({ ok: true, trigger: 'start' });
    await app.stop();
    await expect(
      createTestApp(config(tmp.write('start-unsigned.tar.gz', unsigned))),
    ).rejects.toThrow(/bundle has no \.signatures\.json/);
    const tampered = await rewrite(signed, (f) =>
      f.set('orgwarden/authz/extra.rego', Buffer.from('package orgwarden.authz\n')),
    );
    const err = await createTestApp(config(tmp.write('start-tampered.tar.gz', tampered))).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'policy_rejected', step: 'signature' });
  });

  it('on reload an unsigned, re-signed-by-another-key or tampered bundle is refused (422, step signature); the signed one keeps serving', async () => {
    const file = tmp.write('reload-signed.tar.gz', signed);
    const { app, url } = await startTestApp(config(file));
    try {
      const revision = app.policy.current()!.revision;
      const candidates = [
        unsigned,
        await signArchive(unsigned, otherKeys.privateFile),
        await rewrite(signed, (f) => f.delete(SIGNATURES_FILE)),
      ];
      for (const candidate of candidates) {
        tmp.publish('reload-signed.tar.gz', candidate);
        const res = await reload(url);
        expect(res.status).toBe(422);
        expect(res.json.error).toMatchObject({ code: 'policy_rejected', step: 'signature' });
        expect(app.policy.current()!.revision).toBe(revision);
        expect((await policyStatus(url)).last_reload).toMatchObject({
          ok: false,
          step: 'signature',
          trigger: 'api',
        });
      }
      // a decision still comes from the signed policy
      const decision = await fetch(`${url}/v1/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: await session('alice'), org: 'acme', action: 'org.read' }),
      }).then((r) => r.json());
      expect(decision).toMatchObject({ allow: true, policy_revision: revision });
      tmp.publish('reload-signed.tar.gz', signed);
      expect((await reload(url, ADMIN)).json).toMatchObject({ ok: true, changed: false });
    } finally {
      await app.stop();
    }
  });

  it('config: public_key_file needs a bundle; a shadow must then be a bundle too', () => {
    const doc = testConfigDoc();
    expect(() =>
      parseConfig({ ...doc, policy: { dir: 'policies', public_key_file: keys.publicFile } }),
    ).toThrow('policy.public_key_file: needs policy.bundle');
    expect(() =>
      parseConfig({
        ...doc,
        policy: {
          bundle: TEST_BUNDLE,
          public_key_file: keys.publicFile,
          shadow: { dir: 'policies' },
        },
      }),
    ).toThrow(
      'policy.shadow.dir: policy.public_key_file is set, so the shadow must be a signed bundle too',
    );
    expect(() => parseConfig({ ...doc, policy: { bundle: TEST_BUNDLE, shadow: {} } })).toThrow(
      'policy.shadow: set exactly one of dir, bundle',
    );
  });
});
