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
 * this load makes on one replica, is ~6 MB/min; the full run (5-minute second half) fails above
 * 3 MB/min. The quick run's second half is 10 s, inside one GC cycle's sawtooth, so its slope only
 * catches gross growth (above 60 MB/min, i.e. ~1 KB retained per decision).
 */
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import type { Probe } from '../lib/load.js';
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
  const slopeLimit = ctx.quick ? 60 : 3;
  const orgs = ctx.quick ? 1000 : 3000;
  const perOrg = 6;
  return withCleanup(async (defer) => {
    const world = await createWorld({ extraOrgs: orgs, membersPerOrg: perOrg });
    defer(() => world.remove());
    const redis = await startChaosRedis();
    defer(() => redis.stop());
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
    if (rss.slopeMbPerMin > slopeLimit)
      failures.push(
        `RSS still growing after warm-up: ${rss.slopeMbPerMin} MB/min (limit ${slopeLimit})`,
      );
    const notes = [
      `RSS after warm-up ${rss.afterWarmupMb} MB, max ${rss.maxMb} MB (bound ${RSS_BOUND_MB}), slope over the second half ${rss.slopeMbPerMin} MB/min (limit ${slopeLimit}); ${rss.readings} readings`,
      `V8 heap in use after warm-up ${rss.heapAfterWarmupMb} MB, max ${rss.heapMaxMb} MB, slope over the second half ${rss.heapSlopeMbPerMin} MB/min`,
      `${probes.length} distinct tokens over ${orgs + 4} orgs; caches: directory ${CACHE_ENTRIES.directory} entries, verified tokens ${CACHE_ENTRIES.token}; directory memory cache ${lookups('hit')} hits, ${lookups('miss')} misses`,
    ];
    return row(`Memory soak ${soakMs / 1000} s, every cache at its bound`, run, {
      notes,
      failures,
    });
  });
}

export const memory: Fault = {
  id: 'memory',
  title: 'Memory soak with every cache filled to its bound',
  run: async (ctx) => [await scenario(ctx)],
};
