/** Replacing a file so that a reader (or a crash) sees either the old content or the new, never a mix. */
import { randomBytes } from 'node:crypto';
import { open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Replaces `file` with `data`; the file store takes one injected, so tests can make it fail. */
export type FileWriter = (file: string, data: string) => Promise<void>;

/**
 * Writes a temp file in the same folder (rename is only atomic within one file system), fsyncs it,
 * renames it over the target and fsyncs the folder so the rename itself is durable. A symlinked
 * target is followed, so the link stays a link; the file keeps its permission bits.
 */
export const writeFileAtomic: FileWriter = async (file, data) => {
  const target = await realpath(file).catch(() => file);
  const mode = await stat(target).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  );
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncFolder(dir);
};

/**
 * Removes temp files a crash left behind beside `file` (only names `writeFileAtomic` makes).
 * Called once when the file store starts, before it writes anything; returns how many it removed.
 */
export async function removeStaleTempFiles(file: string): Promise<number> {
  const target = await realpath(file).catch(() => file);
  const prefix = `.${basename(target)}.`;
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  const stale = names.filter(
    (n) => n.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(n.slice(prefix.length)),
  );
  await Promise.all(stale.map((n) => unlink(join(dirname(target), n)).catch(() => undefined)));
  return stale.length;
}

async function syncFolder(dir: string): Promise<void> {
  // Best effort: some platforms and file systems refuse to open or fsync a folder.
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // the data is already in place; only durability across a power loss is weaker here
  } finally {
    await handle.close();
  }
}
