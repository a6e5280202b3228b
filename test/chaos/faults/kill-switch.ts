/**
 * Fault 6: the multi-tenant kill switch flipped off and on again and again under load, through
 * two replicas in turn (`PUT /v1/admin/tenancy`). Promises checked: once a flip's answer plus the
 * contract's bound (every replica within one second) has passed, no decision for a non-default org
 * is allowed on either replica while the switch is off, and each of them denies
 * `feature_disabled`; while it is on, members are allowed again; the default org serves
 * throughout (the positive control that stays allowed in both states).
 */
import { countWithExample, distribution, wrongDenies } from '../lib/sample-facts.js';
import type { Fault, FaultContext, FaultRow } from '../lib/fault.js';
import type { Expectation, Probe } from '../lib/load.js';
import { startChaosRedis } from '../lib/redis-server.js';
import { admin, row, sleep, startReplicas, underLoad, withCleanup } from '../lib/scenario.js';
import { switchTimeline } from '../lib/timelines.js';
import {
  CONTROL_MEMBERS,
  CONTROL_ORG,
  createWorld,
  HOME_ORG,
  NON_MEMBERS,
  sessionToken,
  SPOOFERS,
  STEADY_MEMBERS,
} from '../lib/world.js';

/** The contract: every replica follows a flip within one second. */
const BOUND_MS = 1000;
/** Time from one flip's sending to the next: the bound plus a stretch where the state is checked. */
const FLIP_EVERY_MS = 1600;

async function scenario(ctx: FaultContext): Promise<FaultRow> {
  const flips = ctx.quick ? 10 : 100;
  return withCleanup(async (defer) => {
    const world = await createWorld();
    defer(() => world.remove());
    const redis = await startChaosRedis();
    defer(() => redis.stop());
    const replicas = await startReplicas(world, 2, {
      redis: { url: redis.url, key_prefix: 'chaos:', max_reconnect_delay_ms: 200 },
    });
    for (const r of replicas) defer(() => r.stop());

    const timeline = switchTimeline(true, BOUND_MS);
    const whileOn = (t: number): Expectation => {
      const on = timeline.stateAt(t);
      return on === null ? 'any' : on ? 'allow' : 'deny';
    };
    const probe = async (
      group: string,
      user: string,
      org: string,
      action: string,
      expect: (t: number) => Expectation,
    ): Promise<Probe> => ({
      group,
      body: { token: await sessionToken(user), org, action },
      expect,
    });
    const probes = await Promise.all([
      ...STEADY_MEMBERS.map((u) => probe('member', u, HOME_ORG, 'org.read', whileOn)),
      ...CONTROL_MEMBERS.map((u) => probe('control', u, CONTROL_ORG, 'org.read', whileOn)),
      ...SPOOFERS.map((u) => probe('spoof', u, HOME_ORG, 'org.read', () => 'deny')),
      ...NON_MEMBERS.map((u) => probe('non-member', u, HOME_ORG, 'org.read', () => 'deny')),
      // Data of the default org stays reachable whichever way the switch stands.
      ...NON_MEMBERS.map((u) => probe('default org', u, 'default', 'resource.read', () => 'allow')),
    ]);

    const failures: string[] = [];
    const followed: number[] = [];
    const run = await underLoad(
      {
        targets: replicas.map((r) => r.url),
        probes,
        warmupMs: 1000,
        cooldownMs: ctx.quick ? 1500 : 3000,
      },
      async () => {
        ctx.progress(`${flips} flips, ${FLIP_EVERY_MS} ms apart, alternating replicas`);
        for (let i = 0; i < flips; i++) {
          const writer = replicas[i % 2];
          const other = replicas[(i + 1) % 2];
          if (!writer || !other) throw new Error('two replicas expected');
          const state = i % 2 === 1; // off first, on again last
          const sentAt = performance.now();
          timeline.sent(sentAt);
          const answer = await admin(writer, 'PUT', '/v1/admin/tenancy', { multi_tenant: state });
          const answeredAt = performance.now();
          const applied = answer.status === 200 && readState(answer.json) === state;
          timeline.answered(answeredAt, state, applied);
          if (!applied)
            failures.push(
              `flip ${i + 1} via ${writer.name}: ${answer.status} ${JSON.stringify(answer.json)}`,
            );
          // How long the other replica took to report the new state (also after a refused flip,
          // which must leave the state as it was).
          let seenAfter: number | null = null;
          while (seenAfter === null && performance.now() < answeredAt + BOUND_MS) {
            const seen = await admin(other, 'GET', '/v1/admin/tenancy');
            if (readState(seen.json) === state) seenAfter = performance.now() - answeredAt;
          }
          if (applied && seenAfter !== null) followed.push(seenAfter);
          if (applied && seenAfter === null)
            failures.push(`flip ${i + 1}: ${other.name} did not follow within ${BOUND_MS} ms`);
          if (!applied && seenAfter !== null)
            failures.push(
              `flip ${i + 1} was refused (${answer.status}, "nothing changed"), yet ${other.name} reported multi_tenant ${String(state)} ${Math.round(seenAfter)} ms after the answer`,
            );
          if ((i + 1) % 10 === 0) ctx.progress(`${i + 1}/${flips} flips`);
          await sleep(Math.max(0, sentAt + FLIP_EVERY_MS - performance.now()));
        }
      },
    );

    // Off, after the bound: every non-default-org member decision must be the kill switch's deny.
    const offDenies = run.samples.filter(
      (s) => (s.group === 'member' || s.group === 'control') && s.expected === 'deny',
    );
    const otherReason = offDenies.filter((s) => s.reason !== 'feature_disabled');
    if (offDenies.length === 0) failures.push('no decision was checked while the switch was off');
    if (otherReason.length > 0)
      failures.push(
        countWithExample(
          'decisions while off denied another reason than feature_disabled',
          otherReason,
        ),
      );
    const denied = wrongDenies(run.samples);
    if (denied.length > 0)
      failures.push(countWithExample("wrong denies once a flip's bound had passed", denied));
    return row(
      `kill switch flipped ${flips} times on two replicas, each followed within ${BOUND_MS} ms`,
      run,
      {
        notes: [
          `the other replica reported the new state after the answer: ${distribution(followed)}`,
          `${offDenies.length - otherReason.length}/${offDenies.length} decisions for non-default orgs while off (after the bound) denied feature_disabled`,
        ],
        failures,
      },
    );
  });
}

function readState(json: unknown): boolean | null {
  if (typeof json !== 'object' || json === null) return null;
  const value = (json as { multi_tenant?: unknown }).multi_tenant;
  return typeof value === 'boolean' ? value : null;
}

export const killSwitch: Fault = {
  id: 'kill-switch',
  title: 'Kill switch flipped on and off under load on two replicas',
  async run(ctx) {
    return [await scenario(ctx)];
  },
};
