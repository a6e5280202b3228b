/**
 * The multi-tenant kill switch as the decision core reads it: one read per decision, so no
 * decision ever sees half a flip. This in-process switch starts from config; a Redis-backed
 * switch (shared by replicas) implements the same interface.
 */
export interface TenancySwitch {
  isMultiTenant(): boolean;
}

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
    async set(multiTenant) {
      if (multiTenant === state) return;
      state = multiTenant;
      for (const l of listeners) l(state);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
