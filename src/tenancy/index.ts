/**
 * The rollout and its kill switch, chosen by config: with `redis`, shared by every replica through
 * Redis; without, in this process, starting from `tenancy.rollout` / `tenancy.multi_tenant`. Every
 * change is logged here; metrics and the audit log hook in through `onChange` / `onFlip`.
 */
import type { RedisConfig } from '../redis/config.js';
import type { TenancyConfig } from './config.js';
import { withFields, type Logger } from '../contract/logger.js';
import type { RedisClientFactory } from '../redis/client.js';
import { createRedisTenancySwitch, TenancyStoreUnavailableError } from './redis-tenancy-switch.js';
import { initialState, servedName } from './rollout-state.js';
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
  const initial = initialState(config.tenancy);
  const defaultOrg = config.tenancy.default_org;
  const control = config.redis
    ? await createRedisTenancySwitch(
        { redis: config.redis, initial, defaultOrg },
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
          defaultOrg,
          deps.now,
          unconfirmedIsUnavailable(deps.peers),
        )
      : createLocalTenancyControl(initial, defaultOrg, deps.now);
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
  control.onChange((change) => {
    // a flip is logged above; this logs the other changes (cohort, stage, hold, the kept rollout)
    if ((servedName(change.after) === 'off') !== (servedName(change.before) === 'off')) return;
    // warn: a change alters what the users of some non-default orgs can reach
    logger.warn('multi-tenant rollout changed', {
      component: 'tenancy',
      state: servedName(change.after),
      previous: servedName(change.before),
      killed: change.after.killed,
      mode: change.after.rollout.mode,
      cohort_orgs: change.after.rollout.orgs.length,
      cohort_percent: change.after.rollout.percent,
      stage: change.after.rollout.stage,
      actor: change.after.changed_by,
      source: change.source,
      version: change.version,
    });
  });
  const status = control.status();
  logger.info('tenancy switch ready', {
    component: 'tenancy',
    multi_tenant: status.multi_tenant,
    state: status.state,
    killed: status.killed,
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
    set: (state) =>
      peers.set(state).catch((err: unknown) => {
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
export type {
  RolloutChange,
  TenancyControl,
  TenancyFlip,
  TenancyPeers,
} from './tenancy-control.js';
export type { Rollout } from './rollout-state.js';
