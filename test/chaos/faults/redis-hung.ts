/**
 * Fault 2b: Redis hung (SIGSTOP): every connection stays open and nothing is answered. This is the
 * case that widens the propagation bound to `directory.cache_ttl_ms` (docs/scaling.md), so it is
 * measured: a member is revoked through replica A just before the hang (its answer acknowledged),
 * and replica B is asked back to back for that member until the bound has passed; a second member
 * is revoked through A during the hang (a write that cannot be acknowledged: it must answer 503 and
 * is expected either way from then on). Promises checked: B never allows the first member later
 * than `cache_ttl_ms` (plus a margin for timers and a round trip) after the answer; no other allow
 * that should not be; records cached before the hang are served at most `cache_ttl_ms` into it;
 * `/readyz` is 503 during the hang and 200 after; members are allowed again once Redis answers.
 */
import { directProbes } from '../lib/direct-probe.js';
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import type { Probe } from '../lib/load.js';
import { startChaosRedis } from '../lib/redis-server.js';
import { COMMAND_TIMEOUT_MS, cacheTtlMs, CACHE_MARGIN_MS } from '../lib/redis-timing.js';
import { readinessFailures, warmUp } from '../lib/replica-checks.js';
import { lastAllow, reasonCounts, withInFlightAtStart } from '../lib/sample-facts.js';
import {
  admin,
  row,
  sleep,
  standardProbes,
  startReplicas,
  underLoad,
  withCleanup,
} from '../lib/scenario.js';
import { revocationTimeline } from '../lib/timelines.js';
import { createWorld, HOME_ORG, sessionToken } from '../lib/world.js';

