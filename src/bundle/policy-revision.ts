/**
 * The policy revision: a content hash of a bundle's policy files, so the same policy has the same
 * revision wherever it was compiled, packed or signed (docs/policies.md, "Policy revision").
 *
 *   revision = "sha256:" + hex(SHA-256(listing))
 *   listing  = one line per file of the bundle except .manifest and .signatures.json, sorted by
 *              name (byte order): "<fileDigest(name)>  <name>\n"  (sha256sum's format)
 *
 * `name` is the file's path in the archive without a leading "/"; `fileDigest` is the digest OPA's
 * signature records (canonical JSON for data.json, the bytes for everything else). So the
 * revision covers the WASM, the data and the Rego it was compiled from, and nothing that says where
 * or when it was built: not the folder, the order files were created in, the archive's layout or
 * timestamps, the formatting or key order of data.json, the manifest or the signature.
 */
import { createHash } from 'node:crypto';
import { fileDigest } from './file-digest.js';

/** Bundle files that describe or sign the policy rather than being part of it. */
const BUNDLE_METADATA_FILES: ReadonlySet<string> = new Set(['.manifest', '.signatures.json']);

// A name that could split or fake a listing line (a line break, any control character) has no
// unambiguous line, so it is refused; archive readers refuse such names before they get here.
// eslint-disable-next-line no-control-regex -- the class names the control characters a listing line cannot hold
const UNLISTABLE_NAME = /[\u0000-\u001f\u007f]|^\//;

/** The sorted sha256sum-style listing the revision hashes. Throws TypeError for a name it cannot list. */
export function revisionListing(files: ReadonlyMap<string, Buffer>): string {
  const listed = [...files].filter(([name]) => !BUNDLE_METADATA_FILES.has(name));
  for (const [name] of listed) {
    if (name === '' || UNLISTABLE_NAME.test(name))
      throw new TypeError(
        `bundle file name ${JSON.stringify(name)} cannot be listed in a revision`,
      );
  }
  listed.sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return listed.map(([name, bytes]) => `${fileDigest(name, bytes)}  ${name}\n`).join('');
}

/** `sha256:<hex>` of the revision listing of these bundle files. */
export function policyRevision(files: ReadonlyMap<string, Buffer>): string {
  return `sha256:${createHash('sha256').update(revisionListing(files), 'utf8').digest('hex')}`;
}
