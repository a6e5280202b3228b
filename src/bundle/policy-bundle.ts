/**
 * A policy ready to load: the compiled WASM, its data document and a content-hash revision.
 * It comes either from compiling `policy.dir` with the pinned OPA, or from a prebuilt bundle.
 */
import { readFile } from 'node:fs/promises';
import { policyRevision } from './policy-revision.js';
import type { PolicySource } from './policy-source.js';
import { compilePolicyDir } from './opa-cli.js';
import { BundleFormatError, readTarGz } from './tar-read.js';

export interface PolicyBundle {
  wasm: Buffer;
  data: Record<string, unknown>;
  /** A content hash of the policy files (bundle/policy-revision.ts): the same wherever it was built. */
  revision: string;
  /** Every file of the archive (signature checks read `.signatures.json` and digests from here). */
  files: Map<string, Buffer>;
  source: string;
}

export async function loadPolicyBundle(
  config: PolicySource,
  env?: Record<string, string | undefined>,
): Promise<PolicyBundle> {
  if (config.dir)
    return parseBundle(await compilePolicyDir(config.dir, env), `policy.dir ${config.dir}`);
  if (config.bundle) {
    let archive: Buffer;
    try {
      archive = await readFile(config.bundle);
    } catch (err) {
      throw new BundleFormatError(
        `policy.bundle ${config.bundle} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    return parseBundle(archive, `policy.bundle ${config.bundle}`);
  }
  throw new TypeError('policy config needs dir or bundle');
}

export async function parseBundle(archive: Buffer, source: string): Promise<PolicyBundle> {
  const files = await readTarGz(archive);
  const wasm = files.get('policy.wasm');
  if (!wasm)
    throw new BundleFormatError(
      `${source}: bundle has no policy.wasm (build it with opa build -t wasm)`,
    );
  // `opa build` merges all data into the root data.json; data files anywhere else would be ignored
  // here, so a bundle carrying them is refused rather than loaded with part of its data missing.
  const stray = [...files.keys()].filter(
    (name) => /(^|\/)data\.(json|ya?ml)$/.test(name) && name !== 'data.json',
  );
  if (stray.length > 0)
    throw new BundleFormatError(
      `${source}: bundle has data files other than /data.json (${stray.join(', ')}); build it with opa build`,
    );
  const dataBytes = files.get('data.json') ?? Buffer.from('{}');
  let data: unknown;
  try {
    data = JSON.parse(dataBytes.toString('utf8'));
  } catch {
    throw new BundleFormatError(`${source}: bundle data.json is not valid JSON`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new BundleFormatError(`${source}: bundle data.json must be an object`);
  let revision: string;
  try {
    revision = policyRevision(files);
  } catch (err) {
    throw new BundleFormatError(
      `${source}: bundle has no content hash (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  return { wasm, data: data as Record<string, unknown>, revision, files, source };
}
