/**
 * The multi-tenant kill switch held in this process: it starts from config and changes only by
 * `set`. A Redis-backed switch (shared by replicas) implements the same interface; the decision
 * core reads either through the read view `TenancySwitch` (contract/tenancy-switch.ts).
 */
import type { TenancySwitch } from '../contract/tenancy-switch.js';

export interface MutableTenancySwitch extends TenancySwitch {
  set(multiTenant: boolean): Promise<void>;
  onChange(listener: (multiTenant: boolean) => void): () => void;
  close(): Promise<void>;
}

export function createLocalTenancySwitch(initial: boolean): MutableTenancySwitch {
  let state = initial;
  const listeners = new Set<(multiTenant: boolean) => void>();
  return {
    isMultiTenant: () => state,
    // a listener's throw becomes a rejection, as from the Redis-backed switch
    set: (multiTenant) =>
      new Promise<void>((resolve) => {
        if (multiTenant !== state) {
          state = multiTenant;
          for (const l of listeners) l(state);
        }
        resolve();
      }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
