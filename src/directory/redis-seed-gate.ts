/**
 * Whether this replica may serve the directory in its Redis prefix, and the one automatic seed.
 *
 * A replica cannot tell a brand-new empty Redis from one that lost its data by looking at it: both
 * are empty. What it can know is its own history. So:
 * - A replica that has seen the prefix hold a directory (its marker, or records) remembers it for
 *   as long as it runs. If the prefix is later empty, or carries a marker of an automatic seed it
 *   did not see before, the data was lost: it sets the `seed-hold` key, which stops every replica
 *   (and every automatic seed) until an operator confirms a seed (`confirmSeed`).
 * - A prefix that was never seen holding anything is seeded from `directory.file` only with
 *   `directory.seed: if_empty` (the first start of a deployment); with `confirm` it waits for the
 *   operator too.
 * - A marker lost on its own (e.g. evicted) over a directory that is still there is put back, and
 *   nothing is written (seed skipped, logged at warn with the counts).
 * - A seed that did not finish (the `seeding` key, no marker) is never served and never taken for
 *   a directory whose marker was lost: an automatic one is resumed by a replica with `if_empty`
 *   (`confirm` waits for the operator), an operator's one waits for the operator to confirm again.
 *   A replica that had seen the directory holds the prefix instead when an automatic seed is
 *   writing it again; it restores the marker only when the `seeding` key is the leftover of the
 *   very seed whose marker it accepted.
 * Every outcome that is not "ready" carries its own reason for `/readyz` and the log.
 */
import type { Clock } from './deps.js';
import type { Logger } from '../contract/logger.js';
import type { RedisClient } from '../redis/client.js';
import type { RedisKeys } from './redis-keys.js';
import {
  clearFinishedSeed,
  holdsDirectory,
  markerAuthor,
  markerId,
  newMarker,
  parseSeeding,
  readPrefixState,
  seedIfEmpty,
  type PrefixState,
  type SeedRecords,
} from './redis-seed.js';
import { InvalidDirectoryError } from './errors.js';
import type { OrgRecord } from './types.js';

/** `if_empty`: a prefix never seen holding a directory is seeded at start; `confirm`: only by an operator. */
export type SeedMode = 'if_empty' | 'confirm';

/** Ready carries the `seeded` marker accepted: a new one means a directory this replica did not see before. */
export type GateState =
  | { ready: true; marker: string }
  | { ready: false; state: 'held' | 'awaiting_confirmation' | 'seeding'; reason: string };

export interface SeedGate {
  /** Looks at the prefix (seeding it when the mode allows); rejects only when Redis fails. */
  check(): Promise<GateState>;
}

export interface SeedGateOptions {
  mode: SeedMode;
  /**
   * The records an automatic seed writes: the directory file, read and validated only when this
   * replica must seed (or count them). A refusal of the file (InvalidDirectoryError) is not a
   * failed seed: `check` rejects with it.
   */
  records: SeedRecords;
  now: Clock;
  log: Logger;
  lockTtlMs?: number;
}

const CONFIRM_HINT =
  'confirm a seed with POST /v1/admin/directory/seed or `orgwarden directory seed --config FILE`';

