/**
 * Fault 3: Redis Cluster failures with revocations in flight. A local cluster of 3 masters and 3
 * replicas (node timeout 2 s), two replicas configured with every node as a seed, the standard
 * load plus a probe per revocable acme member, and members revoked one by one through the write
 * API while the fault happens. Promises checked, per scenario:
 * - no wrong allow: a revoked member is denied on every replica from `boundMs` after the
 *   revocation's 200 (a revocation answered otherwise was not acknowledged and may go either way);
 * - at the end, every acknowledged revocation holds on every replica;
 * - after the failover, decisions are served again within the recovery budget.
 * Scenarios: (a) the master of acme's slot killed while its replica lags (paused during the last
 * writes, then resumed and promoted); (b) that master stalled during writes, its replica promoted,
 * the old master resumed: it must rejoin as a replica and never serve its pre-failover record;
 * (c) the node a replica's invalidation subscriber is connected to stalled, revocations through
 * the other replica: how long the stalled-subscriber replica keeps allowing a revoked member.
 *
 * `CHAOS_CLUSTER_REDIS` (JSON object) adds keys to every replica's `redis` section, e.g.
 * `{"subscriber_ping_ms": 500}`; `boundMs` follows `subscriber_ping_ms` and `command_timeout_ms`.
 */
import { startLocalCluster, type ClusterNode } from '../../support/redis-cluster.js';
import { waitUntil } from '../../directory/helpers.js';
import {
  allowedAfterAck,
  checkAcknowledgedHold,
  decide,
  revocationLog,
} from '../lib/revocations.js';
import { ask, restoreCluster, subscriberNodes, topology } from '../lib/cluster-topology.js';
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import type { Sample } from '../lib/load.js';
import { startReplica, type Replica } from '../lib/replica.js';
import { row, sleep, standardProbes, underLoad, withCleanup } from '../lib/scenario.js';
import { createWorld, HOME_ORG, replicaConfig, STEADY_MEMBERS } from '../lib/world.js';

const NODE_TIMEOUT_MS = 2000;
/** The defaults of `redis.command_timeout_ms` and `redis.subscriber_ping_ms` (docs/config.md). */
const COMMAND_TIMEOUT_MS = 200;
const DEFAULT_SUBSCRIBER_PING_MS = 500;
/** Slack for the load's sampling interval and the invalidation's trip over pub/sub. */
const SLACK_MS = 500;

function extraRedisKeys(): Record<string, unknown> {
  const raw = process.env.CHAOS_CLUSTER_REDIS;
  if (raw === undefined || raw.trim() === '') return {};
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('CHAOS_CLUSTER_REDIS must be a JSON object of redis config keys');
  return parsed as Record<string, unknown>;
}

/** How long after a revocation's 200 every replica must deny the member. */
function revocationBoundMs(extra: Record<string, unknown>): number {
  const ping = Number(extra.subscriber_ping_ms ?? DEFAULT_SUBSCRIBER_PING_MS);
  const timeout = Number(extra.command_timeout_ms ?? COMMAND_TIMEOUT_MS);
  return ping + timeout + SLACK_MS;
}

type Cluster = Awaited<ReturnType<typeof startLocalCluster>>;

interface ClusterSetup {
  cluster: Cluster;
  replicas: Replica[];
  boundMs: number;
  /** The key of acme's record and of the revision counter under this scenario's prefix. */
  acmeKey: string;
  revisionKey: string;
  node(port: number): ClusterNode;
}

interface SetupOptions {
  /** Each scenario writes under its own prefix, so it starts from the seed file on a shared cluster. */
  prefix: string;
  members: number;
  cacheTtlMs?: number;
  /** The seed order of replica `index` (default: the cluster's own order); the subscriber connects to the first. */
  seeds?: (index: number) => Promise<string[]>;
}

