/**
 * `orgwarden policy build|sign|verify`: produce, sign and check bundles with exactly the checks
 * the sidecar runs before a policy may serve, so CI can refuse a bundle the sidecar would refuse.
 */
import { rename, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compilePolicyDir } from '../bundle/opa-cli.js';
import { parseBundle } from '../bundle/policy-bundle.js';
import { readTarGz } from '../bundle/tar-read.js';
import { createPolicyEngine } from '../engine/wasm-engine.js';
import { SIGNATURES_FILE, signBundleFiles } from '../bundle/signature.js';
import { PolicyRejectedError, loadCandidate } from '../policy-rollout/policy-loader.js';
import { loadSigningKey, loadVerificationKey } from '../bundle/signing-keys.js';
import { runSmokeCases } from '../policy-rollout/smoke-cases.js';
import { writeTarGz } from '../bundle/tar-write.js';
import { parseFlags, UsageError } from './args.js';

export const POLICY_HELP = `Usage: orgwarden policy <build|sign|verify> [options]

  build --dir DIR --out FILE [--key PRIVATE_PEM] [--key-id ID] [--alg ALG]
      compile DIR with the pinned OPA into a WASM bundle (as the sidecar does for policy.dir),
      check that it loads and passes its smoke cases, and sign it when --key is given
  sign --bundle FILE --key PRIVATE_PEM [--out FILE] [--key-id ID] [--alg ALG]
      add (or replace) the bundle's .signatures.json (OPA's format); --out defaults to FILE,
      which is then replaced atomically
  verify (--bundle FILE [--public-key PEM] | --dir DIR)
      run every check the sidecar runs before a policy may serve: compile or read, signature
      (with --public-key), load, smoke cases; print the revision

The revision is a content hash of the policy files: the same files give the same revision wherever
they are built (docs/policies.md). Bundles built and signed here are OPA bundles: check one with
"opa inspect FILE" or "opa build --verification-key PEM --signing-alg ALG --bundle FILE -o OUT".

--alg defaults by key type: RS256 (RSA), PS256 (RSA-PSS), ES256/ES384/ES512 (EC), EdDSA (Ed25519).
--key-id (default "default", as OPA's) goes into the JWS header; OPA looks keys up by it.
Exit codes: 0 ok, 1 the policy or a file was refused (the step is printed), 2 usage.`;

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { build, sign, verify };

export async function policy(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(POLICY_HELP);
    return sub === undefined ? 2 : 0;
  }
  const run = SUBCOMMANDS[sub];
  if (!run) throw new UsageError(`unknown policy command "${sub}" (build, sign, verify)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(POLICY_HELP);
    return 0;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const step = err instanceof PolicyRejectedError ? ` at step ${err.step}` : '';
    console.error(
      `orgwarden: policy ${sub} failed${step}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
}

async function build(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    dir: 'string',
    out: 'string',
    key: 'string',
    'key-id': 'string',
    alg: 'string',
  });
  const dir = required(flags, 'dir', 'build');
  const out = required(flags, 'out', 'build');
  let archive = await compilePolicyDir(path.resolve(dir));
  const bundle = await parseBundle(archive, `policy.dir ${dir}`);
  const smoke = runSmokeCases(await createPolicyEngine(bundle), bundle.data);
  let signedWith = '';
  if (typeof flags.key === 'string') {
    const signed = await signArchive(archive, flags);
    archive = signed.archive;
    signedWith = `, signed ${signed.alg}`;
  }
  await writeAtomically(out, archive);
  console.log(
    `built ${out} (revision ${bundle.revision}, ${smoke.cases} smoke cases passed${signedWith})`,
  );
  return 0;
}

async function sign(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    bundle: 'string',
    key: 'string',
    out: 'string',
    'key-id': 'string',
    alg: 'string',
  });
  const file = required(flags, 'bundle', 'sign');
  required(flags, 'key', 'sign');
  const archive = await readFile(file);
  const bundle = await parseBundle(archive, `bundle ${file}`); // refuse to sign something that is not a policy bundle
  const signed = await signArchive(archive, flags);
  const out = typeof flags.out === 'string' ? flags.out : file;
  await writeAtomically(out, signed.archive);
  console.log(
    `signed ${out} (${signed.files} files, ${signed.alg}, key id ${signed.keyId}; revision ${bundle.revision})`,
  );
  return 0;
}

async function verify(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { bundle: 'string', dir: 'string', 'public-key': 'string' });
  if ((typeof flags.bundle === 'string') === (typeof flags.dir === 'string'))
    throw new UsageError('policy verify needs exactly one of --bundle FILE, --dir DIR');
  const key =
    typeof flags['public-key'] === 'string'
      ? await loadVerificationKey(path.resolve(flags['public-key']), '--public-key')
      : null;
  const source =
    typeof flags.bundle === 'string'
      ? { bundle: path.resolve(flags.bundle) }
      : { dir: path.resolve(String(flags.dir)) };
  const candidate = await loadCandidate(source, { verificationKey: key, now: () => new Date() });
  const signed = candidate.signed ? 'signature valid, ' : '';
  console.log(
    `ok: revision ${candidate.bundle.revision} (${signed}${candidate.smoke.cases} smoke cases and ${candidate.smoke.builtin} built-in cases passed)`,
  );
  return 0;
}

async function signArchive(archive: Buffer, flags: Record<string, string | boolean>) {
  const { key, algorithms } = await loadSigningKey(String(flags.key));
  const alg = typeof flags.alg === 'string' ? flags.alg : algorithms[0];
  if (alg === undefined) throw new UsageError('this key offers no signing algorithm');
  if (!algorithms.includes(alg))
    throw new UsageError(`--alg ${alg} cannot be used with this key (${algorithms.join(', ')})`);
  const keyId = typeof flags['key-id'] === 'string' ? flags['key-id'] : 'default';
  const files = await readTarGz(archive);
  files.delete(SIGNATURES_FILE);
  const signatures = await signBundleFiles(files, { key, alg, keyId });
  return {
    archive: await writeTarGz([...files, [SIGNATURES_FILE, signatures]]),
    alg,
    keyId,
    files: files.size,
  };
}

function required(flags: Record<string, string | boolean>, name: string, command: string): string {
  const value = flags[name];
  if (typeof value !== 'string') throw new UsageError(`policy ${command} needs --${name}`);
  return value;
}

/** Write beside the target, then rename over it: a watcher or a reader never sees half a bundle. */
async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const tmp = path.join(
    path.dirname(path.resolve(file)),
    `.${path.basename(file)}.${process.pid}.tmp`,
  );
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}
