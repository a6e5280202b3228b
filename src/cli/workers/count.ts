/** `server.workers` as a number of processes: `auto` is one per core this process may use. */
import os from 'node:os';

export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, os.availableParallelism()) : setting;
}
