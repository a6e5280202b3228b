/** Reading and writing the directory's YAML form (the seed file, and the file store's backing file). */
import { open, readFile } from 'node:fs/promises';
import { parseDocument, stringify } from 'yaml';
import { InvalidDirectoryError } from './errors.js';
import { readPlainOrgs, UnsupportedYaml, type PlainValue } from './plain-yaml.js';
import type { OrgRecord } from './types.js';
import { directoryValidation, type DirectoryValidation } from './validate.js';

const HEADER =
  '# orgwarden directory. Writes through the directory API rewrite this file (comments are not kept).\n';

/** Orgs validated together on the fast path: large enough to amortise a parse, small enough to stay cheap. */
const CHUNK_ORGS = 512;

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
    throw unreadable(file, err);
  }
  return parseDirectoryYaml(text, defaultOrg, `directory file ${file}`);
}

/** Fails as `loadDirectoryFile` does when the file cannot be read, without reading or parsing it. */
export async function checkDirectoryFileReadable(file: string): Promise<void> {
  try {
    await (await open(file, 'r')).close();
  } catch (err) {
    throw unreadable(file, err);
  }
}

function unreadable(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
  return new Error(`directory file ${file} ${why}`, { cause: err });
}

/**
 * The records of a directory document in YAML. A file in the plain form the directory is written
 * in (plain-yaml.ts) is read and validated a few hundred orgs at a time, so the peak memory is the
 * records, not a syntax tree of the whole file. Anything else, and any file with a problem, goes
 * through the general YAML parser and the whole-document validation: the refusals, their messages
 * and their order are exactly those of the general path, which has the last word.
 */
export function parseDirectoryYaml(text: string, defaultOrg: string, subject: string): OrgRecord[] {
  const validation = directoryValidation(defaultOrg);
  return parsePlain(text, validation, subject) ?? parseGeneral(text, validation, subject);
}

/** The records, or null when the fast path cannot vouch for the file (the general path decides). */
function parsePlain(
  text: string,
  validation: DirectoryValidation,
  subject: string,
): OrgRecord[] | null {
  const records: OrgRecord[] = [];
  const ids = new Set<string>();
  let chunk: PlainValue[] = [];
  const flush = () => {
    // Each chunk is a document of its own to the one validator; ids must be unique across chunks too.
    for (const record of validation.parseDirectoryDocument({ orgs: chunk }, subject)) {
      if (ids.has(record.id)) throw new UnsupportedYaml('duplicate org id');
      ids.add(record.id);
      records.push(record);
    }
    chunk = [];
  };
  try {
    readPlainOrgs(text, (org) => {
      chunk.push(org);
      if (chunk.length >= CHUNK_ORGS) flush();
    });
    flush();
  } catch (err) {
    if (err instanceof UnsupportedYaml || err instanceof InvalidDirectoryError) return null;
    throw err;
  }
  return records;
}

function parseGeneral(text: string, validation: DirectoryValidation, subject: string): OrgRecord[] {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InvalidDirectoryError(
      subject,
      doc.errors.map((e) => `YAML: ${e.message.split('\n', 1)[0] ?? ''}`),
    );
  }
  // maxAliasCount bounds alias expansion ("billion laughs").
  return validation.parseDirectoryDocument(doc.toJS({ maxAliasCount: 100 }), subject);
}

export function serializeDirectory(orgs: Iterable<OrgRecord>): string {
  return HEADER + stringify({ orgs: [...orgs] }, { lineWidth: 0 });
}
