/**
 * The rollout and its kill switch, shared by every replica through Redis, under the configured key
 * prefix:
 *
 *   <prefix>tenancy           hash     multi_tenant ("true"|"false": the kill switch, "false" =
 *                                      engaged), rollout (JSON, rollout-state.ts; absent = on for
 *                                      every org, what the one-value switch meant), version
 *                                      (INCR'd by every change), changed_at, changed_by, change_id
 *   <prefix>tenancy:changed   channel  pub/sub nudge after every change: {"multi_tenant", "version"}
 *
 * Rules (docs/runbook.md explains them to operators):
 * - The key is the only truth. A broadcast is only a nudge to read it again, so messages arriving
 *   late or out of order cannot put a replica in an old state. Every replica also reads the key
 *   every 500 ms, so a missed message delays a flip by at most one poll.
 * - The config's start state only seeds an absent key; a value in Redis
 *   always wins, so a restarted replica comes up in the current state. If the key vanishes later
 *   (Redis lost its data), a replica that has read it writes back the state it last read.
 * - Until the key has been read once, the replica serves single-tenant ("off"), whatever the
 *   config says: starting "on" while the operator had switched it off would be a tenant-isolation
 *   incident. After that, a Redis outage keeps the last state read (the directory lives in the
 *   same Redis and fails closed meanwhile), and the first read after it catches up.
 * - A change writes Redis first and changes this replica only when Redis accepted the write; it
 *   never changes one replica behind the others' back. If Redis does not answer, it rejects with
 *   TenancyStoreUnavailableError and nothing changes. A change is computed from the state read and
 *   written only if the version is still the one read (a script), so two changes racing on two
 *   replicas never lose one: the loser reads again and recomputes.
 * - An unreadable value in Redis reads as "off" and is logged.
 */
import type { RedisConfig } from '../redis/config.js';
import { OrgwardenError } from '../contract/errors.js';
import { stderrLogger, type Logger } from '../contract/logger.js';
import { createRedisClient, type RedisClientFactory } from '../redis/client.js';
import { createRedisConnections } from '../redis/connections.js';
import { CONFLICT, CONFLICT_ATTEMPTS, retryOnConflict } from '../redis/conflict-retry.js';
import { createLiveSubscription, subscriberHealth } from '../redis/subscription.js';
import { randomUUID } from 'node:crypto';
import { createFlipEmitter, statusOf, type TenancyControl } from './tenancy-control.js';
import type { FlipSource, RolloutView } from '../contract/tenancy-switch.js';
import {
  killSwitchSetting,
  ON_ROLLOUT,
  parseStoredRollout,
  sameState,
  serialiseRollout,
  servedName,
  UNREADABLE_STATE,
  viewOf,
  type TenancyState,
} from './rollout-state.js';

const TENANCY_POLL_INTERVAL_MS = 500;
/** How long a failed SUBSCRIBE on a ready connection waits before it is tried again (polling covers meanwhile). */
const SUBSCRIBE_RETRY_MS = 250;

/**
 * Redis did not take a flip. `outcome` says what is known: `not_applied` (read back over the same
 * connection: the switch is as it was) or `unknown` (Redis did not answer the read either: the
 * transaction may still have run).
 */
export class TenancyStoreUnavailableError extends OrgwardenError {
  readonly outcome: 'not_applied' | 'unknown';
  constructor(message: string, options?: { cause?: unknown; outcome?: 'not_applied' | 'unknown' }) {
    super('tenancy_store_unavailable', message, options);
    this.outcome = options?.outcome ?? 'not_applied';
  }
}

export interface RedisTenancyOptions {
  redis: RedisConfig;
  /** The config's start state: seeds the shared key when it is absent, never overrides it. */
  initial: TenancyState;
  defaultOrg: string;
}

export interface RedisTenancyDeps {
  now?: () => number;
  log?: Logger;
  /** Creates the switch's two connections (commands, subscriber); the switch closes them. */
  connect?: RedisClientFactory;
  pollIntervalMs?: number;
}

