/**
 * The embedded directory (no Redis): loaded from the YAML file, held in memory, and written back to
 * the file atomically after every change.
 *
 * Invariants:
 * - A write changes memory only after the file has been replaced; if the file write fails, both
 *   the file and the in-memory directory are as before and the write rejects.
 * - Writes run one at a time (a promise chain), so two write-backs never interleave and each one
 *   starts from the state the previous one left.
 * - With peers (other worker processes of the same sidecar, `server.workers` > 1), a write-back
 *   also runs while no peer writes the file, and resolves only once every peer holds the changed
 *   org; so no worker writes from a stale directory, and after a write's answer every worker
 *   answers from the new one.
 */
import { removeStaleTempFiles, writeFileAtomic, type FileWriter } from './atomic-write.js';
import { directoryStderrLogger } from './deps.js';
import type { Logger } from '../contract/logger.js';
import { createChangeListeners } from './change-listeners.js';
import { loadDirectoryFile, serializeDirectory } from './load-file.js';
import { directoryValidation } from './validate.js';
import {
  deleteOrgWrite,
  putMemberWrite,
  putOrgWrite,
  removeMemberWrite,
  type DirectoryWrite,
} from './mutations.js';
import { freezeRecord, sameRecord, syntheticDefaultOrg } from './records.js';
import { untilRevision } from './revision-wait.js';
import { DirectoryUnavailableError, type DirectoryStore, type OrgRecord } from './types.js';
import { type StoredRole } from '../contract/roles.js';
import { OrgwardenError } from '../contract/errors.js';

export interface FileStoreOptions {
  file: string;
  defaultOrg: string;
  /** How long a read waits for a `min_directory_revision` not reached yet (default 250 ms). */
  revision_wait_ms?: number;
}

export interface FileStoreDeps {
  /** Replaces the file's content; defaults to temp file + fsync + rename. */
  writeFile?: FileWriter;
  log?: Logger;
  /** The other workers sharing this file; absent in a single process. */
  filePeers?: FileStorePeers;
}

/** One org as a write left it (null: deleted), handed to the peers. */
export interface PeerChange {
  org: string;
  record: OrgRecord | null;
}

export interface FileStorePeers {
  /**
   * Runs `task` while no peer writes the file. `stale`: a write this store has not heard of
   * happened (it must read the file again first). The change `task` returns (null: nothing
   * written) is applied by every peer before this resolves.
   */
  exclusive(task: (stale: boolean) => Promise<PeerChange | null>): Promise<void>;
  /** Where a peer's change arrives; applied at once (a write of ours may be waiting on the peer). */
  onPeerChange(apply: (change: PeerChange) => void): void;
}

interface Snapshot {
  orgs: ReadonlyMap<string, OrgRecord>;
  byUser: ReadonlyMap<string, readonly { id: string; role: StoredRole }[]>;
}

const DEFAULT_REVISION_WAIT_MS = 250;

