/** Reading and writing the directory's YAML form (the seed file, and the file store's backing file). */
import { readFile } from 'node:fs/promises';
import { parseDocument, stringify } from 'yaml';
import { InvalidDirectoryError } from './errors.js';
import type { OrgRecord } from './types.js';
import { parseDirectoryDocument } from './validate.js';

const HEADER =
  '# orgwarden directory. Writes through the directory API rewrite this file (comments are not kept).\n';

/**
 * Loads and validates a directory file. A missing or unreadable file is an error, never an empty
 * directory: a typo in the path must not start a sidecar that denies everyone (or worse, that a
 * later write would "seed" over the real file).
 */
export async function loadDirectoryFile(file: string, defaultOrg: string): Promise<OrgRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new Error(`directory file ${file} ${why}`, { cause: err });
  }
  return parseDirectoryYaml(text, defaultOrg, `directory file ${file}`);
}

export function parseDirectoryYaml(text: string, defaultOrg: string, subject: string): OrgRecord[] {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InvalidDirectoryError(
      subject,
      doc.errors.map((e) => `YAML: ${e.message.split('\n', 1)[0] ?? ''}`),
    );
  }
  // maxAliasCount bounds alias expansion ("billion laughs").
  return parseDirectoryDocument(doc.toJS({ maxAliasCount: 100 }), { defaultOrg }, subject);
}

export function serializeDirectory(orgs: Iterable<OrgRecord>): string {
  return HEADER + stringify({ orgs: [...orgs] }, { lineWidth: 0 });
}
