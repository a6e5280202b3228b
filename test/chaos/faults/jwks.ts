/**
 * Fault 4: the issuer's JWKS endpoint down, slow (every answer slower than `auth.jwks_timeout_ms`)
 * and rotated, under load from ES256 tokens. Promises checked:
 * - down or slow with a warm key cache: tokens of the held key keep verifying until the held set
 *   is `jwks_cache_max_age_s` + `jwks_stale_if_error_s` old, then deny `keys_unavailable`; a token
 *   signed by a key the set never held is denied throughout;
 * - rotated (the old key removed, a new one published): tokens of the new key are allowed within
 *   `jwks_cooldown_s` of the rotation, tokens of the removed key are denied from
 *   `jwks_cache_max_age_s` after it at the latest;
 * - never an allow for a token no current or stale-permitted key verifies.
 * The replicas fetch from their own path on the endpoint, so the held set's age is known exactly.
 */
import type { JSONWebKeySet } from 'jose';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  createTestKeys,
  jwksOf,
  type TestKeys,
} from '../../support/tokens.js';
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import { startJwksServer, type JwksMode, type JwksServer } from '../lib/jwks-server.js';
import type { Expectation, Probe, Sample } from '../lib/load.js';
import { startReplica, type Replica } from '../lib/replica.js';
import { row, sleep, underLoad, withCleanup } from '../lib/scenario.js';
import {
  CONTROL_MEMBERS,
  CONTROL_ORG,
  HOME_ORG,
  NON_MEMBERS,
  replicaConfig,
  SPOOFERS,
  STEADY_MEMBERS,
  createWorld,
} from '../lib/world.js';

const COOLDOWN_S = 5;
const STALE_IF_ERROR_S = 10;
const TIMEOUT_MS = 300;
/** Slack between the endpoint's clock for a fetch and the replica's (it parses after we send). */
const SLACK_MS = 500;

interface Keys {
  current: TestKeys;
  next: TestKeys;
  /** Never published: no token it signs may ever verify. */
  forged: TestKeys;
}

interface Bed {
  server: JwksServer;
  replicas: Replica[];
  keys: Keys;
  maxAgeMs: number;
}

type Timeline = (sentAt: number) => Expectation;

/** The mix: the same users as the standard probes, but signed by the issuer's ES256 keys. */
async function probes(keys: Keys, held: Timeline, fresh: Timeline): Promise<Probe[]> {
  const deny = () => 'deny' as const;
  const probe = async (group: string, key: TestKeys, user: string, org: string, e: Timeline) => ({
    group,
    body: { token: await key.mint({ sub: user }), org, action: 'org.read' },
    expect: e,
  });
  return Promise.all([
    ...STEADY_MEMBERS.map((u) => probe('member', keys.current, u, HOME_ORG, held)),
    ...CONTROL_MEMBERS.map((u) => probe('control', keys.current, u, CONTROL_ORG, held)),
    ...STEADY_MEMBERS.map((u) => probe('new-key member', keys.next, u, HOME_ORG, fresh)),
    ...STEADY_MEMBERS.map((u) => probe('forged', keys.forged, u, HOME_ORG, deny)),
    ...SPOOFERS.map((u) => probe('spoof', keys.current, u, HOME_ORG, deny)),
    ...NON_MEMBERS.map((u) => probe('non-member', keys.current, u, HOME_ORG, deny)),
  ]);
}

/**
 * Down or slow: the held set of each replica stays usable until its last good fetch before the
 * fault plus max age plus stale-if-error. Before the earliest of those ends, known-key tokens must
 * be allowed; after the latest, denied; after the fault, allowed again (within the budget).
 */
