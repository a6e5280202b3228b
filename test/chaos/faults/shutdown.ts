/**
 * Fault 8: a replica stopped under load from keep-alive clients.
 * - SIGTERM: a graceful stop loses no request. Every request sent to the stopping replica gets its
 *   decision; once its listener has closed, connections are refused (not sent, counted apart) and
 *   clients go to the other replica. The replica exits 0.
 * - SIGKILL: requests in flight on the killed replica are lost (reported: the expected cost), and
 *   still no decision is a wrong allow.
 * - Rolling restart behind NGINX (two replicas in one upstream with keep-alive connections):
 *   SIGTERM A, restart A, wait until ready, SIGTERM B, restart B — no failed request through the
 *   gateway.
 * `server.shutdown_delay_s` (how long a stopping replica keeps answering, with readyz 503, before
 * its listener closes) is set when the config accepts it.
 */
import type { FaultWindow } from '../lib/analyse.js';
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import { NOT_SENT, type Sample } from '../lib/load.js';
import { startNginxGateway } from '../lib/nginx.js';
import { startReplica, type Replica } from '../lib/replica.js';
import { row, sleep, standardProbes, underLoad, withCleanup } from '../lib/scenario.js';
import { createWorld, replicaConfig, type World } from '../lib/world.js';

/** The stop delay the scenarios ask for, when the replicas' config knows the key. */
const SHUTDOWN_DELAY_S = 2;

interface Stopping {
  replica: Replica;
  signal: 'SIGTERM' | 'SIGKILL';
}

/** Starts replicas a and b; with `delayS`, tries `server.shutdown_delay_s` and drops it if refused. */
async function startPair(
  world: World,
  defer: (stop: () => unknown) => void,
  delayS: number | null,
): Promise<{ replicas: Replica[]; delayS: number | null }> {
  const start = async (name: string, delay: number | null) => {
    const server = {
      host: '127.0.0.1',
      port: 0,
      shutdown_timeout_s: 10,
      ...(delay === null ? {} : { shutdown_delay_s: delay }),
    };
    const config = await world.writeConfig(name, replicaConfig(world, { server }));
    const replica = await startReplica({ name, config, env: world.env });
    defer(() => replica.stop());
    return replica;
  };
  let delay = delayS;
  const first = await start('a', delay).catch((err: unknown) => {
    if (delay === null || !String(err).includes('shutdown_delay_s')) throw err;
    delay = null;
    return start('a', null);
  });
  return { replicas: [first, await start('b', delay)], delayS: delay };
}

/** Sends the signal, waits for the exit and starts the replica again (until ready). */
async function stopAndRestart(
  ctx: FaultContext,
  { replica, signal }: Stopping,
  failures: string[],
  notes: string[],
): Promise<void> {
  const sent = performance.now();
  ctx.progress(`${signal} replica ${replica.name}`);
  replica.signal(signal);
  const exit = await replica.exited();
  const took = Math.round(exit.at - sent);
  notes.push(
    `replica ${replica.name} exited ${exit.signal ?? `code ${String(exit.code)}`} ${took} ms after ${signal}`,
  );
  if (signal === 'SIGTERM' && exit.code !== 0)
    failures.push(
      `replica ${replica.name} exited ${exit.signal ?? `code ${String(exit.code)}`} after SIGTERM (expected 0)`,
    );
  await replica.restart();
  ctx.progress(`replica ${replica.name} ready again`);
}

/**
 * The window opens when the oldest request still in flight at the signal was sent (a request the
 * signal cuts off belongs to the fault, not to the time before it), and the failed requests are
 * told by when they were sent, in 100 ms spans from the signal.
 */
function failedSpans(run: { samples: Sample[]; window: FaultWindow }): string {
  const { samples, window } = run;
  for (const s of samples)
    if (s.sentAt < window.start && s.sentAt + s.latencyMs >= window.start) window.start = s.sentAt;
  const spans = new Map<number, number>();
  for (const s of samples)
    if (s.outcome === 'failed' && s.reason !== NOT_SENT) {
      const span = Math.floor((s.sentAt - window.start) / 100) * 100;
      spans.set(span, (spans.get(span) ?? 0) + 1);
    }
  const list = [...spans].map(([at, n]) => `+${at} ms: ${n}`).join(', ');
  return `failed requests by when they were sent: ${list || 'none'}`;
}