async function scenario(ctx: FaultContext): Promise<FaultRow> {
  const hungMs = ctx.quick ? 3000 : 30_000;
  const ttlMs = cacheTtlMs(ctx.quick);
  const boundMs = ttlMs + CACHE_MARGIN_MS;
  return withCleanup(async (defer) => {
    const world = await createWorld({ revocable: 2 });
    defer(() => world.remove());
    const redis = await startChaosRedis();
    defer(() => redis.stop());
    const replicas = await startReplicas(world, 2, {
      redis: {
        url: redis.url,
        key_prefix: 'chaos:',
        command_timeout_ms: COMMAND_TIMEOUT_MS,
        max_reconnect_delay_ms: 200,
      },
      directory: { file: world.directoryFile, cache_ttl_ms: ttlMs },
    });
    for (const r of replicas) defer(() => r.stop());
    const [a, b] = replicas;
    if (!a || !b) throw new Error('two replicas expected');
    const direct = directProbes();
    defer(() => direct.close());

    const before = { user: 'rev-0', timeline: revocationTimeline(boundMs) };
    const during = { user: 'rev-1', timeline: revocationTimeline(boundMs) };
    const bodies = await Promise.all(
      [before, during].map(async (m) => ({
        token: await sessionToken(m.user),
        org: HOME_ORG,
        action: 'org.read',
      })),
    );
    const [beforeBody, duringBody] = bodies;
    if (!beforeBody || !duringBody) throw new Error('two bodies expected');
    const probes: Probe[] = [
      ...(await standardProbes()),
      { group: 'revoked before', body: beforeBody, expect: (t) => before.timeline.expect(t) },
      { group: 'revoked during', body: duringBody, expect: (t) => during.timeline.expect(t) },
    ];
    await warmUp(replicas, probes);
    const failures: string[] = [];
    const notes: string[] = [];
    let hungFrom = 0;
    let resumedAt = 0;
    const run = withInFlightAtStart(
      await underLoad(
        {
          targets: replicas.map((r) => r.url),
          probes,
          warmupMs: 1000,
          cooldownMs: ctx.quick ? 3000 : 10_000,
        },
        async (lifted) => {
          ctx.progress(`revoke ${before.user} via ${a.name}, then SIGSTOP Redis for ${hungMs} ms`);
          before.timeline.sent(performance.now());
          const answer = await admin(
            a,
            'DELETE',
            `/v1/directory/orgs/${HOME_ORG}/members/${before.user}`,
          );
          const answeredAt = performance.now();
          redis.pause();
          hungFrom = performance.now();
          before.timeline.answered(answeredAt, answer.status === 200);
          if (answer.status !== 200)
            failures.push(`the revocation before the hang answered ${answer.status}`);
          // B, back to back, until the bound has passed.
          const watch = (async () => {
            while (performance.now() < answeredAt + boundMs + 200)
              await direct.send(b.url, 'revoked before', beforeBody, (t) =>
                before.timeline.expect(t),
              );
          })();
          await sleep(200);
          during.timeline.sent(performance.now());
          const refused = await admin(
            a,
            'DELETE',
            `/v1/directory/orgs/${HOME_ORG}/members/${during.user}`,
          );
          during.timeline.answered(performance.now(), refused.status === 200);
          if (refused.status !== 503)
            failures.push(`a revocation during the hang answered ${refused.status} (want 503)`);
          notes.push(`revocation during the hang: ${refused.status}, not acknowledged`);
          await sleep(Math.min(1000, hungMs / 3));
          failures.push(...(await readinessFailures(replicas, 503, 'while Redis was hung')));
          await watch;
          await sleep(Math.max(0, hungFrom + hungMs - performance.now()));
          redis.resume();
          resumedAt = performance.now();
          lifted();
        },
      ),
    );
    failures.push(...(await readinessFailures(replicas, 200, 'after Redis answered again')));
    const ack = before.timeline.acknowledgedAt;
    const all = [...run.samples, ...direct.samples];
    if (ack !== null) {
      const lastOnB = lastAllow(all, 'revoked before', ack, b.url);
      const firstDeny = direct.samples.find((s) => s.sentAt >= ack && s.outcome === 'deny');
      notes.push(
        `${before.user}, revoked via A ${Math.round(hungFrom - ack)} ms before the hang: B ${
          lastOnB === null
            ? 'never allowed it after the answer'
            : `kept allowing it until +${Math.round(lastOnB - ack)} ms`
        }; B's first deny +${firstDeny ? Math.round(firstDeny.sentAt + firstDeny.latencyMs - ack) : '–'} ms (${firstDeny?.reason ?? 'none'}); bound asserted ${boundMs} ms (cache_ttl_ms ${ttlMs} + ${CACHE_MARGIN_MS})`,
      );
    }
    const inHang = run.samples.filter((s) => s.sentAt >= hungFrom && s.sentAt <= run.window.end);
    // Allowed from the cache: answered while Redis was still stopped. acme was dropped from every
    // cache by the revocation; the control org was not.
    const fromCache = inHang.filter((s) => s.sentAt + s.latencyMs < resumedAt);
    for (const group of ['member', 'control']) {
      const served = lastAllow(fromCache, group, hungFrom);
      notes.push(
        served === null
          ? `${group}: never allowed from a cache during the hang`
          : `${group}: cached records served ${Math.round(served - hungFrom)} ms into the hang (cache_ttl_ms ${ttlMs})`,
      );
      if (served !== null && served - hungFrom > boundMs)
        failures.push(
          `a cached record was served ${Math.round(served - hungFrom)} ms into the hang`,
        );
    }
    notes.push(`answers during the hang: ${reasonCounts(inHang)}`);
    const after = all.filter((s) => s.group === 'revoked during' && s.sentAt > run.window.end);
    notes.push(`${during.user} after the hang (the unacknowledged write): ${reasonCounts(after)}`);
    return row(
      `Redis hung (SIGSTOP) ${hungMs / 1000} s, a revocation acknowledged just before`,
      { samples: all, window: run.window },
      { notes, failures },
    );
  });
}

export const redisHung: Fault = {
  id: 'redis-hung',
  title: 'Redis hung (SIGSTOP) with its connections open, a revocation just before',
  async run(ctx) {
    return [await scenario(ctx)];
  },
};
