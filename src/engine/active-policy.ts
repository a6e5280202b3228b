/**
 * Holds the active policy. Decisions read `current()` once and use that engine to the end, so a
 * swap (hot reload) is atomic per decision. Null until the first successful load.
 */
import type { PolicyEngine } from './wasm-engine.js';

export interface ActivePolicy {
  current(): PolicyEngine | null;
  swap(engine: PolicyEngine): void;
}

export function createActivePolicy(initial: PolicyEngine | null = null): ActivePolicy {
  let active = initial;
  return {
    current: () => active,
    swap(engine) {
      active = engine;
    },
  };
}