async function outage(
  ctx: FaultContext,
  bed: Bed,
  mode: Exclude<JwksMode, { kind: 'up' }>,
): Promise<FaultRow> {
  const outageMs = ctx.quick ? 3000 : 30_000;
  const clock: { start: number | null; end: number | null } = { start: null, end: null };
  const usableUntil = (start: number) =>
    bed.replicas.map((r) => {
      const last = bed.server
        .goodFetches(r.name)
        .filter((t) => t <= start)
        .at(-1);
      if (last === undefined) throw new Error(`replica ${r.name} never fetched the key set`);
      return last + bed.maxAgeMs + STALE_IF_ERROR_S * 1000;
    });
  let ends: number[] = [];
  const held: Timeline = (t) => {
    if (clock.start === null || t < clock.start || (clock.end !== null && t > clock.end))
      return 'allow';
    if (t < Math.min(...ends) - SLACK_MS) return 'allow';
    return t > Math.max(...ends) + SLACK_MS ? 'deny' : 'any';
  };
  const run = await underLoad(
    {
      targets: bed.replicas.map((r) => r.url),
      probes: await probes(bed.keys, held, () => 'deny'),
      warmupMs: ctx.quick ? 1000 : 2000,
      cooldownMs: ctx.quick ? 2000 : 10_000,
    },
    async () => {
      const start = performance.now();
      ends = usableUntil(start);
      clock.start = start;
      ctx.progress(`JWKS endpoint ${mode.kind} for ${outageMs} ms`);
      await bed.server.setMode(mode);
      await sleep(outageMs);
      await bed.server.setMode({ kind: 'up' });
      clock.end = performance.now();
    },
  );
  const { start, end } = run.window;
  const known = run.samples.filter((s) => s.group === 'member' || s.group === 'control');
  const staleWindowEnd = Math.min(...ends);
  const servedStale = known.filter(
    (s) => s.sentAt >= start && s.sentAt + s.latencyMs < staleWindowEnd,
  );
  const refusedStale = servedStale.filter((s) => s.outcome !== 'allow');
  const afterStale = known.filter((s) => s.sentAt > Math.max(...ends) + SLACK_MS && s.sentAt < end);
  const failures: string[] = [];
  const notes = [
    `held set usable until +${ends.map((e) => Math.round(e - start)).join(' / ')} ms after the fault began (per replica)`,
    `${servedStale.length - refusedStale.length}/${servedStale.length} known-key decisions inside that span allowed`,
  ];
  if (refusedStale.length > 0)
    failures.push(
      `${refusedStale.length} known-key decisions denied while the stale set was permitted: ${describe(refusedStale)}`,
    );
  if (afterStale.length > 0) {
    const unavailable = afterStale.filter((s) => s.reason === 'keys_unavailable').length;
    notes.push(
      `${unavailable}/${afterStale.length} known-key decisions after stale-if-error ran out answered keys_unavailable`,
    );
    if (unavailable !== afterStale.length)
      failures.push(
        `after stale-if-error ran out: ${describe(afterStale.filter((s) => s.reason !== 'keys_unavailable'))}`,
      );
  }
  const what =
    mode.kind === 'down'
      ? 'down (connection refused)'
      : `slow (answers after ${mode.delayMs} ms, timeout ${TIMEOUT_MS} ms)`;
  return row(`JWKS endpoint ${what} ${outageMs / 1000} s, warm key cache`, run, {
    notes,
    failures,
  });
}

