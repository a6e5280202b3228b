/**
 * Runs `task` over `items` with at most `limit` tasks in flight, so fanning out to thousands of
 * distinct recipients (or orgs) never opens thousands of directory reads at once. Results keep the
 * order of `items`. `task` is expected not to reject (the decision core never does).
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
