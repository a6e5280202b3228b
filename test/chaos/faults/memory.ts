/**
 * Fault 10: memory pressure. One replica on its own Redis soaks under load from many distinct
 * tokens, users and orgs, with its caches set small so each fills to its bound within seconds and
 * then churns: the directory cache (`directory.cache_max_entries`), the verified-token cache
 * (`auth.token_cache_entries`). Every probe is a distinct token: a member of one of the extra orgs
 * naming their own org (allow) or the next org (deny), beside the standard mix.
 *
 * Promise checked: resident memory stays under RSS_BOUND_MB and stops growing once the caches are
 * full — its least-squares slope over the second half of the soak stays under the threshold.
 * Thresholds: a leak of one retained 100-byte object per decision, at the ~1 000 decisions/s
 * this load makes on one replica (~1 500/s measured), is ~9 MB/min; the full run (a 5-minute
 * second half, after a 1-minute warm-up) fails above 3 MB/min. The quick run lasts 20 s, all of it
 * inside the phase where V8 grows its heap before the first major collections (the full run shows
 * the heap level off after it), so the quick run reports the slope and judges only the bound.
 * Any member denied during the soak fails the row too: memory pressure is no excuse for a wrong
 * answer.
 */
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import type { Probe, Sample } from '../lib/load.js';
import { startChaosRedis } from '../lib/redis-server.js';
import { metricSum, rssFigures, startRssSampler } from '../lib/rss.js';
import {
  row,
  sleep,
  standardProbes,
  startReplicas,
  underLoad,
  withCleanup,
} from '../lib/scenario.js';
import { SECRET_ENV, createWorld, sessionToken } from '../lib/world.js';
import { TEST_AUDIENCE, TEST_ISSUER } from '../../support/tokens.js';

/** The documented bound on one replica's RSS under this load. */
const RSS_BOUND_MB = 256;
const CACHE_ENTRIES = { directory: 500, token: 1000 };

async function distinctProbes(orgs: number, perOrg: number): Promise<Probe[]> {
  const nowMs = Date.now();
  const probes: Promise<Probe>[] = [];
  for (let i = 0; i < orgs; i++)
    for (let j = 0; j < perOrg; j++) {
      const user = `u-${i}-${j}`;
      // Even users name their own org, odd ones the next: half allows, half spoofs.
      const own = j % 2 === 0;
      const org = `org-${own ? i : (i + 1) % orgs}`;
      probes.push(
        sessionToken(user, nowMs).then((token) => ({
          group: own ? 'extra member' : 'extra spoof',
          body: { token, org, action: 'org.read' },
          expect: () => (own ? 'allow' : 'deny'),
        })),
      );
    }
  return Promise.all(probes);
}