/** The world and two replicas on the (restored) cluster, stopped by `defer`. */
async function setUp(
  cluster: Cluster,
  defer: (stop: () => unknown) => void,
  options: SetupOptions,
): Promise<ClusterSetup> {
  await restoreCluster(cluster);
  const world = await createWorld({ revocable: options.members });
  defer(() => world.remove());
  const extra = extraRedisKeys();
  const replicas: Replica[] = [];
  for (const [i, name] of ['a', 'b'].entries()) {
    const seeds = options.seeds ? await options.seeds(i) : cluster.seeds;
    const config = await world.writeConfig(
      name,
      replicaConfig(world, {
        redis: {
          cluster_nodes: seeds,
          key_prefix: options.prefix,
          command_timeout_ms: COMMAND_TIMEOUT_MS,
          max_reconnect_delay_ms: 200,
          ...extra,
        },
        directory: {
          file: world.directoryFile,
          ...(options.cacheTtlMs === undefined ? {} : { cache_ttl_ms: options.cacheTtlMs }),
        },
      }),
    );
    const replica = await startReplica({ name, config, env: world.env });
    defer(() => replica.stop());
    replicas.push(replica);
  }
  // Every replica has served a member before the load starts (connections to every node, warm code).
  for (const replica of replicas)
    await waitUntil(
      async () => (await decide(replica, STEADY_MEMBERS[0] ?? 'alice')) === 'allow',
      10_000,
      50,
    );
  return {
    cluster,
    replicas,
    boundMs: revocationBoundMs(extra),
    acmeKey: `${options.prefix}{org:${HOME_ORG}}`,
    revisionKey: `${options.prefix}revision`,
    node: (port) => nodeOn(cluster, port),
  };
}

function nodeOn(cluster: Cluster, port: number): ClusterNode {
  const found = cluster.nodes.find((n) => n.port === port);
  if (!found) throw new Error(`no cluster node on port ${port}`);
  return found;
}

/** How soon after a failover the members of the failed-over slot must be served again. */
const SERVED_AGAIN_BUDGET_MS = 5000;

/** ms from `from` to the end of the last acme member's deny sent before `until` (0: none). */
function deniedAfterFailover(samples: readonly Sample[], from: number, until: number): number {
  const last = samples
    .filter(
      (s) => s.group === 'member' && s.outcome !== 'allow' && s.sentAt >= from && s.sentAt < until,
    )
    .reduce((max, s) => Math.max(max, s.sentAt + s.latencyMs - from), 0);
  return Math.round(last);
}

const first = <T>(items: readonly T[], what: string): T => {
  const [item] = items;
  if (item === undefined) throw new Error(`no ${what}`);
  return item;
};

/** The errors behind the replicas' 503 write answers, counted from their logs. */
function writeFailureCauses(replicas: readonly Replica[]): string[] {
  const counts = new Map<string, number>();
  for (const replica of replicas)
    for (const line of replica.logs().split('\n')) {
      if (!line.includes('directory request failed')) continue;
      const error = /"error":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? 'unknown';
      counts.set(error, (counts.get(error) ?? 0) + 1);
    }
  return [...counts].sort((x, y) => y[1] - x[1]).map(([error, n]) => `${n}× ${error}`);
}

/** The notes and failures every scenario ends with: the hold check and the subscriber placement. */
async function finish(
  ctx: FaultContext,
  setup: ClusterSetup,
  log: ReturnType<typeof revocationLog>,
  notes: string[],
  failures: string[],
): Promise<void> {
  const hold = await checkAcknowledgedHold(setup.replicas, log);
  notes.push(...hold.notes, `revocation bound: ${setup.boundMs} ms after the 200`);
  const causes = writeFailureCauses(setup.replicas);
  if (causes.length > 0) notes.push(`why writes answered 503 (replica logs): ${causes.join('; ')}`);
  if (hold.notHeld.length > 0)
    failures.push(
      `${hold.notHeld.length} acknowledged revocations did not hold: ${hold.notHeld.slice(0, 5).join('; ')}`,
    );
  for (const n of [...notes, ...failures]) ctx.progress(n);
}

