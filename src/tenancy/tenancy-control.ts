/**
 * The kill switch as operators and the rest of orgwarden see it: the decision core reads
 * `isMultiTenant()` once per decision (contract/tenancy-switch.ts); the admin API sets it; logs and
 * metrics hear about every flip through `onFlip`.
 *
 * A flip is a change of the state this replica serves, whatever caused it: the admin API on this
 * replica, a broadcast from another replica, the periodic poll of the shared store, or the first
 * successful read after the store was unreachable.
 */
import type { FlipSource } from '../contract/tenancy-switch.js';
import { createLocalTenancySwitch, type MutableTenancySwitch } from './local-tenancy-switch.js';

export interface TenancyFlip {
  multi_tenant: boolean;
  previous: boolean;
  source: FlipSource;
  at: Date;
  /** The shared store's change counter after this change (redis); null in process. */
  version: number | null;
}

interface TenancyStatus {
  multi_tenant: boolean;
  /** Where the switch lives: `memory` (this process) or `redis` (shared by replicas). */
  store: 'memory' | 'redis';
  /** False while a redis switch has not read the shared state yet (it serves "off" meanwhile). */
  synced: boolean;
  /** The shared store's change counter as last read (redis); null in process. */
  version: number | null;
  /** Flips this replica has served since it started. */
  flips: number;
  last_flip_at: string | null;
}

export interface TenancyControl extends MutableTenancySwitch {
  status(): TenancyStatus;
  /** Hook for logs and metrics: told after every flip, never able to affect it. */
  onFlip(listener: (flip: TenancyFlip) => void): () => void;
}

/** Listener bookkeeping shared by the switches: counts flips and isolates throwing listeners. */
export function createFlipEmitter(now: () => number) {
  const flipListeners = new Set<(flip: TenancyFlip) => void>();
  const changeListeners = new Set<(multiTenant: boolean) => void>();
  let flips = 0;
  let lastFlipAt: Date | null = null;
  return {
    emit(multiTenant: boolean, source: FlipSource, version: number | null): void {
      flips += 1;
      lastFlipAt = new Date(now());
      const flip: TenancyFlip = {
        multi_tenant: multiTenant,
        previous: !multiTenant,
        source,
        at: lastFlipAt,
        version,
      };
      for (const listener of changeListeners) safely(() => listener(multiTenant));
      for (const listener of flipListeners) safely(() => listener(flip));
    },
    onFlip(listener: (flip: TenancyFlip) => void): () => void {
      flipListeners.add(listener);
      return () => flipListeners.delete(listener);
    },
    onChange(listener: (multiTenant: boolean) => void): () => void {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    counts: () => ({ flips, last_flip_at: lastFlipAt?.toISOString() ?? null }),
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
    // a log or metrics listener must never undo or block a flip
  }
}

/**
 * How an in-process switch reaches the other workers of the same sidecar (`server.workers` > 1).
 * One process holds the state of record and applies every change to every worker in the order it
 * received them, so all workers end in the same state whatever flips race.
 */
export interface TenancyPeers {
  /** The state every worker serves now (a worker that starts or restarts starts from it). */
  current(): Promise<boolean>;
  /**
   * Applies the state on every worker, this one included (through `onApply`); resolves once every
   * live worker serves it, and rejects when that cannot be confirmed.
   */
  set(multiTenant: boolean): Promise<void>;
  /** Called for every state applied: `self` when this worker asked for it, `peer` otherwise. */
  onApply(listener: (multiTenant: boolean, origin: 'self' | 'peer') => void): void;
}

/**
 * Without Redis: the switch lives in this process and starts from `tenancy.multi_tenant` — or,
 * with peers, from the state the other workers serve, and every change goes through them.
 */
export function createLocalTenancyControl(
  initial: boolean,
  now: () => number = Date.now,
  peers?: TenancyPeers,
): TenancyControl {
  const local = createLocalTenancySwitch(initial);
  const emitter = createFlipEmitter(now);
  // The local switch calls its listeners only on a real change, and only `set` changes it.
  let source: FlipSource = 'admin';
  local.onChange((multiTenant) => emitter.emit(multiTenant, source, null));
  peers?.onApply((multiTenant, origin) => {
    source = origin === 'self' ? 'admin' : 'broadcast';
    void local.set(multiTenant);
    source = 'admin';
  });
  return {
    isMultiTenant: () => local.isMultiTenant(),
    set: (multiTenant) => (peers ? peers.set(multiTenant) : local.set(multiTenant)),
    onChange: (listener) => emitter.onChange(listener),
    onFlip: (listener) => emitter.onFlip(listener),
    status: () => ({
      multi_tenant: local.isMultiTenant(),
      store: 'memory',
      synced: true,
      version: null,
      ...emitter.counts(),
    }),
    async close() {
      emitter.clear();
      await local.close();
    },
  };
}
