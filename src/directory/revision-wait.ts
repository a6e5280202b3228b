/**
 * Read your writes in a store whose revision is a local counter (the file store): a minimum the
 * counter has not reached yet is waited for, briefly, as changes arrive (a peer worker's write),
 * and refused once the wait is over. The wait is bounded (`directory.revision_wait_ms`), so a
 * revision that will never come here (mistyped, from another directory) costs at most that long.
 */
import { DirectoryRevisionNotReachedError } from './types.js';

export interface RevisionWait {
  /** The store's revision now. */
  current: () => number;
  /** Subscribes to changes; returns the unsubscribe function. */
  onChange: (listener: () => void) => () => void;
  waitMs: number;
}

/** Resolves once `current()` is at least `min`; rejects with DirectoryRevisionNotReachedError after `waitMs`. */
export function untilRevision(wait: RevisionWait, min: number): Promise<void> {
  if (wait.current() >= min) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (reached: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      if (reached) resolve();
      else reject(new DirectoryRevisionNotReachedError(min, wait.current()));
    };
    const unsubscribe = wait.onChange(() => {
      if (wait.current() >= min) settle(true);
    });
    // settle runs only from a later change or this timer, never before the timer is set
    const timer = setTimeout(() => settle(wait.current() >= min), wait.waitMs);
  });
}