/**
 * What the two master scenarios share: replicas on their own prefix, the cluster's view with the
 * nodes this scenario faults, acme's master, and the revocations to send.
 */
async function acmeMasterScenario(
  ctx: FaultContext,
  cluster: Cluster,
  defer: (stop: () => unknown) => void,
  prefix: string,
) {
  const setup = await setUp(cluster, defer, { prefix, members: ctx.quick ? 30 : 60 });
  const faulted = new Set<number>();
  const topo = topology(cluster, faulted);
  const master = setup.node((await topo.masterPortOf(setup.acmeKey)) ?? 0);
  const log = revocationLog(setup.replicas, ctx.quick ? 30 : 60, setup.boundMs);
  return { setup, faulted, topo, master, log };
}

/** (a) The master of acme's slot killed while its replica lags; the replica is promoted. */
async function masterKilled(ctx: FaultContext, cluster: Cluster): Promise<FaultRow> {
  const pace = 300;
  const lagWrites = ctx.quick ? 4 : 6;
  return withCleanup(async (defer) => {
    const { setup, faulted, topo, master, log } = await acmeMasterScenario(
      ctx,
      cluster,
      defer,
      'chaos-kill:',
    );
    const replica = setup.node(first(await topo.replicaPortsOf(master.port), 'replica'));
    const notes: string[] = [];
    const failures: string[] = [];
    const run = await underLoad(
      {
        targets: setup.replicas.map((r) => r.url),
        probes: [...(await standardProbes()), ...(await log.probes())],
        warmupMs: 1000,
        cooldownMs: ctx.quick ? 5000 : 15_000,
      },
      async (lifted) => {
        await log.revokeNext();
        await log.revokeNext();
        ctx.progress(
          `replica ${replica.port} of acme's master ${master.port} SIGSTOP, its link cut (lag)`,
        );
        // A paused process still receives into its socket buffer: the link is cut as well, so the
        // writes from now on reach the master only (the replica cannot reconnect while paused).
        replica.pause();
        faulted.add(replica.port);
        await ask(master.port, 'client', 'kill', 'type', 'replica');
        const lagged: string[] = [];
        for (let i = 0; i < lagWrites; i++) {
          const r = await log.revokeNext();
          if (r) lagged.push(`${r.user} ${r.status ?? 'no answer'}`);
          await sleep(pace / 2);
        }
        notes.push(`written while the replica lagged: ${lagged.join(', ')}`);
        ctx.progress(`master ${master.port} SIGKILL, replica resumed`);
        faulted.add(master.port);
        await master.kill();
        replica.resume();
        faulted.delete(replica.port);
        let done = false;
        const revoking = log.revokeWhile(pace, () => done);
        const failoverMs = await topo.waitFailover(setup.acmeKey, master.port, 30_000);
        notes.push(
          failoverMs === null
            ? 'no failover within 30 s'
            : `failover: ${failoverMs} ms from the kill to a promoted master with cluster_state ok`,
        );
        if (failoverMs === null) failures.push('the replica was not promoted within 30 s');
        await sleep(ctx.quick ? 2000 : 5000);
        done = true;
        await revoking;
        lifted();
      },
    );
    await finish(ctx, setup, log, notes, failures);
    return row(
      'Redis Cluster: acme master SIGKILL with its replica lagging, replica promoted',
      run,
      { notes, failures },
    );
  });
}

