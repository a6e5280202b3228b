/**
 * Writes files into a .tar.gz that OPA and tar-read.ts both read, with `tar-stream`: regular files
 * only, each named from the bundle root with one leading "/" (entry-name.ts), as `opa build`
 * writes them. A name longer than the 100 bytes of a ustar header goes into a PAX `path` record:
 * tar-stream would otherwise split it into the ustar prefix at its first "/", which drops the
 * leading "/" OPA needs. Non-ASCII names get a PAX record from tar-stream itself.
 *
 * Reproducible: mode, owner and time are fixed (0644, uid/gid 0, no user or group name, the
 * epoch) and gzip runs with fixed settings, so the same files in the same order always give the
 * same bytes (signed bundles and their revision depend on it).
 */
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { archiveEntryName } from './entry-name.js';

const EPOCH = new Date(0);
const USTAR_NAME_BYTES = 100;

export async function writeTarGz(files: Iterable<[string, Buffer]>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of archive) chunks.push(chunk as Buffer);
  })();
  for (const [file, body] of files) {
    const name = archiveEntryName(file);
    // `pax: {}` asks for a PAX header holding just the path
    const long = Buffer.byteLength(name, 'utf8') > USTAR_NAME_BYTES ? { pax: {} } : {};
    archive.entry(
      {
        name,
        size: body.length,
        mode: 0o644,
        mtime: EPOCH,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        type: 'file',
        ...long,
      },
      body,
    );
  }
  archive.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}
