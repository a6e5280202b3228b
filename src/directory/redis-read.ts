/**
 * One org as Redis holds it: its record and its revision, read together by one MGET (both keys
 * carry the org's hash tag, so in a cluster they live in one slot and the read is atomic).
 */
import type { RedisClient } from '../redis/client.js';
import type { RedisKeys } from './redis-keys.js';
import { parseRevision } from './redis-revisions.js';
import type { OrgRecord } from './types.js';

export interface StoredOrg {
  /** The record's JSON as stored (null: no record). */
  raw: string | null;
  record: OrgRecord | null;
  /** The org's revision (0 when it has none yet). */
  revision: number;
}

export interface OrgReader {
  client: RedisClient;
  keys: RedisKeys;
  /** Runs one Redis call; any failure becomes DirectoryUnavailableError. */
  call: <T>(what: string, run: () => Promise<T>) => Promise<T>;
  /** Parses a stored record; a corrupt one is DirectoryUnavailableError. */
  decode(org: string, raw: string): OrgRecord;
}

export async function readOrg(reader: OrgReader, org: string): Promise<StoredOrg> {
  const { client, keys } = reader;
  const [raw = null, revision = null] = await reader.call('MGET', () =>
    client.mget(keys.org(org), keys.revision(org)),
  );
  return {
    raw,
    record: raw === null ? null : reader.decode(org, raw),
    revision: parseRevision(org, revision),
  };
}
