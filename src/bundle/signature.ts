/**
 * Bundle signatures in OPA's format (docs: OPA "Bundle signing"), so bundles signed with
 * `opa build --signing-key` verify here and bundles signed by `orgwarden policy sign` verify in OPA.
 *
 * `.signatures.json` = `{"signatures": ["<JWS compact>"], "plugin": "_default"}`; the JWS payload is
 * `{"files": [{"name", "hash": "<hex>", "algorithm": "SHA-256"}, ...]}`. Structured files
 * (data.json, .manifest) are hashed over their canonical JSON, every other file over its bytes
 * (bundle/file-digest.ts).
 *
 * A bundle verifies only when all of these hold, checked in this order:
 * exactly one JWS; it verifies with the configured key under an algorithm that key type allows; the
 * payload is well formed, unscoped, SHA-256 only; every file of the bundle (except
 * `.signatures.json`) is listed; every listed file is in the bundle; every digest matches.
 */
import { OrgwardenError } from '../contract/errors.js';
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { CompactSign, compactVerify } from 'jose';
import { fileDigest } from './file-digest.js';
import type { VerificationKey } from './signing-keys.js';

export { fileDigest };

export const SIGNATURES_FILE = '.signatures.json';
const HASH_ALGORITHM = 'SHA-256';
const UNSUPPORTED = new Set(['data.yaml', 'data.yml']);

export type SignatureFailure =
  | 'signature_missing'
  | 'signature_malformed'
  | 'signature_invalid'
  | 'payload_invalid'
  | 'file_not_signed'
  | 'file_missing'
  | 'digest_mismatch'
  | 'unsupported_file';

export class BundleSignatureError extends OrgwardenError {
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super('bundle_signature_invalid', message);
  }
}

export async function verifyBundleSignature(
  files: ReadonlyMap<string, Buffer>,
  key: VerificationKey,
): Promise<{ files: number; alg: string }> {
  const token = signatureToken(files);
  let verified: Awaited<ReturnType<typeof compactVerify>>;
  try {
    verified = await compactVerify(token, key.key, { algorithms: key.algorithms });
  } catch (err) {
    const why = err instanceof Error ? err.message : 'verification failed';
    throw new BundleSignatureError(
      'signature_invalid',
      `the bundle signature does not verify with ${key.source} (${why})`,
    );
  }
  const listed = payloadFiles(verified.payload);

  const unsupported = [...files.keys()].filter((name) =>
    UNSUPPORTED.has(path.posix.basename(name)),
  );
  if (unsupported.length > 0)
    throw new BundleSignatureError(
      'unsupported_file',
      `bundle holds ${unsupported.join(', ')}, which orgwarden does not load; build it with opa build (it writes data.json)`,
    );
  const signedFiles = [...files].filter(([name]) => name !== SIGNATURES_FILE);
  const names = signedFiles.map(([name]) => name);
  const unsigned = names.filter((name) => !listed.has(name));
  if (unsigned.length > 0)
    throw new BundleSignatureError(
      'file_not_signed',
      `bundle file(s) not covered by the signature: ${list(unsigned)}`,
    );
  const missing = [...listed.keys()].filter((name) => !files.has(name));
  if (missing.length > 0)
    throw new BundleSignatureError(
      'file_missing',
      `file(s) listed in the signature are not in the bundle: ${list(missing)}`,
    );
  for (const [name, bytes] of signedFiles) {
    const signed = listed.get(name); // never undefined: unsigned files were refused above
    let actual: string;
    try {
      actual = fileDigest(name, bytes);
    } catch {
      throw new BundleSignatureError(
        'digest_mismatch',
        `${name}: not valid JSON, so it cannot match its signed digest`,
      );
    }
    if (actual !== signed)
      throw new BundleSignatureError(
        'digest_mismatch',
        `${name}: digest mismatch (signed ${signed ?? 'nothing'}, bundle has ${actual})`,
      );
  }
  return { files: names.length, alg: verified.protectedHeader.alg };
}

