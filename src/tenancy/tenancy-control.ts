/**
 * The rollout and its kill switch as operators and the rest of orgwarden see it: the decision
 * core reads `view()` once per decision (contract/tenancy-switch.ts); the admin API changes it;
 * logs, metrics and the audit log hear about every change through `onChange` (and about every
 * flip of "multi-tenant for at least one org" through `onFlip`).
 *
 * A change is a change of the state this replica serves, whatever caused it: the admin API on
 * this replica, a broadcast from another replica, the periodic poll of the shared store, or the
 * first successful read after the store was unreachable.
 */
import type { FlipSource } from '../contract/tenancy-switch.js';
import { createLocalTenancySwitch, type MutableTenancySwitch } from './local-tenancy-switch.js';
import { killSwitchSetting, servedName, type TenancyState } from './rollout-state.js';

export interface TenancyFlip {
  multi_tenant: boolean;
  previous: boolean;
  source: FlipSource;
  at: Date;
  /** The shared store's change counter after this change (redis); null in process. */
  version: number | null;
}

/**
 * One change of the served state. `source` is `admin` only on the replica whose admin API made it
 * (so an audit log that records `admin` changes records each change once); `after.changed_by`
 * names the actor wherever the change is heard.
 */
export interface RolloutChange {
  before: TenancyState;
  after: TenancyState;
  source: FlipSource;
  at: Date;
  version: number | null;
}

export interface TenancyStatus {
  multi_tenant: boolean;
  /** What this replica serves: `off` (also while killed), `cohort` or `on`. */
  state: 'off' | 'cohort' | 'on';
  killed: boolean;
  /** The rollout kept (served unless killed). */
  rollout: TenancyState['rollout'];
  changed_by: string | null;
  /** Where the switch lives: `memory` (this process) or `redis` (shared by replicas). */
  store: 'memory' | 'redis';
  /** False while a redis switch has not read the shared state yet (it serves "off" meanwhile). */
  synced: boolean;
  /** The shared store's change counter as last read (redis); null in process. */
  version: number | null;
  /** Flips of "multi-tenant for at least one org" this replica has served since it started. */
  flips: number;
  last_flip_at: string | null;
  /** Changes of the served state (rollout or kill switch) since it started. */
  changes: number;
  last_change_at: string | null;
}

export interface TenancyControl extends MutableTenancySwitch {
  status(): TenancyStatus;
  /** Hook for logs and metrics: told after every flip, never able to affect it. */
  onFlip(listener: (flip: TenancyFlip) => void): () => void;
  /** Hook for logs, metrics and the audit log: told after every change, never able to affect it. */
  onChange(listener: (change: RolloutChange) => void): () => void;
}

export function statusOf(
  state: TenancyState,
  store: { store: 'memory' | 'redis'; synced: boolean; version: number | null },
  counts: {
    flips: number;
    last_flip_at: string | null;
    changes: number;
    last_change_at: string | null;
  },
): TenancyStatus {
  const served = servedName(state);
  return {
    multi_tenant: served !== 'off',
    state: served,
    killed: state.killed,
    rollout: state.rollout,
    changed_by: state.changed_by,
    ...store,
    ...counts,
  };
}

/** Listener bookkeeping shared by the switches: counts changes and isolates throwing listeners. */
export function createFlipEmitter(now: () => number) {
  const flipListeners = new Set<(flip: TenancyFlip) => void>();
  const changeListeners = new Set<(change: RolloutChange) => void>();
  let flips = 0;
  let changes = 0;
  let lastFlipAt: Date | null = null;
  let lastChangeAt: Date | null = null;
  return {
    emit(
      before: TenancyState,
      after: TenancyState,
      source: FlipSource,
      version: number | null,
    ): void {
      const at = new Date(now());
      changes += 1;
      lastChangeAt = at;
      const change: RolloutChange = { before, after, source, at, version };
      for (const listener of changeListeners) safely(() => listener(change));
      const multiTenant = servedName(after) !== 'off';
      const previous = servedName(before) !== 'off';
      if (multiTenant === previous) return;
      flips += 1;
      lastFlipAt = at;
      const flip: TenancyFlip = { multi_tenant: multiTenant, previous, source, at, version };
      for (const listener of flipListeners) safely(() => listener(flip));
    },
    onFlip(listener: (flip: TenancyFlip) => void): () => void {
      flipListeners.add(listener);
      return () => flipListeners.delete(listener);
    },
    onChange(listener: (change: RolloutChange) => void): () => void {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    counts: () => ({
      flips,
      last_flip_at: lastFlipAt?.toISOString() ?? null,
      changes,
      last_change_at: lastChangeAt?.toISOString() ?? null,
    }),
    clear(): void {
      flipListeners.clear();
      changeListeners.clear();
    },
  };
}

function safely(call: () => void): void {
  try {
    call();
  } catch {
    // a log, metrics or audit listener must never undo or block a change
  }
}

/**
 * How an in-process switch reaches the other workers of the same sidecar (`server.workers` > 1).
 * One process holds the state of record and applies every change to every worker in the order it
 * received them, so all workers end in the same state whatever changes race.
 */
export interface TenancyPeers {
  /** The state every worker serves now (a worker that starts or restarts starts from it). */
  current(): Promise<TenancyState>;
  /**
   * Applies the state on every worker, this one included (through `onApply`); resolves once every
   * live worker serves it, and rejects when that cannot be confirmed.
   */
  set(state: TenancyState): Promise<void>;
  /** Called for every state applied: `self` when this worker asked for it, `peer` otherwise. */
  onApply(listener: (state: TenancyState, origin: 'self' | 'peer') => void): void;
}

/**
 * Without Redis: the switch lives in this process and starts from the config — or, with peers,
 * from the state the other workers serve, and every change goes through them.
 */
export function createLocalTenancyControl(
  initial: TenancyState,
  defaultOrg: string,
  now: () => number = Date.now,
  peers?: TenancyPeers,
): TenancyControl {
  const local = createLocalTenancySwitch(initial, defaultOrg);
  const emitter = createFlipEmitter(now);
  // The local switch calls its listeners only on a real change, and only `update` changes it.
  let source: FlipSource = 'admin';
  local.onStateChange((after, before) => emitter.emit(before, after, source, null));
  peers?.onApply((state, origin) => {
    source = origin === 'self' ? 'admin' : 'broadcast';
    void local.update(() => state, state.changed_by ?? 'unknown');
    source = 'admin';
  });
  const update: TenancyControl['update'] = async (change, actor) => {
    if (!peers) return local.update(change, actor);
    await peers.set({ ...change(local.state()), changed_by: actor });
    return local.state();
  };
  return {
    isMultiTenant: () => local.isMultiTenant(),
    view: () => local.view(),
    state: () => local.state(),
    update,
    set: async (multiTenant, actor) => {
      await update(killSwitchSetting(multiTenant, actor), actor);
    },
    onStateChange: (listener) => local.onStateChange(listener),
    onChange: (listener) => emitter.onChange(listener),
    onFlip: (listener) => emitter.onFlip(listener),
    status: () =>
      statusOf(local.state(), { store: 'memory', synced: true, version: null }, emitter.counts()),
    async close() {
      emitter.clear();
      await local.close();
    },
  };
}
