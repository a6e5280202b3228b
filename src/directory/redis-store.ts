/**
 * The shared directory: records in Redis (layout in redis-keys.ts), read through a small
 * in-process cache that Redis pub/sub keeps honest.
 *
 * Consistency and failure rules:
 * - Reads reject with DirectoryUnavailableError whenever Redis does not answer (fast: see
 *   redis/client.ts), and until this replica has confirmed, over its current connection, that the
 *   prefix holds a directory it may serve (redis-seed-gate.ts). The check repeats every second
 *   while connected, so a Redis that lost its data (restarted empty, flushed, evicted) stops
 *   being served by every replica: it is never read as "no such org", and never re-seeded over
 *   revocations without an operator's confirmation (`seeding.confirm`).
 * - The cache is used only while the invalidation subscription is live. When the subscriber
 *   connection drops, the cache is cleared and bypassed; when it is back, it is cleared again (it
 *   may have missed messages). A Redis that dies or restarts therefore denies at once, cached
 *   entries included. A subscriber node that stops answering without closing the connection
 *   (paused, overloaded, network black hole) stops counting as live once its last PONG is older
 *   than `subscriber_ping_ms + command_timeout_ms` (redis/subscription.ts): that is the longest
 *   entries cached before (including "no such org") are served after it stalled. In a cluster,
 *   the cache is also cleared whenever the command connection's slot re-read finds other masters
 *   (a failover): a record cached from a lost master may hold a write the promoted replica never
 *   got, and an invalidation subscriber on a surviving node would not drop it.
 * - A write (redis-write.ts) writes the org's record, tombstone and revision in one atomic script,
 *   waits for `write_replicas` replicas to have it (WAIT), invalidates this replica's cache,
 *   maintains the indexes and publishes `{org, revision}` for the other replicas, which drop the
 *   org from their caches. If Redis fails after the record was written, the write rejects (a retry
 *   is safe: it finds the record as wanted, waits for the replicas again and publishes again).
 * - Revisions never go backwards unnoticed: each replica remembers the highest revision it has
 *   seen per org (redis-revisions.ts). A read that finds an org at a lower revision (a failover
 *   lost a write, a stale master answered) is refused with DirectoryUnavailableError, logged at
 *   error, and never cached. A directory an operator confirmed (a new `seeded` marker) starts the
 *   memory over.
 * - `onChange` listeners hear about writes made here (at once) and elsewhere (from pub/sub), so a
 *   listener may hear of one change twice. A resubscription clears the cache without naming orgs.
 */
import type { RedisConfig } from '../redis/config.js';
import { createRedisClient, type RedisClientFactory } from '../redis/client.js';
import { createRedisConnections } from '../redis/connections.js';
import { MASTERS_CHANGED } from '../redis/slot-refreshing-cluster.js';
import { createLiveSubscription, subscriberHealth } from '../redis/subscription.js';
import { createTtlCache } from './cache.js';
import { directoryStderrLogger, type Clock } from './deps.js';
import type { Logger } from '../contract/logger.js';
import { type CacheStats } from '../contract/metric-labels.js';
import { createChangeListeners } from './change-listeners.js';
import { InvalidDirectoryError } from './errors.js';
import { checkDirectoryFileReadable, loadDirectoryFile } from './load-file.js';
import {
  deleteOrgWrite,
  putMemberWrite,
  putOrgWrite,
  removeMemberWrite,
  type DirectoryWrite,
} from './mutations.js';
import { freezeRecord, syntheticDefaultOrg } from './records.js';
import { redisKeys } from './redis-keys.js';
import { confirmSeed, SeedNotNeededError, type SeedSource } from './redis-seed.js';
import {
  createSeedGate,
  seedProgressLog,
  type GateState,
  type SeedMode,
} from './redis-seed-gate.js';
import { readOrg } from './redis-read.js';
import { createRevisionFloors, DirectoryRewoundError } from './redis-revisions.js';
import { writeToRedis, type RedisWriteContext } from './redis-write.js';
import {
  DirectoryUnavailableError,
  type DirectoryStore,
  type OrgRecord,
  type RevisionedRecord,
  type SeedConfirmation,
  type SeedStatus,
} from './types.js';
import { type StoredRole } from '../contract/roles.js';
import { directoryValidation, isValidOrgId, isValidUserId } from './validate.js';

