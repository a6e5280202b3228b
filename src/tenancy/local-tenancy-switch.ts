/**
 * The rollout held in this process: it starts from config and changes only by `update` (or
 * `set`, the kill switch). A Redis-backed switch (shared by replicas) implements the same
 * interface; the decision core reads either through the read view `TenancySwitch`
 * (contract/tenancy-switch.ts).
 */
import type { RolloutView, TenancySwitch } from '../contract/tenancy-switch.js';
import {
  initialState,
  killSwitchSetting,
  sameState,
  viewOf,
  type TenancyState,
} from './rollout-state.js';

export interface MutableTenancySwitch extends TenancySwitch {
  /** The kill switch: `false` forces every org off and keeps the rollout; `true` resumes it. */
  set(multiTenant: boolean, actor: string): Promise<void>;
  /**
   * Applies `change` to the current state (the rollout, the kill switch or both) and resolves with
   * the state it wrote. `change` may throw to refuse; nothing changes then.
   */
  update(change: (current: TenancyState) => TenancyState, actor: string): Promise<TenancyState>;
  /** The full state served now (the rollout kept while killed included). */
  state(): TenancyState;
  onStateChange(listener: (after: TenancyState, before: TenancyState) => void): () => void;
  close(): Promise<void>;
}

/** `initial`: a state, or the one-value switch's `true` (on for every org) / `false` (off). */
export function createLocalTenancySwitch(
  initial: boolean | TenancyState,
  defaultOrg = 'default',
): MutableTenancySwitch {
  let state = typeof initial === 'boolean' ? initialState({ multi_tenant: initial }) : initial;
  let view: RolloutView = viewOf(state, defaultOrg);
  const listeners = new Set<(after: TenancyState, before: TenancyState) => void>();
  // a listener's throw becomes a rejection, as from the Redis-backed switch
  const update = (change: (current: TenancyState) => TenancyState, actor: string) =>
    new Promise<TenancyState>((resolve) => {
      const before = state;
      const next = { ...change(before), changed_by: actor };
      if (!sameState(next, before)) {
        state = next;
        view = viewOf(state, defaultOrg);
        for (const l of listeners) l(state, before);
      }
      resolve(state);
    });
  return {
    isMultiTenant: () => view.state !== 'off',
    view: () => view,
    state: () => state,
    update,
    set: async (multiTenant, actor) => {
      await update(killSwitchSetting(multiTenant, actor), actor);
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