export function tenancyKeys(prefix: string) {
  return { state: `${prefix}tenancy`, channel: `${prefix}tenancy:changed` };
}

/** Writes the fields only when neither the kill switch nor the rollout is stored yet. */
const SEED_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'multi_tenant') == 1 or redis.call('HEXISTS', KEYS[1], 'rollout') == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

/** Writes the fields only when the version is still ARGV[1]; answers the new version, or -1. */
const WRITE_SCRIPT = `
local v = redis.call('HGET', KEYS[1], 'version') or '0'
if v ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return redis.call('HINCRBY', KEYS[1], 'version', 1)`;

interface Read {
  state: TenancyState;
  version: number | null;
  /** The value behind an unreadable state (for the log), or null. */
  unreadable: string | null;
  changeId: string | null;
}

function stateFields(state: TenancyState, at: string, changeId: string): string[] {
  return [
    'multi_tenant',
    String(!state.killed),
    'rollout',
    serialiseRollout(state.rollout),
    'changed_by',
    state.changed_by ?? '',
    'changed_at',
    at,
    'change_id',
    changeId,
  ];
}

function readFields(fields: Record<string, string>): Read {
  const version = parseVersion(fields.version);
  const changeId = fields.change_id ?? null;
  const switchOn = parseBool(fields.multi_tenant);
  const rollout = fields.rollout === undefined ? ON_ROLLOUT : parseStoredRollout(fields.rollout);
  if (switchOn === null || rollout === null)
    return {
      state: UNREADABLE_STATE,
      version,
      changeId,
      unreadable: String(switchOn === null ? fields.multi_tenant : fields.rollout).slice(0, 64),
    };
  return {
    state: {
      killed: !switchOn,
      rollout,
      changed_by:
        fields.changed_by === undefined || fields.changed_by === '' ? null : fields.changed_by,
    },
    version,
    changeId,
    unreadable: null,
  };
}