export interface RedisStoreOptions {
  /**
   * Seed file. Read and validated only when this replica must seed the prefix (or an operator
   * confirms a seed from it): a replica joining a seeded prefix checks only that it can be opened.
   */
  file: string;
  defaultOrg: string;
  redis: RedisConfig;
  cache_ttl_ms: number;
  cache_max_entries: number;
  /** `directory.seed`: whether an empty prefix never seen holding a directory is seeded at start (default `if_empty`). */
  seed?: SeedMode;
}

export interface RedisStoreDeps {
  now?: Clock;
  log?: Logger;
  stats?: CacheStats;
  /** Creates the store's two connections (commands, subscriber); the store closes them. */
  connect?: RedisClientFactory;
}

/** How long a failed SUBSCRIBE on a ready connection waits before it is tried again. */
const RETRY_DELAY_MS = 250;
/** How often a connected replica re-checks that its prefix still holds the directory it serves. */
const WATCH_MS = 1000;
/** How often a connected replica that may not serve yet looks again (hold lifted, seed confirmed). */
const RECHECK_MS = 500;
const START_CHECK_ATTEMPTS = 3;

export async function createRedisStore(
  options: RedisStoreOptions,
  deps: RedisStoreDeps = {},
): Promise<DirectoryStore> {
  const { defaultOrg } = options;
  const validation = directoryValidation(defaultOrg);
  const now = deps.now ?? Date.now;
  const log = deps.log ?? directoryStderrLogger;
  const connect = deps.connect ?? ((role) => createRedisClient(options.redis, role, log));
  // A typo in the path still stops the start; the content is judged when it is needed.
  await checkDirectoryFileReadable(options.file);

  const keys = redisKeys(options.redis.key_prefix);
  const seedMode = options.seed ?? 'if_empty';
  // Each record with the revision it was read at (read your writes compares it).
  const cache = createTtlCache<RevisionedRecord>({
    ttlMs: options.cache_ttl_ms,
    maxEntries: options.cache_max_entries,
    now,
  });
  const defaultRecord = syntheticDefaultOrg(defaultOrg);
  const listeners = createChangeListeners(log);
  const connections = createRedisConnections(connect);
  const { commands, commandsState } = connections;
  // Records cached from masters that are gone may hold writes lost with them: read Redis again.
  commands.on(MASTERS_CHANGED, (before: string, after: string) => {
    cache.clear();
    log.warn('directory cache dropped: the redis cluster changed masters', { before, after });
  });

  const gate = createSeedGate(commands, keys, {
    mode: seedMode,
    records: async () => (await readSeedFile()).map(freezeRecord),
    now,
    log,
  });
  const floors = createRevisionFloors();
  /** The `seeded` marker of the directory the floors belong to. */
  let servedMarker: string | null = null;
  /** The last rewind logged per org, so a refused org logs once per revision pair, not per read. */
  const loggedRewinds = new Map<string, string>();

  let closed = false;
  /** The prefix holds a directory this replica may serve, as last seen over the current command connection. */
  let verified = false;
  let status: SeedStatus = { state: 'unavailable', reason: 'redis has not answered yet' };
  let lastCheckError: string | null = null;
  /** The seed file was refused by the last check that had to read it (a start fails with it). */
  const seedFile: { refused: InvalidDirectoryError | null } = { refused: null };
  let checkTimer: NodeJS.Timeout | null = null;
  let verifying: Promise<void> | null = null;
  let writes: Promise<unknown> = Promise.resolve();

  const stat: CacheStats = (layer, outcome) => {
    try {
      deps.stats?.(layer, outcome);
    } catch {
      // metrics must never fail a read
    }
  };

  function verify(): Promise<void> {
    verifying ??= (async () => {
      const epoch = commandsState.epoch();
      try {
        const state = await gate.check();
        lastCheckError = null;
        seedFile.refused = null;
        // reconnected meanwhile: the answer belongs to a connection that is gone; check again
        if (!closed && epoch === commandsState.epoch()) settle(state);
      } catch (err) {
        const message = errorMessage(err);
        if (err instanceof InvalidDirectoryError) seedFile.refused = err;
        if (message !== lastCheckError)
          log.warn('directory: cannot check the redis prefix (keeping the last state)', {
            error: message,
          });
        lastCheckError = message;
      } finally {
        verifying = null;
        scheduleCheck();
      }
    })();
    return verifying;
  }

  /** Applies a check's outcome; a replica that may not serve drops its cache at once. */
  function settle(state: GateState): void {
    if (state.ready) {
      if (servedMarker !== null && state.marker !== servedMarker) {
        // An operator confirmed a directory (or a lost marker was put back): its revisions start here.
        floors.clear();
        cache.clear();
      }
      servedMarker = state.marker;
      if (!verified && status.state !== 'unavailable')
        log.info('directory served again', { previous: status.state });
      verified = true;
      status = { state: 'ready', reason: null };
      return;
    }
    if (verified || status.reason !== state.reason)
      log.warn('directory not served', { state: state.state, reason: state.reason });
    verified = false;
    cache.clear();
    status = { state: state.state, reason: state.reason };
  }

  /** The directory file as it is now; a missing or unreadable one is an invalid seed, never an empty one. */
  async function readSeedFile(): Promise<OrgRecord[]> {
    try {
      return await loadDirectoryFile(options.file, defaultOrg);
    } catch (err) {
      if (err instanceof InvalidDirectoryError) throw err;
      throw new InvalidDirectoryError(`directory file ${options.file}`, [errorMessage(err)]);
    }
  }

  function stopChecks(): void {
    if (checkTimer) clearTimeout(checkTimer);
    checkTimer = null;
  }

  /** One timer per store: watch while serving, re-check while waiting; none while disconnected. */
  function scheduleCheck(): void {
    if (checkTimer) clearTimeout(checkTimer);
    checkTimer = null;
    if (closed || !commandsState.isConnected()) return;
    checkTimer = setTimeout(
      () => {
        checkTimer = null;
        if (!closed && commandsState.isConnected()) void verify();
      },
      verified ? WATCH_MS : RECHECK_MS,
    );
    checkTimer.unref();
  }

  async function confirm(source: SeedSource): Promise<SeedConfirmation> {
    ensureOpen();
    if (!commandsState.isConnected())
      throw new DirectoryUnavailableError('directory unavailable: redis is unreachable');
    // Read now, not at start: the runbook has the operator refresh the file before confirming.
    const records = source === 'file' ? (await readSeedFile()).map(freezeRecord) : [];
    let report;
    try {
      report = await confirmSeed(commands, keys, records, {
        now,
        source,
        onProgress: seedProgressLog(log, now, 'operator'),
      });
    } catch (err) {
      if (err instanceof SeedNotNeededError) throw err;
      throw new DirectoryUnavailableError(
        `directory unavailable: redis seed failed: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    log.warn('directory seed confirmed by an operator', {
      source,
      written: report.written,
      skipped: report.skipped,
    });
    // This replica serves from the answer on; the others hear it now (or re-check within RECHECK_MS).
    await verifying;
    await verify();
    await commands
      .publish(keys.invalidations, JSON.stringify({ seed: 'confirmed' }))
      .catch(() => undefined);
    return { source, written: report.written, skipped: report.skipped };
  }

  commands.on('ready', () => void verify());
  commands.on('close', () => {
    verified = false;
    status = { state: 'unavailable', reason: 'the redis connection is lost' };
  });
  /** Live while invalidations are flowing: only then may the cache be read and filled. */
  const invalidations = createLiveSubscription(
    connections.subscriber,
    connections.subscriberState,
    {
      channel: keys.invalidations,
      retryMs: RETRY_DELAY_MS,
      health: subscriberHealth(options.redis),
      now,
      onLive: () => cache.clear(), // whatever happened while we were not listening
      onLost: () => cache.clear(),
      onStalled: (reason) =>
        log.warn(
          'directory cache disabled: the invalidation subscriber stopped answering; reconnecting',
          { reason },
        ),
      onError: (err) =>
        log.warn('directory cache disabled: cannot subscribe to invalidations', {
          error: String(err),
        }),
      onMessage(message) {
        const invalidation = parseInvalidation(message);
        if (invalidation === null) {
          cache.clear(); // not understood (or a confirmed seed): assume anything may have changed
          if (!verified && commandsState.isConnected()) void verify();
          return;
        }
        const { org, revision } = invalidation;
        if (revision !== null) floors.raise(org, revision);
        cache.delete(org);
        notify(org);
      },
    },
  );

  const notify = (org: string) => listeners.notify(org);

  function ensureOpen(): void {
    if (closed) throw new DirectoryUnavailableError('directory store is closed');
  }

  function ensureReady(): void {
    ensureOpen();
    if (!verified)
      throw new DirectoryUnavailableError(
        `directory not ready: ${status.reason ?? 'redis is unreachable'}`,
      );
  }

  /** Runs a Redis call; any failure means the directory cannot answer. */
  async function redis<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new DirectoryUnavailableError(
        `directory unavailable: redis ${what} failed: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }

  function decode(id: string, raw: string): OrgRecord {
    try {
      const record = validation.parseOrgRecord(JSON.parse(raw));
      if (record.id !== id)
        throw new Error(
          `record id ${JSON.stringify(record.id)} under the key of ${JSON.stringify(id)}`,
        );
      return freezeRecord(record);
    } catch (err) {
      log.error('corrupt directory record in redis', { org: id, error: errorMessage(err) });
      throw new DirectoryUnavailableError(
        `directory unavailable: corrupt record for org ${JSON.stringify(id)}`,
        { cause: err },
      );
    }
  }

  /**
   * The org's record and revision: from the cache while it is live, unless the cached copy is
   * older than `minRevision` (read your writes), then from Redis — which holds every acknowledged
   * write, so that read stands even when the org's own revision is lower (the minimum came from a
   * write of another org).
   */
  async function fetchOrg(id: string, minRevision = 0): Promise<RevisionedRecord> {
    // Before the cache: a replica that may not serve the prefix serves nothing it cached either.
    ensureReady();
    if (invalidations.isLive()) {
      const hit = cache.get(id);
      const fresh = hit !== undefined && hit.value.revision >= minRevision;
      stat('memory', fresh ? 'hit' : 'miss');
      if (fresh) return hit.value;
    }
    const ticket = cache.ticket();
    const stored = await readOrg(writeContext, id);
    stat('redis', stored.raw === null ? 'miss' : 'hit');
    // Compared after the read: an invalidation that arrived meanwhile counts.
    refuseRewind(id, stored.revision);
    floors.raise(id, stored.revision);
    const read = { record: stored.record, revision: stored.revision };
    if (invalidations.isLive()) cache.set(id, read, ticket);
    return read;
  }

  /** Throws (and logs at error, once per org and revision pair) when `revision` is behind the org's floor. */
  function refuseRewind(org: string, revision: number): void {
    const seen = floors.floor(org);
    if (revision >= seen) {
      loggedRewinds.delete(org);
      return;
    }
    const error = new DirectoryRewoundError(org, revision, seen);
    const pair = `${revision}<${seen}`;
    if (loggedRewinds.get(org) !== pair) {
      if (loggedRewinds.size >= 1000) loggedRewinds.clear();
      loggedRewinds.set(org, pair);
      log.error('directory rewound: refusing a record older than a revision already seen', {
        org,
        revision,
        seen,
      });
    }
    throw error;
  }

  async function getOrgAt(id: string, minRevision?: number): Promise<RevisionedRecord> {
    ensureOpen();
    // Garbage never becomes a Redis key; such an org cannot exist.
    if (!isValidOrgId(id)) return { record: null, revision: 0 };
    const { record, revision } = await fetchOrg(id, minRevision);
    return { record: record ?? (id === defaultOrg ? defaultRecord : null), revision };
  }

  const getOrg = async (id: string) => (await getOrgAt(id)).record;

  async function listOrgsForUser(user: string): Promise<{ id: string; role: StoredRole }[]> {
    ensureReady();
    if (!isValidUserId(user)) return []; // such a user cannot be a member of anything
    const ids = await redis('SMEMBERS', () => commands.smembers(keys.user(user)));
    const records = await Promise.all(
      ids
        .filter(isValidOrgId)
        .sort()
        .map(async (id) => (await fetchOrg(id)).record),
    );
    return records.flatMap((record) => {
      const member = record?.members.find((m) => m.user === user);
      return record && member ? [{ id: record.id, role: member.role }] : [];
    });
  }

  const writeContext: RedisWriteContext = {
    client: commands,
    keys,
    ensureReady,
    call: redis,
    decode,
    now,
    changed(org) {
      cache.delete(org);
      notify(org);
    },
    floors,
    durability: {
      replicas: options.redis.write_replicas,
      timeoutMs: options.redis.write_timeout_ms,
      commandTimeoutMs: options.redis.command_timeout_ms,
    },
    log,
  };

  function write(change: DirectoryWrite): Promise<{ revision: number }> {
    // One write at a time per replica; across replicas the compare-and-set keeps records whole.
    const run = writes.then(() => writeToRedis(writeContext, change));
    writes = run.catch(() => undefined);
    return run;
  }

  connections.connect();
  // Wait for the first check so a healthy start serves from the first request (a check that fails
  // on a connected Redis, typically a command timeout while the process is busy starting, is
  // tried again a few times first); an unreachable Redis does not stop the start: reads fail
  // closed while the clients keep reconnecting.
  const firstCheck = async () => {
    for (let attempt = 1; attempt <= START_CHECK_ATTEMPTS; attempt++) {
      await verify();
      if (seedFile.refused !== null) return; // a bad file stays bad: no retry
      if (lastCheckError === null || closed || !commandsState.isConnected()) return;
    }
  };
  await Promise.all([
    commandsState.firstAttempt(firstCheck),
    connections.subscriberState.firstAttempt(() => invalidations.subscribe()),
  ]);
  // This replica had to seed from the file and the file is refused: the start fails, as without Redis.
  const refused = seedFile.refused;
  if (refused !== null) {
    closed = true;
    invalidations.close();
    stopChecks();
    connections.disconnect();
    throw refused;
  }

  return {
    kind: 'redis',
    getOrg,
    getOrgAt,
    listOrgsForUser,
    // async, so a validation error thrown while building the write becomes a rejection
    putOrg: async (record) => write(putOrgWrite(record, validation)),
    putMember: async (org, user, role) => write(putMemberWrite(org, user, role, validation)),
    removeMember: async (org, user) => write(removeMemberWrite(org, user, validation)),
    deleteOrg: async (org) => write(deleteOrgWrite(org, validation)),
    async revision(org) {
      ensureReady();
      const { revision } = await readOrg(writeContext, org);
      refuseRewind(org, revision);
      return revision;
    },
    async ping() {
      if (closed || !verified) return false;
      return commands.ping().then(
        // the reply is typed 'PONG'; it is still checked, as a healthy server's only answer
        (reply: string) => reply === 'PONG',
        () => false,
      );
    },
    onChange: (listener) => listeners.add(listener),
    invalidationsLive: () => invalidations.isLive(),
    seeding: { status: () => status, confirm },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      invalidations.close();
      if (checkTimer) clearTimeout(checkTimer);
      await writes;
      cache.clear();
      connections.disconnect();
    },
  };
}

/**
 * The org of an invalidation message and its revision (null when the message carries none that is
 * per org: older versions published a global counter, which must not raise a floor), or null when
 * the message is not understood.
 */
function parseInvalidation(message: string): { org: string; revision: number | null } | null {
  try {
    const { org, revision, scope } = JSON.parse(message) as Record<string, unknown>;
    if (!isValidOrgId(org)) return null;
    const perOrg =
      scope === 'org' && typeof revision === 'number' && Number.isSafeInteger(revision);
    return { org, revision: perOrg && revision >= 0 ? revision : null };
  } catch {
    return null;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