async function scenario(ctx: FaultContext): Promise<FaultRow> {
  const soakMs = ctx.quick ? 20_000 : 600_000;
  const warmupMs = ctx.quick ? 5000 : 60_000;
  const slopeLimit = ctx.quick ? null : 3;
  const orgs = ctx.quick ? 1000 : 3000;
  const perOrg = 6;
  return withCleanup(async (defer) => {
    const world = await createWorld({ extraOrgs: orgs, membersPerOrg: perOrg });
    defer(() => world.remove());
    const redis = await startChaosRedis();
    defer(() => redis.stop());
    // The directory is seeded by a replica with a generous Redis timeout, which then stops: with
    // the default 50 ms a seed this large is cut short (see the seed check below).
    const [seeder] = await startReplicas(
      world,
      1,
      { redis: { url: redis.url, key_prefix: 'chaos:', command_timeout_ms: 5000 } },
      ['seed'],
    );
    await seeder?.stop();
    // One record key per org (`chaos:{org:<id>}`), beside its `:revision` key.
    const orgKeys = ((await redis.command('KEYS', 'chaos:{org:*')) as string[]).filter((k) =>
      k.endsWith('}'),
    ).length;
    if (orgKeys !== orgs + 4)
      throw new Error(`the directory seed holds ${orgKeys} of ${orgs + 4} orgs`);
    const [replica] = await startReplicas(world, 1, {
      redis: { url: redis.url, key_prefix: 'chaos:' },
      auth: {
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        algorithms: ['HS256'],
        hs256_secret_env: SECRET_ENV,
        token_cache_entries: CACHE_ENTRIES.token,
      },
      directory: {
        file: world.directoryFile,
        cache_max_entries: CACHE_ENTRIES.directory,
      },
    });
    if (!replica) throw new Error('no replica started');
    defer(() => replica.stop());
    ctx.progress(`minting ${orgs * perOrg} distinct tokens`);
    const probes = [...(await standardProbes()), ...(await distinctProbes(orgs, perOrg))];
    const sampler = startRssSampler(replica.url);
    let warmupEnd = 0;
    const run = await underLoad(
      { targets: [replica.url], probes, warmupMs: 0, cooldownMs: 1000 },
      async () => {
        ctx.progress(
          `soak ${soakMs / 1000} s (warm-up ${warmupMs / 1000} s), RSS read every second`,
        );
        await sleep(warmupMs);
        warmupEnd = performance.now();
        await sleep(soakMs - warmupMs);
      },
    );
    const rss = rssFigures(await sampler.stop(), warmupEnd);
    const page = await fetch(`${replica.url}/metrics`).then((r) => r.text());
    const lookups = (outcome: string) =>
      metricSum(page, 'orgwarden_directory_cache_lookups_total', [
        'layer="memory"',
        `outcome="${outcome}"`,
      ]);
    const failures: string[] = [];
    if (rss.maxMb > RSS_BOUND_MB)
      failures.push(`RSS reached ${rss.maxMb} MB (bound ${RSS_BOUND_MB} MB)`);
    if (slopeLimit !== null && rss.slopeMbPerMin > slopeLimit)
      failures.push(
        `RSS still growing after warm-up: ${rss.slopeMbPerMin} MB/min (limit ${slopeLimit})`,
      );
    const notes = [
      `RSS after warm-up ${rss.afterWarmupMb} MB, max ${rss.maxMb} MB (bound ${RSS_BOUND_MB}), slope over the second half ${rss.slopeMbPerMin} MB/min (limit ${slopeLimit ?? 'none in the quick run'}); ${rss.readings} readings`,
      `V8 heap in use after warm-up ${rss.heapAfterWarmupMb} MB, max ${rss.heapMaxMb} MB, slope over the second half ${rss.heapSlopeMbPerMin} MB/min; longest event-loop stall ${rss.lagMaxMs} ms`,
      `${probes.length} distinct tokens over ${orgs + 4} orgs; caches: directory ${CACHE_ENTRIES.directory} entries, verified tokens ${CACHE_ENTRIES.token}; directory memory cache ${lookups('hit')} hits, ${lookups('miss')} misses`,
    ];
    // Memory pressure is no excuse for a wrong answer: every deny of a member counts, soak or not.
    const denied = run.samples.filter((s) => s.expected === 'allow' && s.outcome !== 'allow');
    if (denied.length > 0) {
      const reasons = new Map<string, number>();
      for (const s of denied) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
      failures.push(
        `${denied.length} members denied during the soak (${span(denied, run.window.start)}): ${[...reasons].map(([r, n]) => `${r} ×${n}`).join(', ')}`,
      );
      const log = replica
        .logs()
        .split('\n')
        .find((l) => /redis|directory/i.test(l) && /warn|error/i.test(l));
      if (log !== undefined) notes.push(`replica log: ${log.slice(0, 400)}`);
    }
    return row(`Memory soak ${soakMs / 1000} s, every cache at its bound`, run, {
      notes,
      failures,
    });
  });
}

/** When the first and the last of `samples` were sent, from `start`. */
function span(samples: readonly Sample[], start: number): string {
  const at = samples.map((s) => Math.round(s.sentAt - start));
  return `sent from +${Math.min(...at)} ms to +${Math.max(...at)} ms`;
}

export const memory: Fault = {
  id: 'memory',
  title: 'Memory soak with every cache filled to its bound',
  run: async (ctx) => [await scenario(ctx)],
};
