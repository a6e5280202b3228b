/**
 * Reads the regular files out of a .tar.gz (an OPA bundle) into memory. The tar format itself is
 * parsed by `tar-stream` (ustar, PAX and GNU long names, checksums); what is accepted is decided
 * here, before anything trusts the files (their digests, signature and revision are checked later):
 * - the unpacked size is capped (`maxUnpackedBytes`) while gunzipping, so a gzip bomb stops there;
 * - regular files only: directories are skipped, and a link, symlink, device or FIFO entry refuses
 *   the archive (no bundle has one, and a reader that followed it could read outside the bundle);
 * - names are normalised and judged by entry-name.ts (no traversal, no control characters);
 * - one entry per file: "/x.rego" and "x.rego" are the same file to every reader here, so a second
 *   one (which one would OPA load, sign or list?) makes the archive ambiguous.
 */
import { OrgwardenError } from '../contract/errors.js';
import { gunzipSync } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { entryNameProblem, normaliseEntryName } from './entry-name.js';

const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export class BundleFormatError extends OrgwardenError {
  constructor(message: string) {
    super('bundle_invalid', message);
  }
}

export async function readTarGz(
  archive: Buffer,
  maxUnpackedBytes = MAX_UNPACKED_BYTES,
): Promise<Map<string, Buffer>> {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: maxUnpackedBytes });
  } catch (err) {
    throw new BundleFormatError(
      `bundle is not a readable gzip archive (${(err as Error).message})`,
    );
  }
  const files = new Map<string, Buffer>();
  // allowUnknownFormat: pre-POSIX (v7) headers are read as before; checksums are checked regardless
  const entries = extract({ allowUnknownFormat: true } as Parameters<typeof extract>[0]);
  entries.end(tar);
  try {
    for await (const entry of entries) {
      const file = acceptedName(entry.header);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (file === null) continue;
      if (files.has(file))
        throw new BundleFormatError(`bundle archive holds ${JSON.stringify(file)} twice`);
      files.set(file, Buffer.concat(chunks));
    }
  } catch (err) {
    throw asFormatError(err);
  }
  return files;
}

/** The file an entry holds, null for a directory; anything else is refused. */
function acceptedName(header: Header): string | null {
  if (header.type === 'directory') return null;
  if (header.type !== 'file')
    throw new BundleFormatError(
      `bundle archive has a ${header.type} entry (regular files only): ${JSON.stringify(header.name)}`,
    );
  const file = normaliseEntryName(header.name);
  const problem = entryNameProblem(file);
  if (problem !== null) throw new BundleFormatError(`bundle archive has ${problem}`);
  return file;
}

/** tar-stream's parse errors, in the words the rest of orgwarden uses for a bad bundle. */
function asFormatError(err: unknown): BundleFormatError {
  if (err instanceof BundleFormatError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.startsWith('Invalid'))
    return new BundleFormatError('bundle archive has a corrupt header');
  if (message.startsWith('Unexpected end'))
    return new BundleFormatError('bundle archive is truncated');
  return new BundleFormatError(`bundle archive is unreadable (${message})`);
}