/** (b, d) The master of acme's slot stalled during writes, its replica promoted, the old master resumed. */
async function masterStalled(ctx: FaultContext, cluster: Cluster): Promise<FaultRow> {
  const pace = 400;
  const stallMs = ctx.quick ? 5000 : 15_000;
  return withCleanup(async (defer) => {
    const { setup, faulted, topo, master, log } = await acmeMasterScenario(
      ctx,
      cluster,
      defer,
      'chaos-stall:',
    );
    const notes: string[] = [];
    const failures: string[] = [];
    const subscribers = await subscriberNodes(setup.cluster, setup.replicas);
    notes.push(
      `subscribers: ${[...subscribers].map(([r, n]) => `${r} on ${n.port}${n.port === master.port ? ' (the stalled master)' : ''}`).join(', ')}`,
    );
    // performance.now() of the stall, the promotion and the resume (set while the load runs)
    const at: { stalled: number; failedOver: number | null; resumed: number } = {
      stalled: 0,
      failedOver: null,
      resumed: 0,
    };
    const run = await underLoad(
      {
        targets: setup.replicas.map((r) => r.url),
        probes: [...(await standardProbes()), ...(await log.probes())],
        warmupMs: 1000,
        cooldownMs: ctx.quick ? 5000 : 15_000,
      },
      async (lifted) => {
        await log.revokeNext();
        await log.revokeNext();
        ctx.progress(`master ${master.port} SIGSTOP for ${stallMs} ms`);
        faulted.add(master.port);
        master.pause();
        at.stalled = performance.now();
        let done = false;
        const revoking = log.revokeWhile(pace, () => done);
        const failover = topo.waitFailover(setup.acmeKey, master.port, stallMs);
        await sleep(stallMs);
        const failoverMs = await failover;
        if (failoverMs !== null) at.failedOver = at.stalled + failoverMs;
        notes.push(
          failoverMs === null
            ? `no failover during the ${stallMs} ms stall`
            : `failover: ${failoverMs} ms from the stall to a promoted master with cluster_state ok`,
        );
        if (failoverMs === null) failures.push(`no failover within the ${stallMs} ms stall`);
        ctx.progress(`old master ${master.port} SIGCONT`);
        at.resumed = performance.now();
        master.resume();
        const rejoinMs = await topo.waitRejoined(master.port, setup.acmeKey, 20_000);
        notes.push(
          rejoinMs === null
            ? 'the old master did not rejoin as a replica within 20 s'
            : `old master rejoined as a replica of the promoted master ${rejoinMs} ms after SIGCONT`,
        );
        if (rejoinMs === null) failures.push('the old master did not rejoin as a replica');
        await sleep(ctx.quick ? 2000 : 5000);
        done = true;
        await revoking;
        lifted();
      },
    );
    if (at.failedOver !== null) {
      const servedAgain = deniedAfterFailover(run.samples, at.failedOver, at.resumed);
      notes.push(
        `acme members denied until ${servedAgain} ms after the failover (old master still stalled; budget ${SERVED_AGAIN_BUDGET_MS} ms)`,
      );
      if (servedAgain > SERVED_AGAIN_BUDGET_MS)
        failures.push(
          `acme members were denied for ${servedAgain} ms after the failover (budget ${SERVED_AGAIN_BUDGET_MS} ms): the promoted master was not used`,
        );
    }
    await finish(ctx, setup, log, notes, failures);
    return row(
      `Redis Cluster: acme master SIGSTOP ${stallMs / 1000} s during writes, replica promoted, old master resumed`,
      run,
      { notes, failures },
    );
  });
}

/**
 * (c) The node replica b's subscriber is connected to stalled; revocations through replica a. Its
 * seeds put a replica node first (one whose master owns neither acme's record nor the revision),
 * so the stall is the subscriber's alone. `cache_ttl_ms` is 30 s so the staleness measured is the
 * subscriber's, not the cache's expiry.
 */