/** The old key removed and a new one published: the new key verifies within the cooldown. */
async function rotation(ctx: FaultContext, bed: Bed): Promise<FaultRow> {
  const clock: { rotatedAt: number | null } = { rotatedAt: null };
  const sinceRotation = (t: number) => (clock.rotatedAt === null ? -1 : t - clock.rotatedAt);
  const oldKey: Timeline = (t) => {
    const since = sinceRotation(t);
    if (since < 0) return 'allow';
    return since > bed.maxAgeMs + SLACK_MS ? 'deny' : 'any';
  };
  const newKey: Timeline = (t) => {
    const since = sinceRotation(t);
    if (since < 0) return 'deny';
    return since > COOLDOWN_S * 1000 + SLACK_MS ? 'allow' : 'any';
  };
  const run = await underLoad(
    {
      targets: bed.replicas.map((r) => r.url),
      probes: await probes(bed.keys, oldKey, newKey),
      warmupMs: ctx.quick ? 1000 : 2000,
      // Past the removed key's bound, then a while more to see it stays denied.
      cooldownMs: bed.maxAgeMs - COOLDOWN_S * 1000 + (ctx.quick ? 2000 : 10_000),
      recoveryBudgetMs: SLACK_MS,
    },
    async (lifted) => {
      ctx.progress(`rotating: key ${bed.keys.current.kid} removed, ${bed.keys.next.kid} published`);
      bed.server.serve(jwksOf(bed.keys.next));
      clock.rotatedAt = performance.now();
      await sleep(COOLDOWN_S * 1000);
      lifted();
    },
  );
  const rotatedAt = run.window.start;
  const seen = bed.replicas.map((r) => {
    const first = bed.server.goodFetches(r.name).find((t) => t > rotatedAt);
    return first === undefined ? null : Math.round(first - rotatedAt);
  });
  const failures: string[] = [];
  if (seen.some((ms) => ms === null || ms > COOLDOWN_S * 1000 + SLACK_MS))
    failures.push(
      `a replica did not fetch the rotated set within the cooldown: ${seen.join(' / ')} ms`,
    );
  const lastOldAllow = run.samples
    .filter(
      (s) =>
        s.sentAt >= rotatedAt &&
        (s.group === 'member' || s.group === 'control') &&
        s.outcome === 'allow',
    )
    .reduce((last, s) => Math.max(last, s.sentAt + s.latencyMs - rotatedAt), 0);
  const firstNewAllow = run.samples.find(
    (s) => s.group === 'new-key member' && s.outcome === 'allow',
  );
  const notes = [
    `rotated set fetched ${seen.join(' / ')} ms after the rotation (per replica; cooldown ${COOLDOWN_S} s)`,
    `last allow of the removed key at +${Math.round(lastOldAllow)} ms (bound: max age ${bed.maxAgeMs} ms)`,
    `first allow of the new key at +${firstNewAllow ? Math.round(firstNewAllow.sentAt - rotatedAt) : '–'} ms`,
  ];
  return row(
    `JWKS rotated (old key removed): new key within cooldown ${COOLDOWN_S} s, old key out within max age ${bed.maxAgeMs / 1000} s`,
    run,
    { notes, failures },
  );
}

function describe(samples: readonly Sample[]): string {
  return samples
    .slice(0, 3)
    .map((s) => `${s.group} via ${s.target}: ${s.outcome} (${s.reason})`)
    .join('; ');
}

async function startBed(
  ctx: FaultContext,
  defer: (stop: () => unknown) => void,
  maxAgeMs: number,
): Promise<Bed> {
  // The forged key reuses the published kid: a token that names a held key but is not its own.
  const [current, next, forged] = await Promise.all([
    createTestKeys('ES256', { kid: 'issuer-1' }),
    createTestKeys('ES256', { kid: 'issuer-2' }),
    createTestKeys('ES256', { kid: 'issuer-1' }),
  ]);
  const keys: Keys = { current, next, forged };
  const initial: JSONWebKeySet = jwksOf(current);
  const server = await startJwksServer(initial);
  defer(() => server.close());
  const world = await createWorld();
  defer(() => world.remove());
  const replicas: Replica[] = [];
  for (const name of ['a', 'b']) {
    const auth = {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['ES256'],
      jwks_url: server.urlFor(name),
      jwks_timeout_ms: TIMEOUT_MS,
      jwks_cooldown_s: COOLDOWN_S,
      jwks_cache_max_age_s: maxAgeMs / 1000,
      jwks_stale_if_error_s: STALE_IF_ERROR_S,
      jwks_failure_backoff_s: 1,
      jwks_failure_backoff_max_s: 2,
    };
    const config = await world.writeConfig(name, replicaConfig(world, { auth }));
    const replica = await startReplica({ name, config, env: world.env });
    defer(() => replica.stop());
    replicas.push(replica);
  }
  ctx.progress(`replicas a, b fetch keys from ${server.urlFor('<name>')}`);
  return { server, replicas, keys, maxAgeMs };
}

export const jwks: Fault = {
  id: 'jwks',
  title: 'JWKS endpoint down, slow and rotated',
  async run(ctx) {
    const maxAgeMs = (ctx.quick ? 5 : 10) * 1000;
    return withCleanup(async (defer) => {
      const bed = await startBed(ctx, defer, maxAgeMs);
      const rows = [await outage(ctx, bed, { kind: 'down' })];
      rows.push(await outage(ctx, bed, { kind: 'slow', delayMs: TIMEOUT_MS + 1000 }));
      rows.push(await rotation(ctx, bed));
      return rows;
    });
  },
};
