/**
 * Fault 1: Redis killed (SIGKILL) under load, then restarted with its data, and (second scenario)
 * restarted empty. Promises checked: no allow while Redis is down (every decision that needs the
 * directory denies `directory_unavailable`); with its data back, members are allowed again within
 * the recovery budget; restarted empty, nothing is re-seeded on its own — every replica keeps
 * denying until an operator confirms a seed, and then serves again.
 */
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import { startChaosRedis } from '../lib/redis-server.js';
import {
  admin,
  row,
  sleep,
  standardProbes,
  startReplicas,
  underLoad,
  withCleanup,
} from '../lib/scenario.js';
import { createWorld } from '../lib/world.js';

async function scenario(ctx: FaultContext, empty: boolean): Promise<FaultRow> {
  const downMs = ctx.quick ? 3000 : 30_000;
  return withCleanup(async (defer) => {
    const world = await createWorld();
    defer(() => world.remove());
    const redis = await startChaosRedis();
    defer(() => redis.stop());
    const replicas = await startReplicas(world, 2, {
      redis: { url: redis.url, key_prefix: 'chaos:', max_reconnect_delay_ms: 200 },
    });
    for (const r of replicas) defer(() => r.stop());
    const notes: string[] = [];
    const failures: string[] = [];
    const run = await underLoad(
      {
        targets: replicas.map((r) => r.url),
        probes: await standardProbes(),
        warmupMs: 1000,
        cooldownMs: ctx.quick ? 3000 : 10_000,
      },
      async (lifted) => {
        ctx.progress(`redis SIGKILL for ${downMs} ms`);
        await redis.kill();
        await sleep(downMs);
        await redis.start({ empty });
        if (!empty) {
          lifted();
          return;
        }
        // Restarted empty: the directory must be held, not re-seeded, on every replica.
        await sleep(2000);
        for (const r of replicas) {
          const ready = await fetch(`${r.url}/readyz`).then((res) => res.status);
          if (ready !== 503)
            failures.push(
              `replica ${r.name} /readyz ${ready} after Redis came back empty (held: 503)`,
            );
        }
        const seeded = await redis.command('EXISTS', 'chaos:seeded');
        if (seeded !== 0) failures.push('the empty Redis was re-seeded without an operator');
        notes.push('restarted empty: every replica held (readyz 503) until the seed was confirmed');
        const [first] = replicas;
        if (!first) throw new Error('no replica started');
        const confirm = await admin(first, 'POST', '/v1/admin/directory/seed', {
          source: 'file',
        });
        if (confirm.status !== 200) failures.push(`seed confirmation answered ${confirm.status}`);
        lifted();
      },
    );
    return row(
      `Redis SIGKILL ${downMs / 1000} s, restarted ${empty ? 'empty (operator confirms the seed)' : 'with its data'}`,
      run,
      { notes, failures },
    );
  });
}

export const redisKill: Fault = {
  id: 'redis-kill',
  title: 'Redis killed, restarted with its data and restarted empty',
  async run(ctx) {
    return [await scenario(ctx, false), await scenario(ctx, true)];
  },
};
