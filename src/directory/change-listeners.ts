/** The `onChange` listeners of a store: a listener that throws is logged and never stops the others. */
import type { Logger } from '../contract/logger.js';

export interface ChangeListeners {
  add(listener: (org: string) => void): () => void;
  notify(org: string): void;
  clear(): void;
}

export function createChangeListeners(log: Logger): ChangeListeners {
  const listeners = new Set<(org: string) => void>();
  return {
    add(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    notify(org) {
      for (const listener of listeners) {
        try {
          listener(org);
        } catch (err) {
          log.error('directory change listener threw', { org, error: String(err) });
        }
      }
    },
    clear: () => listeners.clear(),
  };
}
