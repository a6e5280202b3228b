/**
 * Writes files into a .tar.gz that OPA and engine/tar-gz.ts both read: ustar headers, a PAX
 * `path` record for names longer than 100 bytes, regular files only. Mode, owner and time are
 * fixed (0644, root, epoch), so the same files always give the same archive.
 *
 * Every entry is named from the bundle root with one leading "/", as `opa build` writes them: OPA
 * resolves the manifest's `"module": "/policy.wasm"` against the entry names literally, so an entry
 * named "policy.wasm" makes `opa inspect` and `opa run` refuse the bundle.
 */
import { gzipSync } from 'node:zlib';

const BLOCK = 512;

export function writeTarGz(files: Iterable<[string, Buffer]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [file, body] of files) {
    const name = `/${file.replace(/^(\.\/|\/)+/, '')}`;
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > 100) {
      const record = paxRecord('path', name);
      blocks.push(header('PaxHeader', record.length, 'x'), pad(record));
    }
    blocks.push(header(nameBytes.length > 100 ? nameBytes.subarray(0, 100).toString('latin1') : name, body.length, '0'), pad(body));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks));
}

function header(name: string, size: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write('00000000000\0', 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum is computed with this field as spaces
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** "<length> <key>=<value>\n", where the length counts the whole record, its own digits included. */
function paxRecord(key: string, value: string): Buffer {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest, 'utf8');
  let length = restBytes + String(restBytes).length;
  if (String(length).length !== String(restBytes).length) length = restBytes + String(length).length;
  return Buffer.from(`${length}${rest}`, 'utf8');
}

function pad(body: Buffer): Buffer {
  const rest = body.length % BLOCK;
  return rest === 0 ? body : Buffer.concat([body, Buffer.alloc(BLOCK - rest)]);
}
