/**
 * What the chaos suite asks a local Redis Cluster while a node is stalled or gone: every question
 * goes over a short-lived `redis-cli` with a deadline (a paused node accepts the connection and
 * never answers), and only to nodes the caller has not faulted. Also: which node a replica's
 * invalidation subscriber is connected to, found from `CLIENT LIST` on every node and the owner
 * of the client socket.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClusterNode, LocalCluster } from '../../support/redis-cluster.js';
import type { Replica } from './replica.js';

const run = promisify(execFile);
const ASK_TIMEOUT_MS = 1000;
const SUBSCRIBER_NAME = 'orgwarden-directory-subscriber';

/** One command on one node, or null when it does not answer within a second. */
export async function ask(port: number, ...args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      timeout: ASK_TIMEOUT_MS,
    });
    return stdout.trim();
  } catch {
    return null;
  }
}

interface NodeView {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  /** For a replica: its master's id. */
  masterId: string | null;
  slots: [number, number][];
}

/** The cluster as one node sees it (`CLUSTER NODES`), or null when it does not answer. */
async function clusterView(port: number): Promise<NodeView[] | null> {
  const text = await ask(port, 'cluster', 'nodes');
  if (text === null) return null;
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', addr = '', flags = '', masterId = '-', , , , , ...ranges] = line.split(' ');
      return {
        id,
        port: Number(addr.split('@')[0]?.split(':')[1]),
        master: flags.includes('master'),
        failed: flags.includes('fail'),
        masterId: masterId === '-' ? null : masterId,
        slots: ranges
          .filter((r) => !r.startsWith('['))
          .map((r) => {
            const [from = 0, to = from] = r.split('-').map(Number);
            return [from, to] as [number, number];
          }),
      };
    });
}

export interface Topology {
  /** The port of the master of the slot `key` hashes to, as a healthy node sees it now. */
  masterPortOf(key: string): Promise<number | null>;
  /** The replicas (ports) of the master on `port`. */
  replicaPortsOf(port: number): Promise<number[]>;
  /** Waits until a healthy node reports `cluster_state:ok` with `key` served by a master other than `old`; ms waited. */
  waitFailover(key: string, old: number, timeoutMs: number): Promise<number | null>;
  /** Waits until the node on `port` is a replica of the current master of `key` with its link up; ms waited. */
  waitRejoined(port: number, key: string, timeoutMs: number): Promise<number | null>;
}

/** Questions asked only of nodes not in `faulted` (ports of nodes the scenario killed or paused). */
export function topology(cluster: LocalCluster, faulted: ReadonlySet<number>): Topology {
  const healthy = () => cluster.nodes.filter((n) => !faulted.has(n.port));
  const view = async () => {
    for (const node of healthy()) {
      const nodes = await clusterView(node.port);
      if (nodes) return { via: node, nodes };
    }
    return null;
  };
  const masterPortOf = async (key: string) => {
    const seen = await view();
    if (!seen) return null;
    const slot = Number(await ask(seen.via.port, 'cluster', 'keyslot', key));
    const owner = seen.nodes.find(
      (n) => n.master && !n.failed && n.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    return owner?.port ?? null;
  };
  const poll = async (done: () => Promise<boolean>, timeoutMs: number) => {
    const started = performance.now();
    while (performance.now() - started < timeoutMs) {
      if (await done()) return Math.round(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };
  return {
    masterPortOf,
    async replicaPortsOf(port) {
      const seen = await view();
      const master = seen?.nodes.find((n) => n.port === port);
      if (!seen || !master) return [];
      return seen.nodes.filter((n) => n.masterId === master.id).map((n) => n.port);
    },
    waitFailover: (key, old, timeoutMs) =>
      poll(async () => {
        const owner = await masterPortOf(key);
        if (owner === null || owner === old) return false;
        return (await ask(owner, 'cluster', 'info'))?.includes('cluster_state:ok') ?? false;
      }, timeoutMs),
    waitRejoined: (port, key, timeoutMs) =>
      poll(async () => {
        const owner = await masterPortOf(key);
        const info = await ask(port, 'info', 'replication');
        return (
          owner !== null &&
          owner !== port &&
          info !== null &&
          info.includes('role:slave') &&
          info.includes(`master_port:${owner}`) &&
          info.includes('master_link_status:up')
        );
      }, timeoutMs),
  };
}

/** The pid that owns a TCP socket on loopback, found with `ss` (listening or connected). */
async function socketOwner(port: number, listening: boolean): Promise<number | null> {
  const { stdout } = await run('ss', [
    '-Htnp',
    ...(listening ? ['-l'] : []),
    `( sport = :${port} )`,
  ]).catch(() => ({ stdout: '' }));
  const pid = /pid=(\d+)/.exec(stdout)?.[1];
  return pid === undefined ? null : Number(pid);
}

/** The cluster node each replica's invalidation subscriber is connected to now (by replica name). */
export async function subscriberNodes(
  cluster: LocalCluster,
  replicas: readonly Replica[],
): Promise<Map<string, ClusterNode>> {
  const pids = new Map<number, string>();
  for (const r of replicas) {
    const pid = await socketOwner(r.port, true);
    if (pid !== null) pids.set(pid, r.name);
  }
  const found = new Map<string, ClusterNode>();
  for (const node of cluster.nodes) {
    const list = (await ask(node.port, 'client', 'list')) ?? '';
    for (const line of list.split('\n')) {
      if (!line.includes(`name=${SUBSCRIBER_NAME} `)) continue;
      const clientPort = Number(/ addr=[^ ]+:(\d+) /.exec(` ${line}`)?.[1]);
      const pid = await socketOwner(clientPort, false);
      const name = pid === null ? undefined : pids.get(pid);
      if (name !== undefined) found.set(name, node);
    }
  }
  return found;
}

/**
 * Brings a cluster back to full strength after a scenario: every killed node restarted (it rejoins,
 * as a replica if it was failed over), every paused node resumed, then waits until every node
 * answers, none is flagged failing, every node reports `cluster_state:ok` and every replica's link
 * is up.
 */
export async function restoreCluster(cluster: LocalCluster, timeoutMs = 30_000): Promise<void> {
  for (const node of cluster.nodes) {
    node.resume();
    if ((await ask(node.port, 'ping')) !== 'PONG') await node.restart();
  }
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await settled(cluster)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the cluster did not settle within ${timeoutMs} ms`);
}

async function settled(cluster: LocalCluster): Promise<boolean> {
  for (const node of cluster.nodes) {
    const view = await clusterView(node.port);
    if (view?.length !== cluster.nodes.length || view.some((n) => n.failed)) return false;
    if (!(await ask(node.port, 'cluster', 'info'))?.includes('cluster_state:ok')) return false;
    const info = (await ask(node.port, 'info', 'replication')) ?? '';
    if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
  }
  return true;
}
