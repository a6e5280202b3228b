/**
 * The kill switch shared by every replica through Redis, under the configured key prefix:
 *
 *   <prefix>tenancy           hash     multi_tenant ("true"|"false"), version (INCR'd by every
 *                                      change), changed_at (ISO time of the last change)
 *   <prefix>tenancy:changed   channel  pub/sub nudge after every change: {"multi_tenant", "version"}
 *
 * Rules (docs/runbook.md explains them to operators):
 * - The key is the only truth. A broadcast is only a nudge to read it again, so messages arriving
 *   late or out of order cannot put a replica in an old state. Every replica also reads the key
 *   every 500 ms, so a missed message delays a flip by at most one poll.
 * - `tenancy.multi_tenant` from the config only seeds an absent key (HSETNX); a value in Redis
 *   always wins, so a restarted replica comes up in the current state. If the key vanishes later
 *   (Redis lost its data), a replica that has read it writes back the state it last read.
 * - Until the key has been read once, the replica serves single-tenant ("off"), whatever the
 *   config says: starting "on" while the operator had switched it off would be a tenant-isolation
 *   incident. After that, a Redis outage keeps the last state read (the directory lives in the
 *   same Redis and fails closed meanwhile), and the first read after it catches up.
 * - `set` writes Redis first and changes this replica only when Redis accepted the write; it never
 *   changes one replica behind the others' back. If Redis does not answer, it rejects with
 *   TenancyStoreUnavailableError and nothing changes.
 * - An unreadable value in Redis reads as "off" and is logged.
 */
import type { RedisConfig } from '../redis/config.js';
import { OrgwardenError } from '../contract/errors.js';
import { stderrLogger, type Logger } from '../contract/logger.js';
import { createRedisClient, type RedisClientFactory } from '../redis/client.js';
import { createRedisConnections } from '../redis/connections.js';
import { createLiveSubscription, subscriberHealth } from '../redis/subscription.js';
import { createFlipEmitter, type TenancyControl } from './tenancy-control.js';
import type { FlipSource } from '../contract/tenancy-switch.js';

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
  /** `tenancy.multi_tenant`: seeds the shared key when it is absent, never overrides it. */
  initial: boolean;
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

  let state = false; // the narrower mode until the shared state has been read
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

  function apply(value: boolean, newVersion: number | null, source: FlipSource): void {
    if (newVersion !== null) version = newVersion;
    synced = true;
    if (value === state) return;
    state = value;
    // Reads made while the app is still being built set the start state; they are not flips.
    if (!starting) emitter.emit(value, source, version);
  }

  async function readShared(source: FlipSource): Promise<void> {
    let fields = await commands.hgetall(keys.state);
    if (fields.multi_tenant === undefined) {
      const seed = synced ? state : options.initial;
      if ((await commands.hsetnx(keys.state, 'multi_tenant', String(seed))) === 1)
        log.info('tenancy switch seeded in redis', {
          multi_tenant: seed,
          from: synced ? 'last_read_state' : 'config',
        });
      fields = await commands.hgetall(keys.state);
    }
    const value = parseBool(fields.multi_tenant);
    const readVersion = parseVersion(fields.version);
    const effectiveSource = synced ? source : 'sync';
    if (value === null) {
      if (badValueLogged !== fields.multi_tenant)
        log.error('tenancy switch in redis is unreadable; serving single-tenant', {
          key: keys.state,
          value: String(fields.multi_tenant).slice(0, 32),
        });
      badValueLogged = fields.multi_tenant ?? null;
      apply(false, readVersion, effectiveSource);
      return;
    }
    badValueLogged = null;
    apply(value, readVersion, effectiveSource);
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
          if (outageLogged) log.info('tenancy switch reads redis again', { multi_tenant: state });
          outageLogged = false;
        } catch (err) {
          if (!outageLogged && !isClosed())
            log.warn(
              synced
                ? 'tenancy switch cannot read redis; keeping the last state read'
                : 'tenancy switch cannot read redis; serving single-tenant until it answers',
              {
                multi_tenant: state,
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

  function broadcast(multiTenant: boolean, written: number | null): void {
    commands
      .publish(keys.channel, JSON.stringify({ multi_tenant: multiTenant, version: written }))
      .catch((err: unknown) => {
        log.warn('tenancy switch broadcast failed; other replicas follow within one poll', {
          error: String(err),
        });
      });
  }

  /**
   * The flip's transaction got no answer. Redis answers one connection's commands in order, so a
   * read sent after it over the same connection sees the transaction if it ran at all: the flip is
   * then reported as made (and broadcast), or as not made; when the read is not answered either,
   * the outcome is unknown and the error says so.
   */
  async function settleUnanswered(multiTenant: boolean, cause: unknown): Promise<void> {
    let fields: Record<string, string>;
    try {
      fields = await commands.hgetall(keys.state);
    } catch (readErr) {
      throw new TenancyStoreUnavailableError(
        `redis did not answer the change (${errorText(cause)}) nor the read that would tell whether it was made (${errorText(readErr)})`,
        { cause, outcome: 'unknown' },
      );
    }
    const value = parseBool(fields.multi_tenant);
    const readVersion = parseVersion(fields.version);
    if (value === multiTenant) {
      log.warn('tenancy switch change confirmed by reading it back after redis did not answer', {
        multi_tenant: multiTenant,
        error: errorText(cause),
      });
      apply(multiTenant, readVersion, 'admin');
      broadcast(multiTenant, readVersion);
      return;
    }
    if (value !== null) apply(value, readVersion, 'sync');
    throw new TenancyStoreUnavailableError(
      `redis did not accept the change (${errorText(cause)}); read back, the switch is unchanged`,
      { cause, outcome: 'not_applied' },
    );
  }

  return {
    isMultiTenant: () => state,
    async set(multiTenant) {
      if (closed) throw new TenancyStoreUnavailableError('tenancy switch is closed');
      let replies: [Error | null, unknown][] | null;
      try {
        replies = await commands
          .multi()
          .hset(
            keys.state,
            'multi_tenant',
            String(multiTenant),
            'changed_at',
            new Date(now()).toISOString(),
          )
          .hincrby(keys.state, 'version', 1)
          .exec();
      } catch (err) {
        if (neverSent(err))
          throw new TenancyStoreUnavailableError(
            `redis did not accept the change: ${errorText(err)}`,
            { cause: err, outcome: 'not_applied' },
          );
        // A timeout or a dropped connection does not say whether Redis ran the transaction.
        await settleUnanswered(multiTenant, err);
        return;
      }
      const failed = replies?.find(([err]) => err !== null);
      if (!replies || failed)
        throw new TenancyStoreUnavailableError(
          `redis did not accept the change: ${failed?.[0]?.message ?? 'transaction aborted'}`,
        );
      const written = parseVersion(String(replies[1]?.[1]));
      apply(multiTenant, written, 'admin');
      broadcast(multiTenant, written);
    },
    onChange: (listener) => emitter.onChange(listener),
    onFlip: (listener) => emitter.onFlip(listener),
    status: () => ({ multi_tenant: state, store: 'redis', synced, version, ...emitter.counts() }),
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
