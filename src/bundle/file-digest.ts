/**
 * The SHA-256 digest OPA records for one file of a bundle in its signature (docs: OPA "Bundle
 * signing"): structured files (`data.json`, `.manifest`, wherever they sit) over their canonical
 * JSON, so re-formatting them changes nothing; every other file over its bytes.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson } from './canonical-json.js';

const STRUCTURED = new Set(['data.json', '.manifest']);

/** The hex digest of `bytes` as the bundle file `name`. Throws SyntaxError for a structured file that is not JSON. */
export function fileDigest(name: string, bytes: Buffer): string {
  const hashed = STRUCTURED.has(path.posix.basename(name))
    ? Buffer.from(canonicalJson(bytes.toString('utf8')), 'utf8')
    : bytes;
  return createHash('sha256').update(hashed).digest('hex');
}
