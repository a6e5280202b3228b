/**
 * Bundles built and signed by orgwarden open in OPA's own tools, and OPA's open in orgwarden, with
 * the pinned OPA as operators run it: `orgwarden policy build --key` output passes `opa inspect`
 * and `opa build --verification-key` (OPA's offline signature check), and `opa run
 * --verification-key` treats its signature as it treats that of a bundle OPA signed itself.
 * The other way, `opa build --signing-key` bundles verify and load in orgwarden, with the revision
 * orgwarden's own build of the same policy has.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findOpa } from '../../src/bundle/opa-cli.js';
import { parseBundle } from '../../src/bundle/policy-bundle.js';
import { readTarGz } from '../../src/bundle/tar-read.js';
import { SIGNATURES_FILE } from '../../src/bundle/signature.js';
import { loadCandidate } from '../../src/policy-rollout/policy-loader.js';
import { loadVerificationKey } from '../../src/bundle/signing-keys.js';
import { createCommandRunner } from '../support/command.js';
import {
  POLICIES,
  keyPair,
  rewrite,
  scratch,
  signedPayload,
  type KeyPair,
  type Scratch,
} from './helpers.js';

const exec = promisify(execFile);
let opa: string;
let tmp: Scratch;
let keys: KeyPair;
let other: KeyPair;
let runner: ReturnType<typeof createCommandRunner>;
/** Built and signed (ES256) by `orgwarden policy build --key`. */
let ours: string;
/** Built and signed (ES256) by `opa build --signing-key`, from inside the policy folder. */
let theirs: string;

beforeAll(async () => {
  opa = await findOpa();
  runner = createCommandRunner({ env: { ORGWARDEN_OPA: opa } });
  tmp = scratch();
  keys = keyPair(tmp, 'release');
  other = keyPair(tmp, 'other');
  ours = tmp.path('ours.tar.gz');
  const built = await runner.run([
    'policy',
    'build',
    '--dir',
    'policies',
    '--out',
    ours,
    '--key',
    keys.privateFile,
  ]);
  expect(built).toMatchObject({ code: 0, stderr: '' });
  theirs = tmp.path('theirs.tar.gz');
  await exec(
    opa,
    [
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
      keys.privateFile,
      '--signing-alg',
      'ES256',
      '-o',
      theirs,
      '.',
    ],
    { cwd: POLICIES },
  );
});
afterEach(() => runner.killAll());
afterAll(() => tmp.remove());

/** Runs opa; resolves with the exit code and everything it printed. */
async function opaCommand(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(opa, args, {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (err) {
    const { code, stdout, stderr } = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : -1, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

/** OPA's offline signature check: `opa build --verification-key KEY --bundle FILE`. */
const opaVerify = (bundle: string, publicKey: string) =>
  opaCommand([
    'build',
    '--verification-key',
    publicKey,
    '--signing-alg',
    'ES256',
    '--bundle',
    bundle,
    '-o',
    tmp.path('opa-verify-out.tar.gz'),
  ]);

/**
 * `opa run --server` on a signed bundle, stopped after it starts or once it exits: what it printed.
 * An OPA built without WebAssembly stops after verifying, when it cannot instantiate policy.wasm.
 */
function opaServe(bundle: string, publicKey: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(opa, [
      'run',
      '--server',
      '--addr',
      '127.0.0.1:0',
      '--verification-key',
      publicKey,
      '--signing-alg',
      'ES256',
      '--bundle',
      bundle,
    ]);
    let output = '';
    const done = () => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(output);
    };
    const timer = setTimeout(done, 20_000);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Server initialized|Initializing server/.test(output)) done();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', done);
  });
}

