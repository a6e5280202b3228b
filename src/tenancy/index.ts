/**
 * The kill switch, chosen by config: with `redis`, shared by every replica through Redis; without,
 * in this process, starting from `tenancy.multi_tenant`. Every flip is logged here; metrics hook
 * in through `onFlip`.
 */
import type { RedisConfig } from '../redis/config.js';
import type { TenancyConfig } from './config.js';
import { withFields, type Logger } from '../contract/logger.js';
import type { RedisClientFactory } from '../redis/client.js';
import { createRedisTenancySwitch } from './redis-tenancy-switch.js';
import { createLocalTenancyControl, type TenancyControl } from './tenancy-control.js';

export interface TenancyControlDeps {
  logger: Logger;
  now?: () => number;
  connect?: RedisClientFactory;
  pollIntervalMs?: number;
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

export {
  TenancyStoreUnavailableError,
  createRedisTenancySwitch,
  tenancyKeys,
} from './redis-tenancy-switch.js';
export type { TenancyControl, TenancyFlip } from './tenancy-control.js';
