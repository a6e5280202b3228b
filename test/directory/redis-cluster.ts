/**
 * A throwaway three-master Redis Cluster from `redis-server` processes on free loopback ports, for
 * the cluster tests. Never touches the shared Redis on 6379. `stop()` kills every process and
 * removes the temp folder, and is safe to call after a failed start.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitUntil } from './helpers.js';

const run = promisify(execFile);

interface ClusterNode {
  port: number;
  /** SIGKILL: the node is gone (its slots are uncovered; no replicas here). */
  kill(): Promise<void>;
}

export interface LocalCluster {
  nodes: ClusterNode[];
  /** `127.0.0.1:<port>` of every node, for `redis.cluster_nodes`. */
  seeds: string[];
  cli(port: number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalCluster(size = 3): Promise<LocalCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'orgwarden-cluster-'));
  const children: ChildProcess[] = [];
  const cli = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim();
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < size) {
      const port = await freePort();
      // The cluster bus listens on port + 10000; both must be free, and never the shared Redis.
      if (port === 6379 || port + 10000 > 65535 || ports.includes(port)) continue;
      if (!(await portTaken(port + 10000))) ports.push(port);
    }
    const nodes = ports.map((port, i): ClusterNode => {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${i}.conf`),
          '--cluster-node-timeout',
          '15000',
          // With a node gone, the other nodes keep serving their own slots (no replicas here).
          '--cluster-require-full-coverage',
          'no',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      return {
        port,
        kill: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      };
    });
    for (const { port } of nodes)
      await waitUntil(
        () =>
          cli(port, 'ping').then(
            (r) => r === 'PONG',
            () => false,
          ),
        5000,
        20,
      );
    const seeds = ports.map((p) => `127.0.0.1:${p}`);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...seeds,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const { port } of nodes) {
      await waitUntil(
        () =>
          cli(port, 'cluster', 'info').then(
            (info) => info.includes('cluster_state:ok'),
            () => false,
          ),
        10_000,
        50,
      );
    }
    return { nodes, seeds, cli, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
