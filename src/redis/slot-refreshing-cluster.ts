/**
 * The cluster client for commands, made to follow a failover whose old master stalls.
 *
 * ioredis re-reads the slot layout after a `MOVED` redirect or a closed node connection. A master
 * that stops answering without closing (paused, overloaded, a network black hole) produces
 * neither: after its replica is promoted, the client would keep sending that slot's commands to
 * the frozen node, each timing out, for as long as the stall lasts. So:
 * - the layout is re-read every `slots_refresh_ms` (ioredis `slotsRefreshInterval`): after a
 *   promotion, commands move to the new master within about one interval;
 * - a command that times out triggers a re-read at once, at most one per
 *   `TIMEOUT_REFRESH_GAP_MS` (a stalled node makes every command to it time out; one re-read
 *   answers them all).
 *
 * After every re-read that finds a different set of masters (a promotion, a node replaced), the
 * client emits `MASTERS_CHANGED`: what a cache filled from the old masters holds may have been
 * lost with them (a write the promoted replica never got), so a cache owner drops it then.
 */
import { Cluster, type ClusterOptions } from 'ioredis';

/** The shortest gap between two re-reads triggered by command timeouts. */
const TIMEOUT_REFRESH_GAP_MS = 100;

/** Emitted (with the old and the new masters, `host:port` sorted) when a re-read changes the masters. */
export const MASTERS_CHANGED = 'orgwarden:masters-changed';

/** ioredis's rejection of a command that got no answer within `commandTimeout`. */
const COMMAND_TIMEOUT_MESSAGE = 'Command timed out';

/** Cluster options with replies in ioredis's default (legacy) shapes, as `RedisClient` expects. */
type LegacyClusterOptions = Omit<ClusterOptions, 'redisOptions'> & {
  redisOptions?: Omit<NonNullable<ClusterOptions['redisOptions']>, 'replyMapping'>;
};

export function createSlotRefreshingCluster(
  seeds: readonly string[],
  options: LegacyClusterOptions,
  now: () => number = Date.now,
): Cluster {
  let lastTriggered = Number.NEGATIVE_INFINITY;

  const cluster = new (class SlotRefreshingCluster extends Cluster {
    override sendCommand(...args: Parameters<Cluster['sendCommand']>): unknown {
      const [command] = args;
      command.promise.catch((err: unknown) => {
        if (!(err instanceof Error) || err.message !== COMMAND_TIMEOUT_MESSAGE) return;
        if (now() - lastTriggered < TIMEOUT_REFRESH_GAP_MS) return;
        lastTriggered = now();
        this.refreshSlotsCache();
      });
      return super.sendCommand(...args);
    }
  })([...seeds], options);
  let masters: string | null = null;
  cluster.on('refresh', () => {
    const now = mastersOf(cluster);
    if (masters !== null && now !== masters) cluster.emit(MASTERS_CHANGED, masters, now);
    masters = now;
  });
  return cluster;
}

function mastersOf(cluster: Cluster): string {
  return cluster
    .nodes('master')
    .map((node) => `${String(node.options.host)}:${String(node.options.port)}`)
    .sort()
    .join(',');
}
