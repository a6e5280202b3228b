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

/** Without Redis: the switch lives in this process and starts from `tenancy.multi_tenant`. */
export function createLocalTenancyControl(
  initial: boolean,
  now: () => number = Date.now,
): TenancyControl {
  const local = createLocalTenancySwitch(initial);
  const emitter = createFlipEmitter(now);
  // The local switch calls its listeners only on a real change, and only `set` changes it.
  local.onChange((multiTenant) => emitter.emit(multiTenant, 'admin', null));
  return {
    isMultiTenant: () => local.isMultiTenant(),
    set: (multiTenant) => local.set(multiTenant),
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
