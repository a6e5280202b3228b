/**
 * Reads the regular files out of a .tar.gz (an OPA bundle) into memory. Bundles are small and
 * trusted only after their digests are checked, so this stays minimal: ustar and PAX `path`
 * records, regular files only, a hard cap on the unpacked size. Names are returned without a
 * leading "/" or "./" (OPA writes "/policy.wasm"; GNU tar writes "policy.wasm").
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;
const CONTROL = /[\u0000-\u001f\u007f]/;

export class BundleFormatError extends Error {
  readonly code = 'bundle_invalid';
}

export function readTarGz(archive: Buffer, maxUnpackedBytes = 64 * 1024 * 1024): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: maxUnpackedBytes });
  } catch (err) {
    throw new BundleFormatError(`bundle is not a readable gzip archive (${(err as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const name = cString(header.subarray(0, 100));
    const prefix = cString(header.subarray(345, 500));
    const bodyStart = offset + BLOCK;
    const body = tar.subarray(bodyStart, bodyStart + size);
    if (body.length !== size) throw new BundleFormatError('bundle archive is truncated');
    if (type === 'x') {
      paxPath = parsePaxPath(body) ?? paxPath;
    } else {
      if (type === '0' || type === '\0') {
        const file = normalise(paxPath ?? (prefix ? `${prefix}/${name}` : name));
        // One archive entry per file: "/x.rego" and "x.rego" are the same file to every reader here,
        // so a second one (which one would OPA load, sign or list?) makes the archive ambiguous.
        if (files.has(file)) throw new BundleFormatError(`bundle archive holds ${JSON.stringify(file)} twice`);
        if (file === '') throw new BundleFormatError('bundle archive has a file without a name');
        if (CONTROL.test(file)) throw new BundleFormatError(`bundle archive has a file name with a control character: ${JSON.stringify(file)}`);
        files.set(file, Buffer.from(body));
      }
      paxPath = undefined;
    }
    offset = bodyStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

function parseOctal(field: Buffer): number {
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) throw new BundleFormatError('bundle archive has a corrupt header');
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function parsePaxPath(body: Buffer): string | undefined {
  for (const line of body.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** "/policy.wasm" and "./policy.wasm" both become "policy.wasm". */
function normalise(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '');
}
