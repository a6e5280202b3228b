/**
 * The kill switch, chosen by config: with `redis`, shared by every replica through Redis; without,
 * in this process, starting from `tenancy.multi_tenant`. Every flip is logged here; metrics hook
 * in through `onFlip`.
 */
import type { RedisConfig } from '../redis/config.js';
import type { TenancyConfig } from './config.js';
import { withFields, type Logger } from '../contract/logger.js';
import type { RedisClientFactory } from '../redis/client.js';
import { createRedisTenancySwitch, TenancyStoreUnavailableError } from './redis-tenancy-switch.js';
import {
  createLocalTenancyControl,
  type TenancyControl,
  type TenancyPeers,
} from './tenancy-control.js';

export interface TenancyControlDeps {
  logger: Logger;
  now?: () => number;
  connect?: RedisClientFactory;
  pollIntervalMs?: number;
  /**
   * The other workers of this sidecar (`server.workers` > 1). Used only without Redis: with it,
   * every worker already shares the switch through Redis like any replica.
   */
  peers?: TenancyPeers;
}

export async function createTenancyControl(
  config: { tenancy: TenancyConfig; redis?: RedisConfig | undefined },
  deps: TenancyControlDeps,
): Promise<TenancyControl> {
  const { logger } = deps;
  const log = withFields(logger, { component: 'tenancy' });
  const control = config.redis
    ? await createRedisTenancySwitch(
        { redis: config.redis, initial: config.tenancy.multi_tenant },
        {
          log,
          ...(deps.now ? { now: deps.now } : {}),
          ...(deps.connect ? { connect: deps.connect } : {}),
          ...(deps.pollIntervalMs ? { pollIntervalMs: deps.pollIntervalMs } : {}),
        },
      )
    : deps.peers
      ? createLocalTenancyControl(
          await deps.peers.current(),
          deps.now,
          unconfirmedIsUnavailable(deps.peers),
        )
      : createLocalTenancyControl(config.tenancy.multi_tenant, deps.now);
  control.onFlip((flip) => {
    // warn: a flip changes what every user of a non-default org can reach
    logger.warn('multi-tenant switch flipped', {
      component: 'tenancy',
      multi_tenant: flip.multi_tenant,
      previous: flip.previous,
      source: flip.source,
      version: flip.version,
    });
  });
  const status = control.status();
  logger.info('tenancy switch ready', {
    component: 'tenancy',
    multi_tenant: status.multi_tenant,
    store: status.store,
    synced: status.synced,
  });
  return control;
}

/**
 * A change the other workers did not confirm may be in force on some of them: the admin API answers
 * 503 "outcome unknown" (sending it again is harmless), as when Redis does not answer.
 */
function unconfirmedIsUnavailable(peers: TenancyPeers): TenancyPeers {
  return {
    current: () => peers.current(),
    onApply: (listener) => peers.onApply(listener),
    set: (multiTenant) =>
      peers.set(multiTenant).catch((err: unknown) => {
        throw new TenancyStoreUnavailableError(
          `the other workers did not confirm the change: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err, outcome: 'unknown' },
        );
      }),
  };
}

export {
  TenancyStoreUnavailableError,
  createRedisTenancySwitch,
  tenancyKeys,
} from './redis-tenancy-switch.js';
export type { TenancyControl, TenancyFlip, TenancyPeers } from './tenancy-control.js';
