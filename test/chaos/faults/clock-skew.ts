/**
 * Fault 9: the sidecar's clock five minutes away from the token issuer's, within and beyond
 * `auth.clock_tolerance_s`. The skew is made on the issuer's side: tokens are minted from a clock
 * five minutes ahead of or behind the replicas'. The verifier compares a token's times only with
 * its own clock, so an issuer five minutes ahead is the same to it as a sidecar five minutes
 * behind (and the other way round); shifting the issuer needs no clock tooling around the replica
 * processes and cannot disturb their timers.
 *
 * Tokens live two minutes (exp = iat + 120 s), so beyond the tolerance both directions are real:
 * ahead, `iat` (and `nbf`) are in the sidecar's future; behind, `exp` is in its past. Within the
 * tolerance (300 s) the members are allowed; beyond it (30 s) each is denied `unauthenticated` with
 * its own detail, never allowed. A long-lived token from the issuer behind stays valid in both.
 */
import { countWithExample, wrongDenies } from '../lib/sample-facts.js';
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import type { Probe } from '../lib/load.js';
import { startChaosRedis } from '../lib/redis-server.js';
import { row, standardProbes, startReplicas, underLoad, withCleanup } from '../lib/scenario.js';
import { mintHs256, TEST_SECRET } from '../../support/tokens.js';
import { createWorld, HOME_ORG, replicaConfig, STEADY_MEMBERS } from '../lib/world.js';

const SKEW_S = 300;
const SHORT_LIFETIME_S = 120;

interface SkewedToken {
  group: string;
  /** Issuer clock minus the sidecar's, in seconds. */
  skewS: number;
  lifetimeS: number;
  withNbf: boolean;
  /** The detail a replica must deny it with beyond the tolerance; null: valid in both. */
  beyond: string | null;
}

const TOKENS: readonly SkewedToken[] = [
  {
    group: 'issuer +5 min',
    skewS: SKEW_S,
    lifetimeS: SHORT_LIFETIME_S,
    withNbf: false,
    beyond: 'token_issued_in_future',
  },
  {
    group: 'issuer +5 min, nbf',
    skewS: SKEW_S,
    lifetimeS: SHORT_LIFETIME_S,
    withNbf: true,
    beyond: 'token_not_yet_valid',
  },
  {
    group: 'issuer -5 min',
    skewS: -SKEW_S,
    lifetimeS: SHORT_LIFETIME_S,
    withNbf: false,
    beyond: 'token_expired',
  },
  { group: 'issuer -5 min, 1 h', skewS: -SKEW_S, lifetimeS: 3600, withNbf: false, beyond: null },
];

function mint(spec: SkewedToken, user: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000) + spec.skewS;
  return mintHs256(TEST_SECRET, {
    sub: user,
    iat,
    exp: iat + spec.lifetimeS,
    ...(spec.withNbf ? { nbf: iat } : {}),
  });
}

async function scenario(ctx: FaultContext, toleranceS: number): Promise<FaultRow> {
  const within = toleranceS >= SKEW_S;
  const durationMs = ctx.quick ? 5000 : 30_000;
  return withCleanup(async (defer) => {
    const world = await createWorld();
    defer(() => world.remove());
    const redis = await startChaosRedis();
    defer(() => redis.stop());
    const auth = replicaConfig(world).auth as Record<string, unknown>;
    const replicas = await startReplicas(world, 2, {
      redis: { url: redis.url, key_prefix: 'chaos:' },
      auth: { ...auth, clock_tolerance_s: toleranceS },
    });
    for (const r of replicas) defer(() => r.stop());

    const now = Date.now();
    const skewed = await Promise.all(
      TOKENS.flatMap((spec) =>
        STEADY_MEMBERS.map(async (user) => ({
          spec,
          body: { token: await mint(spec, user, now), org: HOME_ORG, action: 'org.read' },
        })),
      ),
    );
    const expectOf = (spec: SkewedToken) => () =>
      within || spec.beyond === null ? 'allow' : 'deny';
    const probes: Probe[] = [
      ...(await standardProbes()),
      ...skewed.map((t) => ({ group: t.spec.group, body: t.body, expect: expectOf(t.spec) })),
    ];
    const failures: string[] = [];
    const notes: string[] = [];
    const run = await underLoad(
      { targets: replicas.map((r) => r.url), probes, warmupMs: 500, cooldownMs: 500 },
      async () => {
        ctx.progress(`tolerance ${toleranceS} s, issuer ±${SKEW_S} s, ${durationMs} ms under load`);
        await new Promise((r) => setTimeout(r, durationMs));
        // Each token's answer, with its detail, from every replica.
        for (const spec of TOKENS) {
          const body = skewed.find((t) => t.spec === spec)?.body;
          if (!body) continue;
          for (const r of replicas) {
            const res = await fetch(`${r.url}/v1/authorize`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            const answer = (await res.json()) as {
              allow?: boolean;
              reason?: string;
              detail?: string;
            };
            const got =
              answer.allow === true
                ? 'allowed'
                : `${answer.reason ?? '(no reason)'} (${answer.detail ?? 'no detail'})`;
            const want =
              within || spec.beyond === null ? 'allowed' : `unauthenticated (${spec.beyond})`;
            if (r === replicas[0]) notes.push(`${spec.group}: ${got}`);
            if (got !== want)
              failures.push(`${spec.group} via ${r.name}: ${got}, expected ${want}`);
          }
        }
      },
    );
    const denied = wrongDenies(run.samples);
    if (denied.length > 0) failures.push(countWithExample('wrong denies', denied));
    return row(
      `issuer clock ±5 min, ${within ? 'within' : 'beyond'} the tolerance (clock_tolerance_s ${toleranceS})`,
      run,
      { notes, failures },
    );
  });
}

export const clockSkew: Fault = {
  id: 'clock-skew',
  title: 'Clock skew of ±5 minutes between issuer and sidecar, within and beyond the tolerance',
  async run(ctx) {
    return [await scenario(ctx, 300), await scenario(ctx, 30)];
  },
};