export async function createFileStore(
  options: FileStoreOptions,
  deps: FileStoreDeps = {},
): Promise<DirectoryStore> {
  const { file, defaultOrg } = options;
  const validation = directoryValidation(defaultOrg);
  const writeFile = deps.writeFile ?? writeFileAtomic;
  const log = deps.log ?? directoryStderrLogger;
  const defaultRecord = syntheticDefaultOrg(defaultOrg);

  let snapshot = buildSnapshot((await loadDirectoryFile(file, defaultOrg)).map(freezeRecord));
  let revision = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  const listeners = createChangeListeners(log);
  log.info('directory loaded', { file, orgs: snapshot.orgs.size });
  const stale = await removeStaleTempFiles(file);
  if (stale > 0)
    log.warn('removed temp files left by an interrupted write', { file, count: stale });

  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  }

  const peers = deps.filePeers;
  peers?.onPeerChange(({ org, record }) => {
    if (closed) return;
    const orgs = new Map(snapshot.orgs);
    if (record) orgs.set(org, freezeRecord(record));
    else orgs.delete(org);
    snapshot = buildSnapshot([...orgs.values()]);
    revision += 1;
    notify(org);
  });

  function write(change: DirectoryWrite): Promise<{ revision: number }> {
    if (!peers) return serialized(() => writeBack(change).then(({ result }) => result));
    return serialized(async () => {
      let result = { revision };
      let wrote = false;
      await peers
        .exclusive(async (stale) => {
          if (stale) {
            snapshot = buildSnapshot((await loadDirectoryFile(file, defaultOrg)).map(freezeRecord));
            revision += 1;
          }
          const done = await writeBack(change);
          result = done.result;
          wrote = done.changed !== null;
          return done.changed;
        })
        .catch((err: unknown) => {
          // a refused write (validation, the file) is the store's own error; the rest is the peers'
          if (err instanceof OrgwardenError) throw err;
          throw new DirectoryUnavailableError(
            wrote
              ? 'the directory file was written, but not every other worker confirmed the change'
              : 'the other workers did not grant the directory write; nothing changed',
            { cause: err },
          );
        });
      return result;
    });
  }

  async function writeBack(
    change: DirectoryWrite,
  ): Promise<{ result: { revision: number }; changed: PeerChange | null }> {
    if (closed) throw new DirectoryUnavailableError('directory store is closed');
    const current = snapshot.orgs.get(change.org) ?? null;
    const next = change.apply(current);
    if (sameRecord(current, next)) return { result: { revision }, changed: null };

    const orgs = new Map(snapshot.orgs);
    if (next) orgs.set(change.org, freezeRecord(next));
    else orgs.delete(change.org);
    try {
      await writeFile(file, serializeDirectory(orgs.values()));
    } catch (err) {
      log.error('directory write-back failed; nothing changed', {
        file,
        org: change.org,
        error: String(err),
      });
      throw new DirectoryUnavailableError(`cannot write directory file ${file}`, { cause: err });
    }
    snapshot = buildSnapshot([...orgs.values()]);
    revision += 1;
    notify(change.org);
    return { result: { revision }, changed: { org: change.org, record: next } };
  }

  const notify = (org: string) => listeners.notify(org);

  function ensureOpen(): void {
    if (closed) throw new DirectoryUnavailableError('directory store is closed');
  }

  /** `read` on an open store; a throw (a closed store) becomes a rejection, as from any store. */
  function whenOpen<T>(read: () => T): Promise<T> {
    return new Promise((resolve) => {
      ensureOpen();
      resolve(read());
    });
  }

  const lookup = (id: string) =>
    snapshot.orgs.get(id) ?? (id === defaultOrg ? defaultRecord : null);
  const revisionWait = {
    current: () => revision,
    onChange: (listener: () => void) => listeners.add(listener),
    waitMs: options.revision_wait_ms ?? DEFAULT_REVISION_WAIT_MS,
  };

  return {
    kind: 'file',
    getOrg: (id) => whenOpen(() => lookup(id)),
    async getOrgAt(id, minRevision) {
      ensureOpen();
      if (minRevision !== undefined) await untilRevision(revisionWait, minRevision);
      ensureOpen();
      // the record and the counter of one snapshot: nothing runs between these two reads
      return { record: lookup(id), revision };
    },
    listOrgsForUser: (user) =>
      whenOpen(() => (snapshot.byUser.get(user) ?? []).map((m) => ({ ...m }))),
    // async, so a validation error thrown while building the write becomes a rejection
    putOrg: async (record) => write(putOrgWrite(record, validation)),
    putMember: async (org, user, role) => write(putMemberWrite(org, user, role, validation)),
    removeMember: async (org, user) => write(removeMemberWrite(org, user, validation)),
    deleteOrg: async (org) => write(deleteOrgWrite(org, validation)),
    revision: () => whenOpen(() => revision),
    ping: () => Promise.resolve(!closed),
    onChange: (listener) => listeners.add(listener),
    async close() {
      closed = true;
      listeners.clear();
      await queue;
    },
  };
}

function buildSnapshot(records: OrgRecord[]): Snapshot {
  const orgs = new Map<string, OrgRecord>();
  const byUser = new Map<string, { id: string; role: StoredRole }[]>();
  for (const record of records) {
    orgs.set(record.id, record);
    for (const { user, role } of record.members) {
      let list = byUser.get(user);
      if (!list) byUser.set(user, (list = []));
      list.push({ id: record.id, role });
    }
  }
  return { orgs, byUser };
}