/** The `.signatures.json` document for these files, signed with `key` (which replaces any earlier one). */
export async function signBundleFiles(
  files: ReadonlyMap<string, Buffer>,
  signer: { key: KeyObject; alg: string; keyId: string },
): Promise<Buffer> {
  const unsupported = [...files.keys()].filter((name) =>
    UNSUPPORTED.has(path.posix.basename(name)),
  );
  if (unsupported.length > 0)
    throw new BundleSignatureError(
      'unsupported_file',
      `bundle holds ${unsupported.join(', ')}; build it with opa build (it writes data.json)`,
    );
  const entries = [...files]
    .filter(([name]) => name !== SIGNATURES_FILE)
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([name, bytes]) => ({ name, hash: fileDigest(name, bytes), algorithm: HASH_ALGORITHM }));
  const payload = new TextEncoder().encode(JSON.stringify({ files: entries, keyid: signer.keyId }));
  const jws = await new CompactSign(payload)
    .setProtectedHeader({ alg: signer.alg, kid: signer.keyId, typ: 'JWT' })
    .sign(signer.key);
  return Buffer.from(`${JSON.stringify({ signatures: [jws], plugin: '_default' }, null, 2)}\n`);
}

function signatureToken(files: ReadonlyMap<string, Buffer>): string {
  const raw = files.get(SIGNATURES_FILE);
  if (raw === undefined)
    throw new BundleSignatureError(
      'signature_missing',
      `bundle has no ${SIGNATURES_FILE}; a signed bundle is required (orgwarden policy sign, or opa build --signing-key)`,
    );
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BundleSignatureError('signature_malformed', `${SIGNATURES_FILE} is not valid JSON`);
  }
  if (!isObject(doc) || !Array.isArray(doc.signatures))
    throw new BundleSignatureError(
      'signature_malformed',
      `${SIGNATURES_FILE} must be {"signatures": ["<JWS>"]}`,
    );
  if (doc.plugin !== undefined && doc.plugin !== '' && doc.plugin !== '_default')
    throw new BundleSignatureError(
      'signature_malformed',
      `${SIGNATURES_FILE}: signature plugin ${JSON.stringify(doc.plugin)} is not supported`,
    );
  if (doc.signatures.length !== 1)
    throw new BundleSignatureError(
      'signature_malformed',
      `${SIGNATURES_FILE} holds ${doc.signatures.length} signatures (expected exactly one)`,
    );
  const token: unknown = doc.signatures[0];
  if (typeof token !== 'string' || token === '')
    throw new BundleSignatureError(
      'signature_malformed',
      `${SIGNATURES_FILE}: the signature must be a JWS string`,
    );
  return token;
}

/** name → hex digest, from a payload whose signature has already been verified. */
function payloadFiles(payload: Uint8Array): Map<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw new BundleSignatureError('payload_invalid', 'the signature payload is not JSON');
  }
  if (!isObject(doc) || !Array.isArray(doc.files))
    throw new BundleSignatureError('payload_invalid', 'the signature payload has no "files" list');
  if (doc.scope !== undefined && doc.scope !== '')
    throw new BundleSignatureError(
      'payload_invalid',
      `the signature is scoped (${JSON.stringify(doc.scope)}); orgwarden verifies unscoped signatures only`,
    );
  const listed = new Map<string, string>();
  for (const entry of doc.files) {
    if (
      !isObject(entry) ||
      typeof entry.name !== 'string' ||
      entry.name === '' ||
      typeof entry.hash !== 'string' ||
      !/^[0-9a-f]{64}$/i.test(entry.hash)
    )
      throw new BundleSignatureError(
        'payload_invalid',
        `malformed file entry in the signature payload: ${JSON.stringify(entry).slice(0, 200)}`,
      );
    if (entry.algorithm !== HASH_ALGORITHM)
      throw new BundleSignatureError(
        'payload_invalid',
        `${entry.name}: hashing algorithm ${JSON.stringify(entry.algorithm)} is not accepted (${HASH_ALGORITHM} only)`,
      );
    listed.set(entry.name.replace(/^(\.\/|\/)+/, ''), entry.hash.toLowerCase());
  }
  return listed;
}

/** The order Array.prototype.sort() gives strings by default: UTF-16 code units. */
function byCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function list(names: string[]): string {
  return names.length > 5
    ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`
    : names.join(', ');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