function delayNote(delayS: number | null): string {
  return delayS === null
    ? 'server.shutdown_delay_s not accepted by this build: replicas stop without a delay'
    : `server.shutdown_delay_s: ${delayS}`;
}

/** How often the direct rows' clients check each replica's /readyz (well inside the delay). */
const READINESS_INTERVAL_MS = 250;

/** The replicas every scenario of this fault stops and restarts (one pair, restarted in place). */
interface Pair {
  world: World;
  replicas: Replica[];
  delayS: number | null;
}

async function direct(
  ctx: FaultContext,
  { replicas, delayS }: Pair,
  signal: Stopping['signal'],
): Promise<FaultRow> {
  const [a] = replicas;
  if (!a) throw new Error('no replica started');
  const notes = [
    delayNote(delayS),
    `clients route by readiness (/readyz every ${READINESS_INTERVAL_MS} ms), as a load balancer with health checks`,
  ];
  const failures: string[] = [];
  const run = await underLoad(
    {
      targets: replicas.map((r) => r.url),
      probes: await standardProbes(),
      clients: 16,
      // The clients stand for a load balancer with active health checks: a replica answering
      // /readyz 503 (from its SIGTERM on) gets no new requests, as shutdown_delay_s intends.
      readiness: { path: '/readyz', intervalMs: READINESS_INTERVAL_MS },
      warmupMs: ctx.quick ? 1000 : 5000,
      cooldownMs: ctx.quick ? 1500 : 5000,
    },
    () => stopAndRestart(ctx, { replica: a, signal }, failures, notes),
  );
  notes.push(failedSpans(run));
  return row(`${signal} of one of 2 replicas under keep-alive load, then restarted`, run, {
    notes,
    failures,
    noFailedRequests: signal === 'SIGTERM',
  });
}

async function rolling(ctx: FaultContext, { world, replicas, delayS }: Pair): Promise<FaultRow> {
  return withCleanup(async (defer) => {
    const gateway = await startNginxGateway(
      world.dir,
      replicas.map((r) => r.port),
    );
    defer(() => gateway.stop());
    const notes = [delayNote(delayS)];
    const failures: string[] = [];
    const run = await underLoad(
      {
        targets: [gateway.url],
        probes: await standardProbes(),
        clients: 16,
        warmupMs: ctx.quick ? 1000 : 5000,
        cooldownMs: ctx.quick ? 1500 : 5000,
      },
      async () => {
        for (const replica of replicas) {
          await stopAndRestart(ctx, { replica, signal: 'SIGTERM' }, failures, notes);
          // Let the gateway send traffic to the restarted replica before the next one stops.
          await sleep(ctx.quick ? 1000 : 3000);
        }
      },
    );
    const upstreamErrors = (await gateway.errors())
      .split('\n')
      .filter((l) => l.includes('upstream'));
    if (upstreamErrors.length > 0)
      notes.push(
        `nginx logged ${upstreamErrors.length} upstream errors, first: ${upstreamErrors[0] ?? ''}`,
      );
    notes.push(failedSpans(run));
    return row('Rolling restart (SIGTERM A, B) of 2 replicas behind nginx with keep-alive', run, {
      notes,
      failures,
      noFailedRequests: true,
    });
  });
}

export const shutdown: Fault = {
  id: 'shutdown',
  title: 'SIGTERM, SIGKILL and a rolling restart behind nginx under keep-alive load',
  run: (ctx) =>
    withCleanup(async (defer) => {
      const world = await createWorld();
      defer(() => world.remove());
      const pair = { world, ...(await startPair(world, defer, SHUTDOWN_DELAY_S)) };
      return [
        await direct(ctx, pair, 'SIGTERM'),
        await direct(ctx, pair, 'SIGKILL'),
        await rolling(ctx, pair),
      ];
    }),
};
