/**
 * The set-up every cluster test file shares: a local Redis Cluster and a directory file, started
 * before the file's tests and torn down after them (also after a half-failed start).
 */
import { afterAll, beforeAll } from 'vitest';
import {
  startLocalCluster,
  type LocalCluster,
  type LocalClusterOptions,
} from '../support/redis-cluster.js';
import { DIRECTORY_YAML, tempDir } from './helpers.js';

export interface ClusterSuite {
  cluster: LocalCluster;
  /** A directory file (DIRECTORY_YAML) for the stores' seed. */
  file: string;
  /** Runs after the suite, before the cluster stops (clients the file opened). */
  undo: (step: () => unknown) => void;
}

export function useLocalCluster(
  options: LocalClusterOptions,
  started: (suite: ClusterSuite) => void | Promise<void>,
): void {
  const steps: (() => unknown)[] = [];
  beforeAll(async () => {
    const cluster = await startLocalCluster(options);
    steps.push(() => cluster.stop());
    const tmp = await tempDir();
    steps.push(() => tmp.remove());
    const file = await tmp.file('directory.yaml', DIRECTORY_YAML);
    await started({ cluster, file, undo: (step) => steps.push(step) });
  }, 60_000);
  afterAll(async () => {
    for (const step of steps.reverse()) await step();
  });
}