describe('a bundle built and signed by orgwarden policy build, in OPA', () => {
  it('is laid out as opa build lays it out: the same files, entries named from the root, every file but .signatures.json signed', async () => {
    const entries = async (file: string) =>
      (await exec('tar', ['-tzf', file])).stdout.trim().split('\n').sort();
    expect(await entries(ours)).toEqual(await entries(theirs));
    expect((await entries(ours)).every((name) => name.startsWith('/'))).toBe(true);
    const names = [...(await readTarGz(readFileSync(ours))).keys()];
    expect((await signedPayload(readFileSync(ours))).files.map((f) => f.name).sort()).toEqual(
      names.filter((n) => n !== SIGNATURES_FILE).sort(),
    );
    expect((await signedPayload(readFileSync(theirs))).files.map((f) => f.name).sort()).toEqual(
      names.filter((n) => n !== SIGNATURES_FILE).sort(),
    );
  });

  it('opens in opa inspect: the manifest names /policy.wasm and the archive holds it', async () => {
    const inspected = await opaCommand(['inspect', '--format', 'json', ours]);
    expect(inspected.code, inspected.output).toBe(0);
    const report = JSON.parse(inspected.output) as {
      manifest: { wasm: { module: string; entrypoint: string }[] };
      wasm_modules: { path: string; entrypoints: string[] }[];
      signatures_config: { signatures: string[] };
    };
    expect(report.manifest.wasm).toEqual([
      { entrypoint: 'orgwarden/authz/decision', module: '/policy.wasm' },
      { entrypoint: 'orgwarden/authz/explain', module: '/policy.wasm' },
    ]);
    expect(report.wasm_modules).toMatchObject([
      {
        path: '/policy.wasm',
        entrypoints: ['data.orgwarden.authz.decision', 'data.orgwarden.authz.explain'],
      },
    ]);
    expect(report.signatures_config.signatures).toHaveLength(1);
  });

  it('verifies with opa build --verification-key; OPA refuses it under another key, and with a file changed after signing', async () => {
    expect(await opaVerify(ours, keys.publicFile)).toMatchObject({ code: 0 });
    const wrongKey = await opaVerify(ours, other.publicFile);
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.output).toContain('failed to verify JWT signature');
    const tampered = tmp.write(
      'ours-tampered.tar.gz',
      await rewrite(readFileSync(ours), (files) =>
        files.set(
          'data.json',
          Buffer.from(files.get('data.json')!.toString().replace('"viewer":1', '"viewer":4')),
        ),
      ),
    );
    const changed = await opaVerify(tampered, keys.publicFile);
    expect(changed.code).not.toBe(0);
    expect(changed.output).toMatch(/data\.json: digest mismatch/);
  });

  it('opa run --verification-key treats its signature exactly as that of the bundle OPA signed itself', async () => {
    const [oursRun, theirsRun, wrongKey] = await Promise.all([
      opaServe(ours, keys.publicFile),
      opaServe(theirs, keys.publicFile),
      opaServe(ours, other.publicFile),
    ]);
    const outcome = (output: string) =>
      /Server initialized|Initializing server/.test(output)
        ? 'started'
        : output.includes('engine not found')
          ? 'verified; no WebAssembly engine in this OPA'
          : output;
    expect(outcome(oursRun)).toBe(outcome(theirsRun));
    expect(['started', 'verified; no WebAssembly engine in this OPA']).toContain(outcome(oursRun));
    expect(wrongKey).toContain('failed to verify JWT signature');
  });

  it('orgwarden policy sign on an unsigned opa build output gives a bundle OPA verifies', async () => {
    const unsigned = tmp.path('opa-unsigned.tar.gz');
    await exec(
      opa,
      [
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
        '-o',
        unsigned,
        '.',
      ],
      { cwd: POLICIES },
    );
    const signed = tmp.path('opa-unsigned-signed-here.tar.gz');
    expect(
      await runner.run([
        'policy',
        'sign',
        '--bundle',
        unsigned,
        '--key',
        keys.privateFile,
        '--out',
        signed,
      ]),
    ).toMatchObject({ code: 0 });
    expect(await opaVerify(signed, keys.publicFile)).toMatchObject({ code: 0 });
    expect((await opaCommand(['inspect', signed])).code).toBe(0);
  });
});

describe('a bundle built and signed by opa build --signing-key, in orgwarden', () => {
  it("verifies with orgwarden policy verify and has the revision of orgwarden's own build", async () => {
    const revisionOf = async (file: string) =>
      (await parseBundle(readFileSync(file), file)).revision;
    expect(await revisionOf(theirs)).toBe(await revisionOf(ours));
    const verified = await runner.run([
      'policy',
      'verify',
      '--bundle',
      theirs,
      '--public-key',
      keys.publicFile,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`ok: revision ${await revisionOf(ours)} (signature valid, `);
    const wrongKey = await runner.run([
      'policy',
      'verify',
      '--bundle',
      theirs,
      '--public-key',
      other.publicFile,
    ]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('at step signature');
  });

  it('the sidecar loads both, signature checked, with the same revision', async () => {
    const key = await loadVerificationKey(keys.publicFile);
    const [a, b] = await Promise.all(
      [ours, theirs].map((bundle) =>
        loadCandidate({ bundle }, { verificationKey: key, now: () => new Date() }),
      ),
    );
    expect(a!.signed && b!.signed).toBe(true);
    expect(a!.bundle.revision).toBe(b!.bundle.revision);
    expect(a!.smoke.cases).toBeGreaterThan(0);
  });
});