export async function createRedisTenancySwitch(
  options: RedisTenancyOptions,
  deps: RedisTenancyDeps = {},
): Promise<TenancyControl> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? stderrLogger('tenancy');
  const connect = deps.connect ?? ((role) => createRedisClient(options.redis, role, log));
  const keys = tenancyKeys(options.redis.key_prefix);
  const emitter = createFlipEmitter(now);
  const connections = createRedisConnections(connect);
  const { commands } = connections;

  // the narrower mode until the shared state has been read
  let state: TenancyState = UNREADABLE_STATE;
  let view: RolloutView = viewOf(state, options.defaultOrg);
  let synced = false;
  let version: number | null = null;
  let starting = true;
  let closed = false;
  let reading: Promise<void> | null = null;
  let readAgain: FlipSource | null = null;
  let outageLogged = false;
  let badValueLogged: string | null = null;
  // close() and apply() run from callbacks while a read is awaited, which type narrowing cannot
  // see: the places that read these flags after an await go through a call.
  const isClosed = () => closed;
  const isSynced = () => synced;

  function apply(value: TenancyState, newVersion: number | null, source: FlipSource): void {
    if (newVersion !== null) version = newVersion;
    synced = true;
    if (sameState(value, state)) return;
    const before = state;
    state = value;
    view = viewOf(state, options.defaultOrg);
    // Reads made while the app is still being built set the start state; they are not changes.
    if (starting) return;
    emitter.emit(before, state, source, version);
  }

  async function readShared(source: FlipSource): Promise<void> {
    let fields = await commands.hgetall(keys.state);
    if (fields.multi_tenant === undefined && fields.rollout === undefined) {
      const seed = synced ? state : options.initial;
      const seeded = await commands.eval(
        SEED_SCRIPT,
        1,
        keys.state,
        ...stateFields(seed, new Date(now()).toISOString(), 'seed'),
      );
      if (seeded === 1)
        log.info('tenancy switch seeded in redis', {
          multi_tenant: !seed.killed,
          rollout: seed.rollout.mode,
          from: synced ? 'last_read_state' : 'config',
        });
      fields = await commands.hgetall(keys.state);
    }
    const read = readFields(fields);
    const effectiveSource = synced ? source : 'sync';
    if (read.unreadable !== null) {
      if (badValueLogged !== read.unreadable)
        log.error('tenancy switch in redis is unreadable; serving single-tenant', {
          key: keys.state,
          value: read.unreadable,
        });
      badValueLogged = read.unreadable;
    } else badValueLogged = null;
    apply(read.state, read.version, effectiveSource);
  }

  /** One read at a time; a request made meanwhile runs once more afterwards. */
  function refresh(source: FlipSource): Promise<void> {
    if (closed) return Promise.resolve();
    if (reading) {
      readAgain = source;
      return reading;
    }
    reading = (async () => {
      let next: FlipSource | null = source;
      while (next !== null && !isClosed()) {
        readAgain = null;
        try {
          await readShared(next);
          if (outageLogged)
            log.info('tenancy switch reads redis again', { state: servedName(state) });
          outageLogged = false;
        } catch (err) {
          if (!outageLogged && !isClosed())
            log.warn(
              synced
                ? 'tenancy switch cannot read redis; keeping the last state read'
                : 'tenancy switch cannot read redis; serving single-tenant until it answers',
              {
                state: servedName(state),
                error: err instanceof Error ? err.message : String(err),
              },
            );
          outageLogged = true;
        }
        next = readAgain;
      }
    })().finally(() => {
      reading = null;
    });
    return reading;
  }

  // The key is the truth and the broadcast only a nudge: every time the subscription is live
  // again, read the key (whatever was published while we were not listening).
  const changes = createLiveSubscription(connections.subscriber, connections.subscriberState, {
    channel: keys.channel,
    retryMs: SUBSCRIBE_RETRY_MS,
    health: subscriberHealth(options.redis),
    onStalled: (reason) =>
      log.warn('tenancy switch subscriber stopped answering; reconnecting', { reason }),
    onLive: () => refresh('sync'),
    onMessage: () => void refresh('broadcast'),
    onError: (err) =>
      log.warn('tenancy switch cannot subscribe to changes; following by polling', {
        error: String(err),
      }),
  });
  commands.on('ready', () => void refresh('sync'));
  const poll = setInterval(
    () => void refresh('poll'),
    deps.pollIntervalMs ?? TENANCY_POLL_INTERVAL_MS,
  );
  poll.unref();

  connections.connect();
  // A healthy start serves the shared state from the first request; an unreachable Redis does not
  // stop the start (the replica serves "off" and keeps trying).
  await Promise.all([
    connections.commandsState.firstAttempt(() => reading ?? refresh('sync')),
    connections.subscriberState.firstAttempt(() => changes.subscribe()),
  ]);
  starting = false;
  if (!isSynced()) await refresh('sync');

  function broadcast(next: TenancyState, written: number | null): void {
    commands
      .publish(keys.channel, JSON.stringify({ multi_tenant: !next.killed, version: written }))
      .catch((err: unknown) => {
        log.warn('tenancy switch broadcast failed; other replicas follow within one poll', {
          error: String(err),
        });
      });
  }

  /**
   * The change's script got no answer. Redis answers one connection's commands in order, so a
   * read sent after it over the same connection sees the change if it ran at all (its change id):
   * the change is then reported as made (and broadcast), or as not made; when the read is not
   * answered either, the outcome is unknown and the error says so.
   */
  async function settleUnanswered(
    next: TenancyState,
    changeId: string,
    cause: unknown,
  ): Promise<void> {
    let fields: Record<string, string>;
    try {
      fields = await commands.hgetall(keys.state);
    } catch (readErr) {
      throw new TenancyStoreUnavailableError(
        `redis did not answer the change (${errorText(cause)}) nor the read that would tell whether it was made (${errorText(readErr)})`,
        { cause, outcome: 'unknown' },
      );
    }
    const read = readFields(fields);
    if (read.changeId === changeId) {
      log.warn('tenancy switch change confirmed by reading it back after redis did not answer', {
        state: servedName(next),
        error: errorText(cause),
      });
      apply(read.state, read.version, 'admin');
      broadcast(read.state, read.version);
      return;
    }
    if (read.unreadable === null) apply(read.state, read.version, 'sync');
    throw new TenancyStoreUnavailableError(
      `redis did not accept the change (${errorText(cause)}); read back, the switch is unchanged`,
      { cause, outcome: 'not_applied' },
    );
  }

  /** Reads the shared state again after a change found it changed under it. */
  async function readForChange(): Promise<Read> {
    try {
      return readFields(await commands.hgetall(keys.state));
    } catch (err) {
      throw new TenancyStoreUnavailableError(
        `redis changed the state under this change and did not answer the read again: ${errorText(err)}`,
        { cause: err, outcome: 'not_applied' },
      );
    }
  }

  /**
   * One change: computed from the state this replica serves and written only if the stored
   * version is still the one it read (one round trip when nothing raced); otherwise read again
   * and recomputed. It is written even when it changes nothing here, as the stored state may be
   * newer than the last read.
   */
  async function update(
    change: (current: TenancyState) => TenancyState,
    actor: string,
  ): Promise<TenancyState> {
    const updated = await retryOnConflict(async (attempt) => {
      if (closed) throw new TenancyStoreUnavailableError('tenancy switch is closed');
      // The first attempt computes from the state this replica serves; a retry (another replica
      // changed it since) from the stored state, read again after the pause.
      const { state: current, version: expected } =
        attempt === 0 ? { state, version } : await readForChange();
      const next: TenancyState = { ...change(current), changed_by: actor };
      const changeId = randomUUID();
      let written: unknown;
      try {
        written = await commands.eval(
          WRITE_SCRIPT,
          1,
          keys.state,
          String(expected ?? 0),
          ...stateFields(next, new Date(now()).toISOString(), changeId),
        );
      } catch (err) {
        if (neverSent(err))
          throw new TenancyStoreUnavailableError(
            `redis did not accept the change: ${errorText(err)}`,
            { cause: err, outcome: 'not_applied' },
          );
        // A timeout or a dropped connection does not say whether Redis ran the script.
        await settleUnanswered(next, changeId, err);
        return state;
      }
      if (written === -1) return CONFLICT;
      const newVersion = typeof written === 'number' ? written : parseVersion(String(written));
      apply(next, newVersion, 'admin');
      broadcast(next, newVersion);
      return state;
    });
    if (updated !== CONFLICT) return updated;
    throw new TenancyStoreUnavailableError(
      `the tenancy state kept changing under this change (${CONFLICT_ATTEMPTS} attempts); nothing changed`,
    );
  }

  return {
    isMultiTenant: () => view.state !== 'off',
    view: () => view,
    state: () => state,
    update,
    async set(multiTenant, actor) {
      await update(killSwitchSetting(multiTenant, actor), actor);
    },
    onStateChange: (listener) => emitter.onChange((c) => listener(c.after, c.before)),
    onChange: (listener) => emitter.onChange(listener),
    onFlip: (listener) => emitter.onFlip(listener),
    status: () => statusOf(state, { store: 'redis', synced, version }, emitter.counts()),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      emitter.clear();
      changes.close();
      connections.disconnect();
      await reading?.catch(() => undefined);
    },
  };
}

/**
 * The command was refused before it was written to the socket (no connection: the offline queue
 * is off, see redis/client.ts), so Redis cannot have run it.
 */
function neverSent(err: unknown): boolean {
  return err instanceof Error && err.message.includes("Stream isn't writeable");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function parseBool(value: string | undefined): boolean | null {
  return value === 'true' ? true : value === 'false' ? false : null;
}

function parseVersion(value: string | undefined): number | null {
  const n = Number(value);
  return value !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : null;
}