async function subscriberStalled(ctx: FaultContext, cluster: Cluster): Promise<FaultRow> {
  const pace = 1000;
  const stallMs = ctx.quick ? 6000 : 15_000;
  const cacheTtlMs = 30_000;
  return withCleanup(async (defer) => {
    let chosen: ClusterNode | null = null;
    const prefix = 'chaos-subscriber:';
    const setup = await setUp(cluster, defer, {
      prefix,
      members: ctx.quick ? 8 : 16,
      cacheTtlMs,
      async seeds(index) {
        const topo = topology(cluster, new Set());
        const acmeMaster = await topo.masterPortOf(`${prefix}{org:${HOME_ORG}}`);
        const revisionMaster = await topo.masterPortOf(`${prefix}revision`);
        // Best: a replica whose master owns neither key (a write never waits on the stalled node);
        // else one whose master does not own acme's record.
        const ranked: ClusterNode[][] = [[], []];
        for (const master of cluster.nodes) {
          if (master.port === acmeMaster) continue;
          const rank = master.port === revisionMaster ? 1 : 0;
          for (const port of await topo.replicaPortsOf(master.port))
            ranked[rank]?.push(nodeOn(cluster, port));
        }
        chosen ??= first(ranked.flat(), "replica node outside acme's slot");
        const stalled = chosen;
        const order =
          index === 1
            ? [stalled, ...cluster.nodes.filter((n) => n !== stalled)]
            : cluster.nodes.filter((n) => n !== stalled).concat(stalled);
        return order.map((n) => n.address);
      },
    });
    const [a, b] = setup.replicas;
    if (!a || !b) throw new Error('two replicas expected');
    const notes: string[] = [];
    const failures: string[] = [];
    const subscribers = await subscriberNodes(setup.cluster, setup.replicas);
    const stalled = subscribers.get(b.name);
    if (!stalled) throw new Error("replica b's subscriber connection was not found on any node");
    notes.push(
      `subscribers (CLIENT LIST): ${[...subscribers].map(([r, n]) => `${r} on ${n.port}`).join(', ')}; stalled: ${stalled.port}`,
    );
    if (subscribers.get(a.name)?.port === stalled.port)
      failures.push('both subscribers are on the stalled node: the scenario stalls neither alone');
    const log = revocationLog([a], ctx.quick ? 8 : 16, setup.boundMs);
    const run = await underLoad(
      {
        targets: setup.replicas.map((r) => r.url),
        probes: [...(await standardProbes()), ...(await log.probes())],
        warmupMs: 1000,
        cooldownMs: ctx.quick ? 4000 : 10_000,
      },
      async (lifted) => {
        ctx.progress(`subscriber node ${stalled.port} SIGSTOP for ${stallMs} ms`);
        stalled.pause();
        const stallStarted = performance.now();
        await sleep(pace);
        await log.revokeWhile(
          pace,
          () => performance.now() - stallStarted > stallMs - pace - SLACK_MS,
        );
        await sleep(Math.max(0, stallMs - (performance.now() - stallStarted)));
        stalled.resume();
        lifted();
      },
    );
    for (const replica of [a, b]) {
      const stale = allowedAfterAck(run.samples, log, replica.url);
      const worst = Math.max(0, ...stale);
      notes.push(
        `replica ${replica.name}${replica === b ? ' (stalled subscriber)' : ''}: revoked member still allowed up to ${worst} ms after the 200 (per revocation: ${stale.join(', ')} ms; bound ${setup.boundMs} ms, cache_ttl_ms ${cacheTtlMs})`,
      );
      if (worst > setup.boundMs)
        failures.push(
          `replica ${replica.name} allowed a revoked member ${worst} ms after the 200 (bound ${setup.boundMs} ms)`,
        );
    }
    await finish(ctx, setup, log, notes, failures);
    return row(
      `Redis Cluster: subscriber node SIGSTOP ${stallMs / 1000} s, revocations through the other replica`,
      run,
      { notes, failures },
    );
  });
}

export const redisCluster: Fault = {
  id: 'redis-cluster',
  title: 'Redis Cluster: master killed with lag, master stalled and resumed, subscriber stalled',
  async run(ctx) {
    return withCleanup(async (defer) => {
      ctx.progress('starting a Redis Cluster of 3 masters and 3 replicas');
      const cluster = await startLocalCluster({
        masters: 3,
        replicas: 1,
        nodeTimeoutMs: NODE_TIMEOUT_MS,
      });
      defer(() => cluster.stop());
      return [
        await masterKilled(ctx, cluster),
        await masterStalled(ctx, cluster),
        await subscriberStalled(ctx, cluster),
      ];
    });
  },
};
