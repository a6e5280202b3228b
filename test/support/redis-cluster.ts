/**
 * A throwaway Redis Cluster from `redis-server` processes on free loopback ports, for the cluster
 * tests and the chaos suite: three masters by default, optionally one replica per master, so a
 * master can be killed or stalled and its replica promoted. Never touches the shared Redis on 6379.
 * `stop()` kills every process and removes the temp folder, and is safe to call after a failed
 * start.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitUntil } from '../directory/helpers.js';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  /** SIGKILL: the node is gone (a replica, if any, is promoted after the node timeout). */
  kill(): Promise<void>;
  /** SIGSTOP: the node keeps its connections open but answers nothing (a stalled master). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** Starts a killed node again on its port with its cluster config (it rejoins, as a replica if it was failed over). */
  restart(): Promise<void>;
}

export interface LocalClusterOptions {
  /** Masters (default 3). */
  masters?: number;
  /** Replicas per master (default 0). */
  replicas?: number;
  /** `cluster-node-timeout`: how long a node may be unreachable before a failover (default 15000 ms). */
  nodeTimeoutMs?: number;
}

export interface LocalCluster {
  nodes: ClusterNode[];
  /** `127.0.0.1:<port>` of every node, for `redis.cluster_nodes`. */
  seeds: string[];
  cli(port: number, ...args: string[]): Promise<string>;
  /** The node that is master of the slot `key` hashes to, as the cluster sees it now (asked of `via`, default the first answering node). */
  masterOf(key: string): Promise<ClusterNode>;
  /** The replicas of a master, as it reports them (empty without replicas). */
  replicasOf(master: ClusterNode): Promise<ClusterNode[]>;
  /** Waits until every live node reports `cluster_state:ok`. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalCluster(
  options: LocalClusterOptions | number = {},
): Promise<LocalCluster> {
  const {
    masters = 3,
    replicas = 0,
    nodeTimeoutMs = 15_000,
  } = typeof options === 'number' ? { masters: options } : options;
  const size = masters * (1 + replicas);
  const dir = await mkdtemp(join(tmpdir(), 'orgwarden-cluster-'));
  const children = new Map<number, ChildProcess>();
  const cli = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim();
  const killPort = (port: number) =>
    new Promise<void>((resolve) => {
      const child = children.get(port);
      if (child?.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    });
  const stop = async () => {
    await Promise.all([...children.keys()].map(killPort));
    await rm(dir, { recursive: true, force: true });
  };
  const spawnNode = (port: number) => {
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
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        // With a node gone, the other nodes keep serving their own slots.
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
    children.set(port, child);
  };
  const answers = (port: number) =>
    cli(port, 'ping').then(
      (r) => r === 'PONG',
      () => false,
    );
  try {
    const ports: number[] = [];
    while (ports.length < size) {
      const port = await freePort();
      // The cluster bus listens on port + 10000; both must be free, and never the shared Redis.
      if (port === 6379 || port + 10000 > 65535 || ports.includes(port)) continue;
      if (!(await portTaken(port + 10000))) ports.push(port);
    }
    const nodes = ports.map((port): ClusterNode => {
      spawnNode(port);
      return {
        port,
        address: `127.0.0.1:${port}`,
        kill: () => killPort(port),
        pause: () => void children.get(port)?.kill('SIGSTOP'),
        resume: () => void children.get(port)?.kill('SIGCONT'),
        async restart() {
          await killPort(port);
          spawnNode(port);
          await waitUntil(() => answers(port), 5000, 20);
        },
      };
    });
    for (const { port } of nodes) await waitUntil(() => answers(port), 5000, 20);
    const seeds = nodes.map((n) => n.address);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...seeds,
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    const byPort = (port: number) => {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no local cluster node on port ${port}`);
      return node;
    };
    const firstAnswering = async () => {
      for (const node of nodes) if (await answers(node.port)) return node;
      throw new Error('no cluster node answers');
    };
    const cluster: LocalCluster = {
      nodes,
      seeds,
      cli,
      async masterOf(key) {
        const via = await firstAnswering();
        const slot = await cli(via.port, 'cluster', 'keyslot', key);
        const shards = await cli(via.port, 'cluster', 'nodes');
        for (const line of shards.split('\n')) {
          const [, addr, flags, , , , , , ...ranges] = line.split(' ');
          if (!flags?.includes('master') || flags.includes('fail')) continue;
          for (const range of ranges) {
            const [from, to = from] = range.split('-').map(Number);
            if (from !== undefined && to !== undefined && +slot >= from && +slot <= to)
              return byPort(Number(addr?.split('@')[0]?.split(':')[1]));
          }
        }
        throw new Error(`no master serves the slot of ${key}`);
      },
      async replicasOf(master) {
        const info = await cli(master.port, 'info', 'replication');
        return [...info.matchAll(/^slave\d+:ip=[^,]+,port=(\d+)/gm)].map((m) =>
          byPort(Number(m[1])),
        );
      },
      async waitHealthy(timeoutMs = 20_000) {
        for (const { port } of nodes) {
          if (!(await answers(port))) continue;
          await waitUntil(
            () =>
              cli(port, 'cluster', 'info').then(
                (info) => info.includes('cluster_state:ok'),
                () => false,
              ),
            timeoutMs,
            50,
          );
        }
        if (replicas > 0) {
          // every replica has finished its first sync
          await waitUntil(
            async () => {
              for (const { port } of nodes) {
                const info = await cli(port, 'info', 'replication').catch(() => '');
                if (info.includes('role:slave') && !info.includes('master_link_status:up'))
                  return false;
              }
              return true;
            },
            timeoutMs,
            50,
          );
        }
      },
      stop,
    };
    await cluster.waitHealthy(10_000);
    return cluster;
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