export function createSeedGate(
  client: RedisClient,
  keys: RedisKeys,
  options: SeedGateOptions,
): SeedGate {
  const { now, log } = options;
  /**
   * The file's records, read once for a seed and kept until the prefix is served: a seed that
   * failed part way (a command timed out) is resumed at the next check without reading the file
   * again, and a replica that serves holds no copy of the directory.
   */
  let loaded: Promise<readonly OrgRecord[]> | null = null;
  const source = options.records;
  const records: SeedRecords =
    typeof source === 'function'
      ? () => {
          loaded ??= source().catch((err: unknown) => {
            loaded = null;
            throw err;
          });
          return loaded;
        }
      : source;
  const count = async () =>
    typeof records === 'function' ? (await records()).length : records.length;
  /** The marker this replica last accepted; non-null once it has seen the prefix hold a directory. */
  let knownMarker: string | null = null;
  let seenDirectory = false;

  async function hold(reason: string): Promise<GateState> {
    await client.set(
      keys.seedHold,
      JSON.stringify({ at: new Date(now()).toISOString(), reason }),
      'NX',
    );
    log.error(
      'directory data in redis was lost: no replica serves it until an operator confirms a seed',
      { reason },
    );
    return held(await client.get(keys.seedHold));
  }

  function held(raw: string | null): GateState {
    let why = 'the directory data was lost';
    try {
      const reason = (JSON.parse(raw ?? '') as { reason?: unknown }).reason;
      if (typeof reason === 'string') why = reason;
    } catch {
      // an unreadable hold still holds
    }
    return { ready: false, state: 'held', reason: `seed held: ${why}; ${CONFIRM_HINT}` };
  }

  async function accept(marker: string): Promise<GateState> {
    // Someone seeded the prefix again without an operator after this replica had seen it: only a
    // loss of the data can have made that possible, and the seed may have revived revoked members.
    if (knownMarker !== null && marker !== knownMarker && markerAuthor(marker) === 'start') {
      return hold(
        'the redis prefix was seeded again automatically after this replica had seen its directory',
      );
    }
    knownMarker = marker;
    seenDirectory = true;
    loaded = null;
    return { ready: true, marker };
  }

  async function restoreMarker(): Promise<GateState> {
    await client.set(keys.seeded, knownMarker ?? newMarker('restored', now), 'NX');
    // The count needs the file: read once here, on a path taken only after a marker was lost.
    const skipped = await count().catch(() => null);
    log.warn(
      'directory seed skipped: the seeded marker was missing but the redis prefix holds a directory; marker restored, no record written',
      { written: 0, skipped },
    );
    const marker = await client.get(keys.seeded);
    return marker === null
      ? {
          ready: false,
          state: 'awaiting_confirmation',
          reason: 'the seeded marker vanished while being restored',
        }
      : accept(marker);
  }

  /** The prefix as last read, before any seed this check may run. */
  async function judge(state: PrefixState): Promise<GateState | 'empty'> {
    if (state.hold !== null) return held(state.hold);
    if (state.marker !== null) {
      if (state.seeding !== null)
        await clearFinishedSeed(client, keys, state.marker, state.seeding);
      return accept(state.marker);
    }
    if (state.seeding !== null) return unfinished(state.seeding);
    if (state.anchored) return restoreMarker();
    if (seenDirectory) {
      if (await holdsDirectory(client, keys)) return restoreMarker();
      return hold('the redis prefix is empty although this replica had seen its directory');
    }
    return 'empty';
  }

  /** Records may be there, but the seed writing them has not written its marker. */
  async function unfinished(raw: string): Promise<GateState | 'empty'> {
    const seed = parseSeeding(raw);
    if (seenDirectory) {
      // The leftover of the seed this replica accepted (its marker lost since): a whole directory.
      if (seed.id !== null && knownMarker !== null && seed.id === markerId(knownMarker))
        return restoreMarker();
      if (seed.by === 'start')
        return hold(
          'the redis prefix is being seeded again automatically after this replica had seen its directory',
        );
    }
    const what =
      seed.by === 'start'
        ? 'an automatic seed'
        : seed.by === 'operator'
          ? "an operator's seed"
          : 'a seed';
    const since = `seed in progress or interrupted: ${what}${seed.at ? ` begun at ${seed.at}` : ''} has not finished, so the directory in redis may be partial`;
    if (seed.by !== 'start') return notServed(`${since}; ${CONFIRM_HINT} to finish it`);
    if (options.mode === 'confirm')
      return notServed(`${since} and directory.seed is confirm; ${CONFIRM_HINT} to finish it`);
    return 'empty'; // the automatic seed resumes it
  }

  const notServed = (reason: string): GateState => ({ ready: false, state: 'seeding', reason });

  async function check(): Promise<GateState> {
    const first = await judge(await readPrefixState(client, keys));
    if (first !== 'empty') return first;
    if (options.mode === 'confirm') {
      return {
        ready: false,
        state: 'awaiting_confirmation',
        reason: `the redis prefix holds no directory and directory.seed is confirm; ${CONFIRM_HINT}`,
      };
    }
    let report;
    try {
      report = await seedIfEmpty(client, keys, records, {
        now,
        onProgress: seedProgressLog(log, now, 'automatic'),
        ...(options.lockTtlMs ? { lockTtlMs: options.lockTtlMs } : {}),
      });
    } catch (err) {
      if (err instanceof InvalidDirectoryError) throw err; // the file, not the seed: the caller's to report
      const error = err instanceof Error ? err.message : String(err);
      log.warn('directory seed did not finish: it is resumed at the next check', { error });
      return notServed(
        `seed in progress or interrupted: the automatic seed failed (${error}); it is resumed at the next check`,
      );
    }
    if (report.outcome !== 'present')
      log.warn(
        report.outcome === 'resumed'
          ? 'directory seed resumed: an automatic seed that had not finished was finished from directory.file (directory.seed: if_empty)'
          : 'directory seeded into redis from directory.file (directory.seed: if_empty)',
        { written: report.written, skipped: report.skipped },
      );
    const settled = await readPrefixState(client, keys);
    const after = await judge(settled);
    if (after !== 'empty') return after;
    if (settled.seeding !== null)
      return notServed('seed in progress or interrupted: it is resumed at the next check');
    if (await holdsDirectory(client, keys)) return restoreMarker();
    return {
      ready: false,
      state: 'awaiting_confirmation',
      reason: 'the redis prefix is still empty after seeding',
    };
  }

  return { check };
}

/** How often a long seed reports its progress (info): a million memberships take tens of seconds. */
const PROGRESS_EVERY_MS = 5000;

/** A seed's `onProgress` that logs at info at most every PROGRESS_EVERY_MS, and once when done. */
export function seedProgressLog(
  log: Logger,
  now: Clock,
  seed: 'automatic' | 'operator',
): (done: number, total: number) => void {
  const started = now();
  let last = started;
  return (done, total) => {
    const at = now();
    if (done < total && at - last < PROGRESS_EVERY_MS) return;
    last = at;
    log.info(done < total ? 'directory seed in progress' : 'directory seed records written', {
      seed,
      records: done,
      of: total,
      seconds: Math.round((at - started) / 100) / 10,
    });
  };
}
