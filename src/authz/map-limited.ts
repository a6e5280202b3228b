/**
 * Runs `task` over `items` with at most `concurrency` tasks in flight, so fanning out to thousands
 * of distinct recipients (or orgs, or batch items) never opens thousands of directory reads at
 * once. Results keep the order of `items`. `task` is expected not to reject (the decision core
 * never does).
 *
 * Fairness invariant: at most `yieldEvery` tasks start between two turns of the event loop. A
 * decision mostly runs on already-settled promises (cached tokens and directory records), so
 * without this a fan-out of 10 000 decisions would run as one long chain of microtasks and every
 * other request would wait for all of it. Every worker waits for the same `setImmediate`, so the
 * whole fan-out pauses, and the requests that arrived meanwhile are read and decided, before the
 * next chunk starts. `yieldEvery: 0` never yields (for measurement only).
 */
export interface MapLimitedOptions {
  concurrency: number;
  /** Tasks started per turn of the event loop; 0 = never yield. */
  yieldEvery: number;
}

export async function mapLimited<T, R>(
  items: readonly T[],
  options: MapLimitedOptions,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const turn = createTurnTaker(options.yieldEvery);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const pause = turn();
      if (pause) {
        await pause;
        continue;
      }
      const i = next++;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  return results;
}

/**
 * Asked before each task start: null to go ahead (the start is counted), or, once `every` starts
 * were counted, one shared promise that settles on the next `setImmediate`; it is handed to every
 * caller until it settles, and the count starts again.
 */
function createTurnTaker(every: number): () => Promise<void> | null {
  let started = 0;
  let pending: Promise<void> | null = null;
  return () => {
    if (pending || every <= 0) return pending;
    if (started < every) {
      started += 1;
      return null;
    }
    started = 0;
    pending = new Promise<void>((resolve) =>
      setImmediate(() => {
        pending = null;
        resolve();
      }),
    );
    return pending;
  };
}
